"""Triage: unroutable items wait in one queue; re-routing is one action, audited, and final."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Ticket
from app.services.understanding import likely_departments
from tests.support.factories import staff_user, submitted
from tests.support.web import csrf_token, sign_in, sign_in_as


def test_handler_routes_an_item_from_triage_in_one_action(app, client):
    item = submitted("Jokin meni vikaan taas, korjatkaa", language="fi")
    assert item.status == "triage" and item.ticket is None

    sign_in_as(client, "handler")
    page = client.get("/staff/triage", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Jokin meni vikaan taas, korjatkaa" in page and f'for="eservice-{item.id}"' in page

    response = client.post(
        f"/staff/feedback/{item.public_id}/route",
        data={"eservice": "parking-permit", "department": "", "csrf_token": csrf_token(page)},
        headers={"Referer": "/staff/triage"},
    )
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.status, item.department.code, item.eservice.code) == (
        "forwarded",
        "URB",
        "parking-permit",
    )
    assert (item.routing_method, item.routing_confidence) == ("handler", 1.0)
    assert db.session.scalars(select(Ticket)).one().key == "URB-1"
    (audit,) = db.session.scalars(select(AuditEvent)).all()
    assert (
        audit.action == "feedback.rerouted"
        and audit.detail["after"]["eservice"] == "parking-permit"
    )
    assert "Jokin meni vikaan" not in client.get("/staff/triage").get_data(as_text=True)


def test_rerouting_to_a_department_moves_the_item_off_the_old_ticket(app, client):
    item = submitted("Wrong place", "library-account")
    old = item.ticket
    sign_in_as(client, "handler")
    page = client.get("/staff/triage").get_data(as_text=True)
    form = {"eservice": "", "department": "SOC", "csrf_token": csrf_token(page)}
    client.post(f"/staff/feedback/{item.public_id}/route", data=form)
    db.session.refresh(item)
    assert item.department.code == "SOC" and item.eservice is None
    assert item.ticket is not old and item.ticket.department.code == "SOC"


def test_routing_needs_a_choice_and_a_handler(app, client):
    item = submitted("x")
    staff_user("agent")
    staff_user("handler")
    sign_in(client, "agent@example.org")
    assert client.get("/staff/triage").status_code == 403
    sign_in(client, "handler@example.org")
    page = client.get("/staff/triage").get_data(as_text=True)
    form = {"eservice": "", "department": "", "csrf_token": csrf_token(page)}
    client.post(f"/staff/feedback/{item.public_id}/route", data=form)
    db.session.refresh(item)
    assert item.status == "triage" and item.department is None


def test_triage_offers_the_two_most_likely_departments_for_one_click(app, client):
    text = "Sovelluksessa on ongelma, en tiedä kenelle tämä kuuluu"
    item = submitted(text, language="fi")
    assert item.status == "triage"
    likely = likely_departments(item)
    assert len(likely) == 2 and likely[0][1] >= likely[1][1] and likely[0][1] + likely[1][1] <= 1
    first = likely[0][0]

    sign_in_as(client, "handler")
    page = client.get("/staff/triage", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for department, _probability in likely:
        assert f'name="department" value="{department.code}"' in page
    assert f"Route to {first.name_in('en')}" in page
    client.post(
        f"/staff/feedback/{item.public_id}/route",
        data={"eservice": "", "department": first.code, "csrf_token": csrf_token(page)},
    )
    db.session.refresh(item)
    assert (item.status, item.department, item.routing_method) == ("forwarded", first, "handler")
