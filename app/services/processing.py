"""Processing: what happens to a stored item before a person looks at it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Feedback, FeedbackStatus, Ticket, TicketState
from app.models.types import utcnow
from app.services.grouping import group_feedback, lock_for_grouping
from app.services.privacy import redact
from app.services.routing import route_feedback
from app.services.understanding import embed_items

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Processed:
    """What one call of ``process_feedback`` did."""

    items: tuple[int, ...] = ()  # the ids of the items it processed
    tickets_to_open: tuple[int, ...] = ()  # groups whose tracker issues are still to open


def _claim(feedback_id: int, batch: int) -> list[int]:
    """Count the attempt in its own transaction, so an item that keeps failing shows it.

    Returns the ids claimed: none when the item is no longer received, or its row is held
    (another worker is processing it; should that fail, the reconciler queues the item
    again). On its first attempt, also up to ``batch`` - 1 other received items never
    tried (the oldest), which are processed with it. Only items never tried: one that
    failed, or whose worker died, is processed alone, so it cannot fail the others.

    The count commits before the batch locks its rows (``_received``), so in that moment
    another worker running the job of an item of the batch counts one more attempt on it;
    whichever locks the row first processes it, and the other finds it processed.
    """
    counted = _count_attempts(
        select(Feedback.id).where(
            Feedback.id == feedback_id, Feedback.status == FeedbackStatus.RECEIVED
        )
    )
    claimed = [feedback_id for _ in counted]
    if counted == [(feedback_id, 1)] and batch > 1:
        waiting = (
            select(Feedback.id)
            .where(
                Feedback.status == FeedbackStatus.RECEIVED,
                Feedback.processing_attempts == 0,
                Feedback.id != feedback_id,
            )
            .order_by(Feedback.id)
            .limit(batch - 1)
        )
        claimed += [id_ for id_, _ in _count_attempts(waiting)]
    db.session.commit()
    return claimed


def _count_attempts(waiting: Select) -> list[tuple[int, int]]:
    """Count an attempt on each item ``waiting`` selects, but on those a worker is processing
    (whose rows it holds); their ids and attempts."""
    # Without the ORM: the count is nothing the roll-ups count, so the day need not be
    # marked stale for it.
    rows = db.session.execute(
        update(Feedback)
        .where(Feedback.id.in_(waiting.with_for_update(skip_locked=True).scalar_subquery()))
        .values(processing_attempts=Feedback.processing_attempts + 1)
        .returning(Feedback.id, Feedback.processing_attempts)
        .execution_options(synchronize_session=False)
    )
    return [(id_, attempts) for id_, attempts in rows]


def process_feedback(feedback_id: int) -> Processed:
    """Analyse, route and group one received item, and under a backlog others with it
    (``PROCESSING_BATCH``): embedded together, in one transaction.

    Running it twice is harmless: only items still ``received`` are processed. When items
    processed together fail, the one asked for is processed again alone; the others are left
    to their own jobs, which process them alone too (``_claim``).
    """
    claimed = _claim(feedback_id, current_app.config["PROCESSING_BATCH"])
    if len(claimed) > 1:
        try:
            return _process(claimed)
        except Exception:
            db.session.rollback()
            log.warning(
                "items %s failed together; %s is processed alone",
                claimed,
                feedback_id,
                exc_info=True,
            )
            claimed = [feedback_id]
    return _process(claimed) if claimed else Processed()


def _process(feedback_ids: list[int]) -> Processed:
    """Process the items of ``feedback_ids`` still received, in one transaction."""
    items = _received(feedback_ids)
    if not items:
        db.session.rollback()
        return Processed()
    _understand_and_route(items)
    groups = _group(items)
    # Read before the commit, which expires the groups (reading after would load them again).
    pending = dict.fromkeys(ticket.id for ticket in groups if ticket.state == TicketState.PENDING)
    processed = tuple(item.id for item in items)
    db.session.commit()
    return Processed(processed, tuple(pending))


def _received(feedback_ids: list[int]) -> list[Feedback]:
    """Those of the items still received, locked, oldest first."""
    query = (
        select(Feedback)
        .options(joinedload(Feedback.embedding))
        .where(Feedback.id.in_(feedback_ids))
        .order_by(Feedback.id)
        .with_for_update(of=Feedback)
    )
    return [item for item in db.session.scalars(query) if item.status == FeedbackStatus.RECEIVED]


def _understand_and_route(items: list[Feedback]) -> None:
    for item in items:
        if item.redacted_text is None:  # bulk imports leave redaction to this step
            item.redacted_text = redact(
                item.text, [item.contact.name] if item.contact and item.contact.name else []
            )
    embed_items(items)
    for item in items:
        route_feedback(item)


def _group(items: list[Feedback]) -> list[Ticket]:
    """Group the routed items one by one, each seeing the groups the ones before started;
    the groups they joined."""
    if len(items) > 1:
        lock_for_grouping(items)
    groups: list[Ticket] = []
    for item in items:
        ticket = group_feedback(item)
        if ticket is not None:
            groups.append(ticket)
        item.processed_at = utcnow()
        item.last_error = None
        db.session.flush()  # a new group gets its id, and the next item sees it
    return groups
