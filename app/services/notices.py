"""Notices to citizens: queued in the outbox, sent at most once, retried with back-off."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from app import jobs
from app.extensions import db
from app.i18n import item_language, notice_language
from app.models import (
    Contact,
    Department,
    Feedback,
    FollowupAnswerValue,
    Notice,
    NoticeKind,
    NoticeState,
    Ticket,
    TicketOutcome,
)
from app.models.contact import citizen_key_column
from app.models.types import utcnow
from app.services.links import followup_url, unsubscribe_url
from app.services.reply_address import reply_address
from app.services.translations import CitizenText, holds_notice, reply_for, text_for
from integrations.mailer import Mailer, MailError, Message, mailer_from_config

log = logging.getLogger(__name__)
_BLANK_LINES = re.compile(r"\n\s*\n")


def status_url(item: Feedback, language: str | None = None) -> str:
    """The item's public status page, in ``language`` (else the citizen's own)."""
    language = language or item_language(item)
    return f"{current_app.config['PUBLIC_BASE_URL']}/status/{item.status_token}?lang={language}"


_ROUND_PREFIX = "round-"


def round_occasion(round_: int) -> str:
    """The outbox occasion of a problem's resolution round: the first is "" (as every notice
    owed once), each reopening's next one "round-N", so it is owed to the citizen again."""
    return "" if round_ == 1 else f"{_ROUND_PREFIX}{round_}"


def occasion_round(occasion: str) -> int:
    return int(occasion.removeprefix(_ROUND_PREFIX)) if occasion.startswith(_ROUND_PREFIX) else 1


def queue_notice(
    item: Feedback,
    kind: str,
    *,
    occasion: str = "",
    body: str | None = None,
    due_at: datetime | None = None,
) -> Notice | None:
    """Put a notice in the outbox, once per (item, kind, occasion), and only for a reachable
    contact; ``due_at`` holds it back until then (the reconciler sends it when due)."""
    queued = queue_notices([item], kind, occasion=occasion, body=body, due_at=due_at)
    return queued[0] if queued else None


def queue_notices(
    items: Sequence[Feedback],
    kind: str,
    *,
    occasion: str = "",
    body: str | None = None,
    due_at: datetime | None = None,
) -> list[Notice]:
    """``queue_notice`` for many items at once, with one look-up of what is already owed (a
    problem's resolution may be owed to thousands)."""
    reachable = [item for item in items if item.contact is not None and item.contact.reachable]
    if kind in PER_PROBLEM_KINDS:
        reachable = _one_per_citizen(reachable, kind, occasion)
    ids = [item.id for item in reachable if item.id is not None]
    owed = set()
    for start in range(0, len(ids), 1000):
        owed.update(
            db.session.scalars(
                select(Notice.feedback_id).where(
                    Notice.feedback_id.in_(ids[start : start + 1000]),
                    Notice.kind == kind,
                    Notice.occasion == occasion,
                )
            )
        )
    notices = [
        Notice(
            feedback=item,
            kind=kind,
            occasion=occasion,
            body=body,
            language=notice_language(item.contact.language, item.language),
            next_attempt_at=due_at or utcnow(),
        )
        for item in reachable
        if item.id is None or item.id not in owed
    ]
    db.session.add_all(notices)
    return notices


# What happens to a problem is told to each citizen once, however many of its items are
# theirs (a caller who rang twice gets one resolution notice per round, not two).
PER_PROBLEM_KINDS = (NoticeKind.RESOLUTION, NoticeKind.FOLLOWUP, NoticeKind.UPDATE)


def _one_per_citizen(items: list[Feedback], kind: str, occasion: str) -> list[Feedback]:
    """The first item of each (citizen, problem) not yet owed this notice by another item."""
    told: set[tuple[str, int | None]] = set()
    tickets = sorted({item.ticket_id for item in items if item.ticket_id is not None})
    for start in range(0, len(tickets), 1000):
        told.update(
            tuple(row)
            for row in db.session.execute(
                select(citizen_key_column(), Feedback.ticket_id)
                .join(Notice, Notice.feedback_id == Feedback.id)
                .join(Contact, Feedback.contact_id == Contact.id)
                .where(
                    Feedback.ticket_id.in_(tickets[start : start + 1000]),
                    Notice.kind == kind,
                    Notice.occasion == occasion,
                )
            )
        )
    chosen = []
    for item in sorted(items, key=lambda item: (item.id is None, item.id or 0)):
        citizen = (item.contact.citizen_key, item.ticket_id)
        if item.ticket_id is None or citizen not in told:
            told.add(citizen)
            chosen.append(item)
    return chosen


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
        .options(selectinload(Feedback.contact))
        .order_by(Feedback.id)
    ).all()
    return queue_notices(items, NoticeKind.UPDATE)


