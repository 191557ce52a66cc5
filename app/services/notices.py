"""Notices to citizens: queued in the outbox, sent at most once, retried with back-off."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.i18n import notice_language
from app.models import Contact, Department, Feedback, Notice, NoticeKind, NoticeState, Ticket
from app.models.types import utcnow
from app.services.links import unsubscribe_url
from integrations.mailer import MailError, Message, mailer_from_config

log = logging.getLogger(__name__)


def status_url(item: Feedback) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/status/{item.status_token}"


def queue_notice(
    item: Feedback, kind: str, *, occasion: str = "", body: str | None = None
) -> Notice | None:
    """Put a notice in the outbox, once per (item, kind, occasion), and only for a reachable
    contact."""
    if item.contact is None or not item.contact.reachable:
        return None
    existing = db.session.scalars(
        select(Notice).where(
            Notice.feedback_id == item.id, Notice.kind == kind, Notice.occasion == occasion
        )
    ).first()
    if existing is not None:
        return None
    notice = Notice(
        feedback=item,
        kind=kind,
        occasion=occasion,
        body=body,
        language=notice_language(item.contact.language, item.language),
        next_attempt_at=utcnow(),
    )
    db.session.add(notice)
    return notice


def queue_in_development_notices(ticket: Ticket) -> list[Notice]:
    """The team has started on the ticket: an update notice for each linked item whose
    department asks for them (``notify_in_development``). The caller commits.

    queue_notice keeps it to one per item, so a ticket that goes back to "to do" and into
    progress again tells nobody twice; items of departments without the setting get none.
    """
    items = db.session.scalars(
        select(Feedback)
        .join(Department, Feedback.department_id == Department.id)
        .where(Feedback.ticket_id == ticket.id, Department.notify_in_development.is_(True))
        .order_by(Feedback.id)
    )
    queued = (queue_notice(item, NoticeKind.UPDATE) for item in items)
    return [notice for notice in queued if notice is not None]


@dataclass(frozen=True)
class _Template:
    name: str
    subject: str  # lazily translated, in the notice's language when rendered


# The bodies are templates under templates/notices/.
_TEMPLATES = {
    NoticeKind.THANK_YOU: _Template("thank_you", _l("Thank you for your feedback")),
    NoticeKind.RESOLUTION: _Template(
        "resolution", _l("The problem you told us about has been fixed")
    ),
    NoticeKind.UPDATE: _Template("update", _l("Your feedback is being worked on")),
    NoticeKind.REPLY: _Template("reply", _l("A reply to your feedback")),
}


def render_notice(notice: Notice) -> Message:
    """The e-mail in the notice's language, plain text and HTML, without any staff data."""
    item = notice.feedback
    template = _TEMPLATES[notice.kind]
    unsubscribe = unsubscribe_url(item.contact)
    context = {
        "item": item,
        "body": notice.body,
        "status_url": status_url(item),
        "unsubscribe_url": unsubscribe,
        "language": notice.language,
    }
    with force_locale(notice.language):
        subject = str(template.subject)
        text = render_template(f"notices/{template.name}.txt", **context)
        paragraphs = [part.strip() for part in text.split("\n\n") if part.strip()]
        html = render_template(
            "notices/mail.html", subject=subject, paragraphs=paragraphs, **context
        )
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2] or "civicloop"
    return Message(
        to=item.contact.email,
        subject=subject,
        text=text,
        html=html,
        language=notice.language,
        # Stable per notice, so a resend after a crash can be recognised downstream.
        message_id=f"<notice-{notice.id}-{notice.kind}@{domain}>",
        # One-click unsubscribe in the mail client (RFC 8058), besides the link in the text.
        headers=(
            ("List-Unsubscribe", f"<{unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ),
    )


def deliver_notice(notice_id: int) -> float | None:
    """Send one notice if it is still due; returns seconds until a retry, or None when done."""
    notice = db.session.scalars(
        select(Notice).where(Notice.id == notice_id).with_for_update()
    ).first()
    if notice is None or notice.state != NoticeState.PENDING:
        db.session.rollback()
        return None
    # Read the contact under a lock, after the notice's: a consent withdrawal or erasure
    # committed while this notice waited is seen here, and one made during the send waits
    # for it (app/services/subject_requests.py takes the locks in the same order).
    contact = db.session.scalars(
        select(Contact)
        .where(Contact.id == notice.feedback.contact_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if contact is None or not contact.reachable:
        notice.state = NoticeState.SUPPRESSED
        notice.last_error = "no consent or no live contact"
        db.session.commit()
        return None
    notice.attempts += 1
    try:
        notice.message_id = mailer_from_config(current_app.config).send(render_notice(notice))
    except MailError as error:
        return _schedule_retry(notice, str(error))
    notice.state = NoticeState.SENT
    notice.sent_at = utcnow()
    notice.next_attempt_at = None
    notice.last_error = None
    db.session.commit()
    return None


def _schedule_retry(notice: Notice, reason: str) -> float | None:
    notice.last_error = reason[:1000]
    if notice.attempts >= current_app.config["NOTICE_MAX_ATTEMPTS"]:
        notice.state = NoticeState.FAILED
        notice.next_attempt_at = None
        db.session.commit()
        log.warning("notice %s given up after %s attempts: %s", notice.id, notice.attempts, reason)
        return None
    delay = current_app.config["NOTICE_RETRY_BASE_SECONDS"] * 2 ** (notice.attempts - 1)
    notice.next_attempt_at = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    return float(delay)
