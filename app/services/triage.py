"""Triage: items no rule or model could route with confidence, and a handler's re-routing.

A handler's decision is final for the item and becomes training data for the router
(routing method "handler").
"""

from __future__ import annotations

from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import (
    Department,
    EService,
    Feedback,
    FeedbackStatus,
    RoutingMethod,
    TicketState,
    User,
)
from app.services.audit import record
from app.services.grouping import group_feedback, leave_group
from app.services.history import change_status


class RerouteError(ValueError):
    pass


def triage_queue(limit: int = 200) -> list[Feedback]:
    return list(
        db.session.scalars(
            select(Feedback)
            .where(Feedback.status == FeedbackStatus.TRIAGE)
            .order_by(Feedback.received_at)
            .limit(limit)
        )
    )


def reroute(
    item: Feedback,
    actor: User,
    *,
    eservice: EService | None = None,
    department: Department | None = None,
) -> Feedback:
    """Send the item to an e-service (and its department) or to a department; one action."""
    department = eservice.department if eservice is not None else department
    if department is None:
        raise RerouteError("choose an e-service or a department")
    before = {
        "eservice": item.eservice.code if item.eservice else None,
        "department": item.department.code if item.department else None,
        "method": item.routing_method,
    }
    item.eservice, item.department = eservice, department
    item.routing_method, item.routing_confidence = RoutingMethod.HANDLER, 1.0
    ticket = item.ticket
    if ticket is not None and (
        ticket.department_id != department.id or ticket.eservice_id != (eservice and eservice.id)
    ):
        leave_group(item)  # the problem belongs elsewhere: it joins that department's tickets
    if item.status in (FeedbackStatus.TRIAGE, FeedbackStatus.RECEIVED):
        change_status(item, FeedbackStatus.FORWARDED)
    if item.ticket is None:
        group_feedback(item)  # into its problem group, and so its ticket
    record(
        actor,
        "feedback.rerouted",
        item,
        before=before,
        after={"eservice": eservice.code if eservice else None, "department": department.code},
    )
    db.session.commit()
    if item.ticket is not None and item.ticket.state == TicketState.PENDING:
        jobs.enqueue("open_ticket", item.ticket.id)
    return item