TRANSLATION_RECHECK = timedelta(hours=1)

# Notices per delivery job: a resolution owed to thousands is a few dozen jobs, each sending
# over one SMTP connection, rather than a job and a connection per citizen.
NOTICE_BATCH_SIZE = 100


def dispatch_notices(notice_ids: list[int]) -> None:
    """Queue the delivery of notices just committed."""
    if len(notice_ids) == 1:
        jobs.enqueue("deliver_notice", notice_ids[0])
        return
    for start in range(0, len(notice_ids), NOTICE_BATCH_SIZE):
        jobs.enqueue("deliver_notice_batch", notice_ids[start : start + NOTICE_BATCH_SIZE])


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
    NoticeKind.FOLLOWUP: _Template("followup", _l("Did this fix it for you?")),
}
# A problem closed without a fix is not announced as fixed.
_CLOSED_SUBJECT = _l("What became of the problem you told us about")
FOLLOWUP_CHOICES = (
    (FollowupAnswerValue.YES, _l("Yes, it is fixed")),
    (FollowupAnswerValue.NO, _l("No, it is not fixed")),
    (FollowupAnswerValue.UNSURE, _l("Not sure")),
)


def followup_choices() -> list[tuple[str, str]]:
    """The answers to "Did this fix it for you?", labelled in the current language."""
    return [(value, str(label)) for value, label in FOLLOWUP_CHOICES]


def _asks_followup(notice: Notice) -> bool:
    """The follow-up question goes with a fix's resolution notice (FOLLOWUP_DELAY_DAYS 0),
    else in a notice of its own; never with a problem closed unfixed."""
    ticket = notice.feedback.ticket
    if ticket is None or ticket.outcome != TicketOutcome.FIXED:
        return False
    if notice.kind == NoticeKind.FOLLOWUP:  # unless reopened since: that fix is history
        return occasion_round(notice.occasion) == ticket.round
    return notice.kind == NoticeKind.RESOLUTION and not current_app.config["FOLLOWUP_DELAY_DAYS"]


def _subject(notice: Notice, template: _Template) -> str:
    ticket = notice.feedback.ticket
    if notice.kind == NoticeKind.RESOLUTION and ticket and ticket.outcome in TicketOutcome.HONEST:
        return str(_CLOSED_SUBJECT)
    return str(template.subject)


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in _BLANK_LINES.split(text) if part.strip()]


def _foreign_paragraphs(*words: CitizenText | None) -> dict[str, str]:
    """Each paragraph of the words left in another language than the reader's, with that
    language: the HTML gives them lang=, for screen readers."""
    return {
        paragraph: text.language
        for text in words
        if text and text.fallback
        for paragraph in _paragraphs(text.text)
    }


