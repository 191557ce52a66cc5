"""A handler's reply to the citizen behind an item: a notice with the handler's own words."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import jobs
from app.extensions import db
from app.i18n import LANGUAGES, item_language
from app.models import Feedback, Notice, NoticeKind, User
from app.services.audit import record
from app.services.notices import queue_notice

# A reply answers one item in a few sentences; longer exchanges belong in the city's case
# management, not in e-mails from a no-reply address.
MAX_REPLY_TEXT = 1500


class ReplyError(ValueError):
    """A reply that cannot be sent; the message says why."""


def reply_blocker(item: Feedback) -> str | None:
    """Why no reply can be sent to the citizen behind ``item``, or None when one can."""
    contact = item.contact
    if contact is None or contact.erased_at is not None or not contact.email:
        return _("The citizen left no e-mail address, so no reply can be sent.")
    if not contact.consent:
        return _("The citizen has not agreed to be contacted, so no reply can be sent.")
    if contact.undeliverable_at is not None:
        return _("The citizen's e-mail address bounced, so no reply can be sent.")
    return None


def reply_to_citizen(item: Feedback, text: str, actor: User, language: str | None = None) -> Notice:
    """Queue ``text``, written in ``language`` (by default the citizen's), to the item's
    citizen in the outbox and hand it to the mail worker.

    Each reply is its own notice (occasion "reply-<n>"), so a second reply is sent too while
    a replayed job still sends each reply once.
    """
    text = text.strip()
    if not text:
        raise ReplyError(_("Write the reply."))
    if len(text) > MAX_REPLY_TEXT:
        raise ReplyError(_("At most %(count)d characters.", count=MAX_REPLY_TEXT))
    language = language or item_language(item)
    if language not in LANGUAGES:
        raise ReplyError(_("Choose the language the reply is written in."))
    # Two handlers replying at once must not both take the same number.
    db.session.execute(select(Feedback.id).where(Feedback.id == item.id).with_for_update())
    blocker = reply_blocker(item)
    if blocker is not None:
        raise ReplyError(blocker)
    earlier = db.session.scalar(
        select(func.count(Notice.id)).where(
            Notice.feedback_id == item.id, Notice.kind == NoticeKind.REPLY
        )
    )
    notice = queue_notice(item, NoticeKind.REPLY, occasion=f"reply-{earlier + 1}", body=text)
    notice.body_language = language
    db.session.flush()
    record(actor, "feedback.replied", item, notice=notice.id, language=language)
    db.session.commit()
    jobs.enqueue("deliver_notice", notice.id)
    return notice
