"""The reconciler: finds work the database says is due and queues it again.

Redis holds nothing that exists nowhere else, so whatever a lost job, a killed
worker or a Redis outage left behind is found here (invariant 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select

from app import jobs
from app.extensions import db
from app.models import (
    CallImport,
    Feedback,
    FeedbackStatus,
    ImportState,
    Notice,
    NoticeState,
    Ticket,
    TicketState,
)
from app.models.types import utcnow
from app.services.notices import dispatch_notices
from app.services.outcomes import untold_outcomes

MAX_PROCESSING_ATTEMPTS = 5
BATCH = 500
# An import commits its progress every batch; this long without any means its worker died.
STALLED_IMPORT = timedelta(minutes=15)


@dataclass(frozen=True)
class ReconcileReport:
    feedback: int
    tickets: int
    notices: int
    imports: int = 0
    outcomes: int = 0


def reconcile() -> ReconcileReport:
    now = utcnow()
    settled = now - timedelta(seconds=current_app.config["RECONCILE_GRACE_SECONDS"])
    feedback_ids = db.session.scalars(
        select(Feedback.id)
        .where(
            Feedback.status == FeedbackStatus.RECEIVED,
            Feedback.received_at <= settled,
            Feedback.processing_attempts < MAX_PROCESSING_ATTEMPTS,
        )
        .order_by(Feedback.id)
        .limit(BATCH)
    ).all()
    ticket_ids = db.session.scalars(
        select(Ticket.id)
        .where(Ticket.state == TicketState.PENDING, Ticket.next_attempt_at <= now)
        .where(Ticket.created_at <= settled)
        .order_by(Ticket.id)
        .limit(BATCH)
    ).all()
    notice_ids = db.session.scalars(
        select(Notice.id)
        .where(
            Notice.state == NoticeState.PENDING,
            Notice.next_attempt_at <= now,
            Notice.created_at <= settled,
        )
        .order_by(Notice.id)
        .limit(BATCH)
    ).all()
    import_ids = db.session.scalars(
        select(CallImport.id).where(
            or_(
                and_(CallImport.state == ImportState.QUEUED, CallImport.created_at <= settled),
                and_(
                    CallImport.state == ImportState.RUNNING,
                    CallImport.updated_at <= now - STALLED_IMPORT,
                ),
            )
        )
    ).all()
    outcome_ids = untold_outcomes(settled, BATCH)
    db.session.rollback()
    for ticket_id in outcome_ids:
        jobs.enqueue("tell_tracker_outcome", ticket_id)
    for import_id in import_ids:
        jobs.enqueue("run_call_import", import_id)
    for feedback_id in feedback_ids:
        jobs.enqueue("process_feedback", feedback_id)
    for ticket_id in ticket_ids:
        jobs.enqueue("open_ticket", ticket_id)
    dispatch_notices(list(notice_ids))
    return ReconcileReport(
        len(feedback_ids),
        len(ticket_ids),
        len(notice_ids),
        len(import_ids),
        len(outcome_ids),
    )