def render_notice(notice: Notice) -> Message:
    """The e-mail in the notice's language, plain text and HTML, without any staff data."""
    item = notice.feedback
    template = _TEMPLATES[notice.kind]
    unsubscribe = unsubscribe_url(item.contact)
    ticket = item.ticket
    context = {
        "item": item,
        # The handlers' words in the citizen's language, or the original marked as such.
        "what_we_changed": ticket and text_for(ticket, "what_we_changed", notice.language),
        "explanation": ticket and text_for(ticket, "outcome_explanation", notice.language),
        "reply": reply_for(notice),
        "status_url": status_url(item, notice.language),
        "unsubscribe_url": unsubscribe,
        "language": notice.language,
    }
    with force_locale(notice.language):
        subject = _subject(notice, template)
        round_ = occasion_round(notice.occasion)
        # One link per answer: a click opens the answer page with that answer chosen.
        answers = []
        if _asks_followup(notice):
            answers = [
                (label, followup_url(item, round_, value, notice.language))
                for value, label in followup_choices()
            ]
        text = render_template(f"notices/{template.name}.txt", followup_answers=answers, **context)
        # One blank line between paragraphs, whatever lines the template's tags left.
        text = _BLANK_LINES.sub("\n\n", text).strip() + "\n"
        paragraphs = _paragraphs(text)
        html = render_template(
            "notices/mail.html",
            subject=subject,
            paragraphs=paragraphs,
            foreign=_foreign_paragraphs(
                context["what_we_changed"], context["explanation"], context["reply"]
            ),
            answer_links={f"{label}: {url}": (label, url) for label, url in answers},
            **context,
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
            # The citizen's answer finds its item by this address (app/services/inbound_mail).
            ("Reply-To", reply_address(notice.id)),
            ("List-Unsubscribe", f"<{unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ),
    )


def deliver_notices(notice_ids: list[int]) -> dict[int, float]:
    """Send the notices that are still due, over one mail connection; the seconds until a
    retry of each that is not done."""
    mailer = mailer_from_config(current_app.config)
    retries = {}
    with mailer.batch():
        for notice_id in notice_ids:
            retry_in = deliver_notice(notice_id, mailer)
            if retry_in is not None:
                retries[notice_id] = retry_in
    return retries


def deliver_notice(notice_id: int, mailer: Mailer | None = None) -> float | None:
    """Send one notice if it is still due; returns seconds until a retry, or None when done."""
    leased = _lease_without_row_locks(notice_id)
    if leased is False:
        return _seconds_until_due(notice_id)
    # On PostgreSQL this row lock, held through the send, keeps a second worker out.
    notice = db.session.scalars(
        select(Notice).where(Notice.id == notice_id).with_for_update()
    ).first()
    if notice is None or notice.state != NoticeState.PENDING:
        db.session.rollback()
        return None
    due = notice.next_attempt_at
    if leased is None and notice.attempts == 0 and due is not None and due > utcnow():
        # Held back (a follow-up asked days after the fix): the job comes again when due.
        db.session.rollback()
        return _seconds_until(due)
    if notice.kind == NoticeKind.FOLLOWUP and not _asks_followup(notice):
        notice.state = NoticeState.SUPPRESSED
        notice.last_error = "the problem was reopened before the question was due"
        db.session.commit()
        return None
    if holds_notice(notice):
        # The department waits for the handlers' words in this citizen's language: saving
        # the translation releases the notice at once; until then it is looked at hourly.
        notice.next_attempt_at = utcnow() + TRANSLATION_RECHECK
        db.session.commit()
        return TRANSLATION_RECHECK.total_seconds()
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
    if contact.undeliverable_at is not None:  # the address bounced: give up, saying why
        notice.state = NoticeState.FAILED
        notice.next_attempt_at = None
        notice.last_error = f"the address is undeliverable: {contact.undeliverable_reason}"
        db.session.commit()
        return None
    notice.attempts += 1
    try:
        mailer = mailer or mailer_from_config(current_app.config)
        notice.message_id = mailer.send(render_notice(notice))
    except MailError as error:
        return _schedule_retry(notice, str(error))
    notice.state = NoticeState.SENT
    notice.sent_at = utcnow()
    notice.next_attempt_at = None
    notice.last_error = None
    db.session.commit()
    return None


# How long a claimed notice is left to its sender before another worker may take it: longer
# than any SMTP conversation, short enough that a sender that died is replaced soon.
_SEND_LEASE = timedelta(minutes=5)


def _lease_without_row_locks(notice_id: int) -> bool | None:
    """Where the database takes no row locks (SQLite, the embedded default), take a due
    notice for one send: the job's retry and the reconciler can both hold the same notice,
    and only the worker whose conditional update moves its due time past the lease sends it,
    so a citizen never gets it twice. None where row locks do that (PostgreSQL)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return None
    now = utcnow()
    claimed = db.session.execute(
        update(Notice)
        .where(
            Notice.id == notice_id,
            Notice.state == NoticeState.PENDING,
            or_(Notice.next_attempt_at.is_(None), Notice.next_attempt_at <= now),
        )
        .values(next_attempt_at=now + _SEND_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _seconds_until_due(notice_id: int) -> float | None:
    """For a notice not taken: None when it is done, else how long until the job comes again
    (held back, e.g. a follow-up asked days after the fix, or being sent by another worker)."""
    notice = db.session.get(Notice, notice_id, populate_existing=True)
    if notice is None or notice.state != NoticeState.PENDING or notice.next_attempt_at is None:
        return None
    return _seconds_until(notice.next_attempt_at)


def _seconds_until(due: datetime) -> float:
    return max((due - utcnow()).total_seconds(), 1.0)


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
