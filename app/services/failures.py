"""Work that keeps failing: shown to staff with its reason, retried by hand.

The reconciler retries everything on its own until a limit (processing attempts, notice
attempts); past it, or while a tracker keeps refusing, a person has to look. Retrying here
resets the count and queues the work again, audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select

from app import jobs
from app.extensions import db
from app.models import Feedback, FeedbackStatus, Notice, NoticeState, Ticket, TicketState, User
from app.models.types import utcnow
from app.services.access import feedback_scope, ticket_scope
from app.services.audit import record

# A ticket still being retried is shown once its creation has failed this often.
TICKET_ATTEMPTS_SHOWN = 3


@dataclass(frozen=True)
class FailedWork:
    items: list[Feedback]
    notices: list[Notice]
    tickets: list[Ticket]

    def __len__(self) -> int:
        return len(self.items) + len(self.notices) + len(self.tickets)


def record_processing_failure(feedback_id: int, error: BaseException) -> None:
    """Keep why processing failed on the item (in its own transaction: the failed one is
    gone), so staff see the reason, not only a count of attempts."""
    db.session.rollback()
    item = db.session.get(Feedback, feedback_id)
    if item is not None:
        item.last_error = f"{type(error).__name__}: {error}"[:1000]
        db.session.commit()


def failure_scope(kind: str, user: User) -> ColumnElement[bool]:
    """A condition on the records of ``kind`` ("item", "notice", "ticket") that ``user`` may
    see and retry: a handler's departments' (failed notices carry citizens' addresses)."""
    if kind == "notice":
        return Notice.feedback_id.in_(select(Feedback.id).where(feedback_scope(user)))
    return ticket_scope(user) if kind == "ticket" else feedback_scope(user)


def failed_work(user: User, limit: int = 200) -> FailedWork:
    from app.services.reconcile import MAX_PROCESSING_ATTEMPTS

    items = db.session.scalars(
        select(Feedback)
        .where(failure_scope("item", user))
        .where(Feedback.status == FeedbackStatus.RECEIVED)
        .where(
            or_(
                Feedback.processing_attempts >= MAX_PROCESSING_ATTEMPTS,
                Feedback.last_error.is_not(None),
            )
        )
        .order_by(Feedback.id)
        .limit(limit)
    ).all()
    notices = db.session.scalars(
        select(Notice)
        .where(Notice.state == NoticeState.FAILED, failure_scope("notice", user))
        .order_by(Notice.id)
        .limit(limit)
    ).all()
    tickets = db.session.scalars(
        select(Ticket)
        .where(Ticket.state == TicketState.PENDING, failure_scope("ticket", user))
        .where(Ticket.create_attempts >= TICKET_ATTEMPTS_SHOWN)
        .order_by(Ticket.id)
        .limit(limit)
    ).all()
    return FailedWork(list(items), list(notices), list(tickets))


def retry_item(item: Feedback, actor: User) -> None:
    if item.status != FeedbackStatus.RECEIVED:
        return  # processed meanwhile: nothing to retry
    record(actor, "feedback.retried", item, attempts=item.processing_attempts)
    item.processing_attempts = 0
    item.last_error = None
    db.session.commit()
    jobs.enqueue("process_feedback", item.id)


def retry_notice(notice: Notice, actor: User) -> None:
    if notice.state != NoticeState.FAILED:
        return
    record(actor, "notice.retried", notice, attempts=notice.attempts)
    notice.state = NoticeState.PENDING
    notice.attempts = 0
    notice.next_attempt_at = utcnow()
    db.session.commit()
    jobs.enqueue("deliver_notice", notice.id)


def retry_ticket(ticket: Ticket, actor: User) -> None:
    if ticket.state != TicketState.PENDING:
        return
    record(actor, "ticket.retried", ticket, attempts=ticket.create_attempts)
    ticket.next_attempt_at = utcnow()
    db.session.commit()
    jobs.enqueue("open_ticket", ticket.id)
