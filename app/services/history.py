"""An item's history: its status changes, each recorded once as it happens, and what staff
did with it and wrote to its citizen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AuditEvent,
    CitizenUpdate,
    Feedback,
    FeedbackEvent,
    InboundMessage,
    Notice,
    User,
)

# Reads, not changes: they have their own page (the audit log), and would bury the rest.
_UNLISTED_ACTIONS = ("feedback.personal_data_viewed",)


def change_status(item: Feedback, status: str, note: str | None = None) -> bool:
    """Move the item to ``status`` and record it; returns False when nothing changed."""
    if item.status == status:
        return False
    item.status = status
    # Added by its many-to-one side: appending to item.events would load every earlier event
    # of the item first (thousands of queries when a big problem is resolved).
    db.session.add(FeedbackEvent(feedback=item, status=status, note=note))
    return True


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    # "status" (a change of status), "notice" (a message to the citizen), "inbound" (mail
    # that came back: a reply, an automatic reply, a bounce), "citizen_update" (the
    # citizen's words on it, sent by an Open311 client) or "action"
    kind: str
    name: str  # the status, the notice's kind or the audited action
    actor: str | None = None  # the staff member's e-mail, for actions
    text: str | None = None  # a status change's public note, or the words of a reply
    state: str | None = None  # a notice's: pending, sent, failed, suppressed
    redacted: str | None = None  # a citizen's reply as anyone may read it


def item_history(item: Feedback) -> list[HistoryEntry]:
    """Everything that happened to ``item``, oldest first."""
    entries = [
        HistoryEntry(event.at, "status", event.status, text=event.note) for event in item.events
    ]
    notices = db.session.scalars(select(Notice).where(Notice.feedback_id == item.id))
    entries += [
        HistoryEntry(
            notice.sent_at or notice.created_at,
            "notice",
            notice.kind,
            text=notice.body,
            state=notice.state,
        )
        for notice in notices
    ]
    inbound = db.session.scalars(
        select(InboundMessage).where(InboundMessage.feedback_id == item.id)
    )
    entries += [
        HistoryEntry(
            message.received_at,
            "inbound",
            message.kind,
            text=message.text if message.text is not None else message.detail,
            redacted=message.redacted_text,
        )
        for message in inbound
    ]
    updates = db.session.scalars(select(CitizenUpdate).where(CitizenUpdate.feedback_id == item.id))
    entries += [
        HistoryEntry(update.received_at, "citizen_update", "open311", text=update.redacted_text)
        for update in updates
    ]
    actions = db.session.execute(
        select(AuditEvent, User.email)
        .outerjoin(User, AuditEvent.actor_id == User.id)
        .where(
            AuditEvent.subject_type == Feedback.__tablename__,
            AuditEvent.subject_id == item.id,
            AuditEvent.action.not_in(_UNLISTED_ACTIONS),
        )
    )
    entries += [
        HistoryEntry(event.at, "action", event.action, actor=email) for event, email in actions
    ]
    return sorted(entries, key=lambda entry: entry.at)
