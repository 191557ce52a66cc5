"""Routing: which department owns an item, decided and recorded with how and how sure.

An e-service chosen by the agent or citizen decides; then the admins' keyword rules and the
catalog's names and keywords; then the classifier trained on the city's own decisions. Below
the confidence threshold (``ROUTING_THRESHOLD``) the item waits in the triage queue rather
than landing with a wrong department.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import LoaderOption

from app.extensions import db
from app.models import Department, EService, Feedback, FeedbackStatus, RoutingMethod
from app.services.analysis import Analysis
from app.services.history import change_status
from app.services.understanding import understand_feedback


@dataclass(frozen=True)
class RoutingDecision:
    department: Department | None
    eservice: EService | None
    method: str
    confidence: float


def _active(model: type, code: str | None, *options: LoaderOption) -> Department | EService | None:
    if code is None:
        return None
    return db.session.scalars(
        select(model).options(*options).where(model.code == code, model.active.is_(True))
    ).first()


def decide_route(analysis: Analysis) -> RoutingDecision:
    """The route the analysis suggests, if its department (and e-service) are still active."""
    # Nothing the look-ups read is pending: without a flush here, the item's analysis and its
    # route are written in one UPDATE.
    with db.session.no_autoflush:
        eservice = _active(EService, analysis.eservice.value, joinedload(EService.department))
        department = eservice.department if eservice is not None else None
        department = department or _active(Department, analysis.department.value)
    if department is None or not department.active:
        return RoutingDecision(None, None, RoutingMethod.TRIAGE, analysis.department.confidence)
    return RoutingDecision(
        department, eservice, analysis.department.method, analysis.department.confidence
    )


def route_feedback(item: Feedback) -> RoutingDecision:
    """Analyse the item, decide and record its route (the caller commits)."""
    analysis = understand_feedback(item, current_app.config["ROUTING_THRESHOLD"])
    decision = decide_route(analysis)
    item.department = decision.department
    item.eservice = decision.eservice
    item.routing_method = decision.method
    item.routing_confidence = round(decision.confidence, 3)
    change_status(item, FeedbackStatus.FORWARDED if decision.department else FeedbackStatus.TRIAGE)
    return decision
