"""Processing: what happens to a stored item before a person looks at it."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Feedback, FeedbackStatus, TicketState
from app.models.types import utcnow
from app.services.grouping import group_feedback
from app.services.privacy import redact
from app.services.routing import route_feedback


def _claim(feedback_id: int) -> bool:
    """Count the attempt in its own transaction, so an item that keeps failing shows it."""
    item = db.session.scalars(
        select(Feedback).where(Feedback.id == feedback_id).with_for_update()
    ).first()
    if item is None or item.status != FeedbackStatus.RECEIVED:
        db.session.rollback()
        return False
    item.processing_attempts += 1
    db.session.commit()
    return True


def process_feedback(feedback_id: int) -> int | None:
    """Analyse, route and group one received item.

    Returns the id of a ticket whose tracker issue still has to be opened, if any.
    Running it twice is harmless: only items still ``received`` are processed.
    """
    if not _claim(feedback_id):
        return None
    item = db.session.scalars(
        select(Feedback).where(Feedback.id == feedback_id).with_for_update()
    ).one()
    if item.status != FeedbackStatus.RECEIVED:
        db.session.rollback()
        return None
    if item.redacted_text is None:  # bulk imports leave redaction to this step
        item.redacted_text = redact(
            item.text, [item.contact.name] if item.contact and item.contact.name else []
        )
    route_feedback(item)
    ticket = group_feedback(item)
    item.processed_at = utcnow()
    item.last_error = None
    db.session.commit()
    if ticket is not None and ticket.state == TicketState.PENDING:
        return ticket.id
    return None
