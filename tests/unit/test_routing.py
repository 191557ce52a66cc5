from sqlalchemy import select

from app.extensions import db
from app.models import EService, Feedback, FeedbackStatus, RoutingMethod
from app.services.routing import route_feedback


def _item(eservice_code=None):
    eservice = None
    if eservice_code:
        eservice = db.session.scalars(select(EService).where(EService.code == eservice_code)).one()
    return Feedback(channel="api", text="x", redacted_text="x", eservice=eservice)


def test_explicit_eservice_routes_to_its_department(app):
    item = _item("tree-felling-permit")
    decision = route_feedback(item)
    assert decision.method == RoutingMethod.EXPLICIT and decision.confidence == 1.0
    assert item.department.code == "URB"
    assert item.status == FeedbackStatus.FORWARDED


def test_without_eservice_the_item_goes_to_triage(app):
    item = _item()
    decision = route_feedback(item)
    assert decision.department is None and item.department is None
    assert item.status == FeedbackStatus.TRIAGE and item.routing_method == RoutingMethod.TRIAGE


def test_inactive_department_is_not_routed_to(app):
    item = _item("tree-felling-permit")
    item.eservice.department.active = False
    route_feedback(item)
    assert item.status == FeedbackStatus.TRIAGE
