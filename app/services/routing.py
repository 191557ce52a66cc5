"""Routing: which department owns an item, decided and recorded with how and how sure."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Department, EService, Feedback, FeedbackStatus, RoutingMethod
from app.services.history import change_status


@dataclass(frozen=True)
class RoutingDecision:
    department: Department | None
    eservice: EService | None
    method: str
    confidence: float


def decide_route(item: Feedback) -> RoutingDecision:
    """An explicit e-service decides; anything else waits in triage for a handler."""
    if item.eservice is not None and item.eservice.department.active:
        return RoutingDecision(item.eservice.department, item.eservice, RoutingMethod.EXPLICIT, 1.0)
    return RoutingDecision(None, item.eservice, RoutingMethod.TRIAGE, 0.0)


def route_feedback(item: Feedback) -> RoutingDecision:
    """Decide and record the route on the item (the caller commits)."""
    decision = decide_route(item)
    item.department = decision.department
    item.eservice = decision.eservice
    item.routing_method = decision.method
    item.routing_confidence = decision.confidence
    change_status(item, FeedbackStatus.FORWARDED if decision.department else FeedbackStatus.TRIAGE)
    return decision
