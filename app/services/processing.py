"""Processing: what happens to a stored item before a person looks at it."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Feedback, FeedbackStatus, TicketState
from app.models.types import utcnow
from app.services.grouping import group_feedback
from app.services.privacy import redact
from app.services.routing import route_feedback


def _claim(feedback_id: int) -> bool:
    """Count the attempt in its own transaction, so an item that keeps failing shows it."""
    # One statement, without the ORM: the count is nothing the roll-ups count, so the day
    # need not be marked stale for it.
    claimed = db.session.execute(
        update(Feedback)
        .where(Feedback.id == feedback_id, Feedback.status == FeedbackStatus.RECEIVED)
        .values(processing_attempts=Feedback.processing_attempts + 1)
        .returning(Feedback.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.commit()
    return claimed is not None


def process_feedback(feedback_id: int) -> int | None:
    """Analyse, route and group one received item.

    Returns the id of a ticket whose tracker issue still has to be opened, if any.
    Running it twice is harmless: only items still ``received`` are processed.
    """
    if not _claim(feedback_id):
        return None
    item = db.session.scalars(
        select(Feedback)
        .options(joinedload(Feedback.embedding))
        .where(Feedback.id == feedback_id)
        .with_for_update(of=Feedback)
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
    db.session.flush()  # a new ticket gets its id
    # Read before the commit, which expires the ticket (reading it after would load it again).
    pending = ticket.id if ticket is not None and ticket.state == TicketState.PENDING else None
    db.session.commit()
    return pending
