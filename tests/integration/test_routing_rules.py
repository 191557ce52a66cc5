"""Routing rules on the staff site, the rule test box, and the triage → retrain cycle."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Department, EService, Feedback, RoutingRule, TrainedModel
from app.services.understanding import train_router
from tests.support.factories import submitted
from tests.support.web import csrf_token, sign_in_as

EN = {"Accept-Language": "en"}


def new_rule(client, **fields):
    page = client.get("/staff/routing/rules", headers=EN).get_data(as_text=True)
    form = {
        "eservice": "street-maintenance",
        "language": "fi",
        "phrases": "roskakori\njäteastia",
        "priority": "150",
        "active": "y",
        "csrf_token": csrf_token(page),
    }
    form.update(fields)
    return client.post("/staff/routing/rules", data=form, headers=EN)


def submit(text: str, language: str = "fi", ref: str = "1") -> Feedback:
    return submitted(text, language=language, source_ref=ref)


def test_an_admins_rule_routes_the_next_item_and_is_audited(app, client):
    sign_in_as(client, "admin")
    response = new_rule(client)
    assert response.status_code == 302
    rule = db.session.scalars(select(RoutingRule)).one()
    assert (rule.eservice.code, rule.language, rule.phrases, rule.priority) == (
        "street-maintenance",
        "fi",
        ["roskakori", "jäteastia"],
        150,
    )
    audit = db.session.scalars(select(AuditEvent)).one()
    assert audit.action == "routing_rule.created" and audit.detail["after"]["priority"] == 150

    # Inflected, and typed without diacritics: the rule still fires.
    item = submit("Tilasin puistoon jateastian mutta sitä ei ole tuotu, eikä sivu kerro miksi.")
    assert (item.eservice.code, item.routing_method) == ("street-maintenance", "rule")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"phrases": "  \n "}, "phrases", "This field is required."),
        ({"phrases": "x" * 201}, "phrases", "A phrase has at most 200 characters."),
        ({"eservice": "no-such-service"}, "eservice", "Not a valid choice."),
        ({"priority": "0"}, "priority", "Number must be between 1 and 1000."),
        ({"priority": "lots"}, "priority", "Not a valid integer value."),
        ({"language": "de"}, "language", "Not a valid choice."),
    ],
)
def test_bad_rules_get_field_errors_and_store_nothing(app, client, fields, field, message):
    sign_in_as(client, "admin")
    response = new_rule(client, **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'href="#{field}"' in page and message in page
    assert db.session.scalar(select(func.count(RoutingRule.id))) == 0


def test_editing_a_rule_deactivates_it(app, client):
    sign_in_as(client, "admin")
    new_rule(client)
    rule = db.session.scalars(select(RoutingRule)).one()
    page = client.get(f"/staff/routing/rules/{rule.id}", headers=EN).get_data(as_text=True)
    assert "roskakori\njäteastia" in page
    response = client.post(
        f"/staff/routing/rules/{rule.id}",
        data={
            "eservice": "street-maintenance",
            "language": "",
            "phrases": "roskakori",
            "priority": "150",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 302
    db.session.refresh(rule)
    assert (rule.active, rule.language, rule.phrases) == (False, None, ["roskakori"])
    changed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "routing_rule.changed")
    ).one()
    assert changed.detail["before"]["active"] is True and changed.detail["after"]["active"] is False
    item = submit("Tilasin jäteastian, sitä ei tuotu")
    assert item.routing_method != "rule" or item.eservice.code != "street-maintenance"


def test_the_test_box_shows_which_rule_fires_and_the_decision(app, client):
    sign_in_as(client, "admin")
    new_rule(client)
    page = client.get(
        "/staff/routing/rules",
        query_string={"try-text": "Jäteastian tilaus ei toimi, soita 040 123 4567"},
        headers=EN,
    ).get_data(as_text=True)
    assert "jäteastia" in page and "a rule" in page and "street-maintenance" in page
    # Tried on the redacted text, as the router would see it.
    assert '<dd class="feedback-text">Jäteastian tilaus ei toimi, soita [phone]</dd>' in page
    assert db.session.scalar(select(func.count(Feedback.id))) == 0  # nothing stored
    # The language links add ?lang=: no empty test box to complain about.
    page = client.get("/staff/routing/rules?lang=fi")
    assert page.status_code == 200 and 'aria-invalid="true"' not in page.get_data(as_text=True)


@pytest.mark.parametrize("role", ["agent", "handler", "developer", "analyst", "supplier"])
def test_only_admins_edit_rules(app, client, role):
    sign_in_as(client, role)
    assert client.get("/staff/routing/rules").status_code == 403
    token = {"csrf_token": csrf_token(client.get("/staff/tickets").get_data(as_text=True))}
    assert client.post("/staff/routing/rules", data=token).status_code == 403
    assert client.post("/staff/routing/train", data=token).status_code == 403


def test_triage_reroute_retrain_teaches_the_router(app, client):
    """A new e-service the shipped history never saw: handlers route a few items to it from
    triage, the router is retrained, and the next such item is routed by the model."""
    department = db.session.scalars(select(Department).where(Department.code == "CIT")).one()
    db.session.add(
        EService(
            code="dog-register",
            names={"fi": "Lemmikkirekisteri", "sv": "Husdjursregistret", "en": "Pet register"},
            department=department,
        )
    )
    db.session.commit()
    texts = [
        "Koiraveron lasku tuli kahdesti vaikka koira on jo rekisteröity.",
        "Koiraveron maksaminen verkossa ei onnistu, pankkiyhteys katkeaa.",
        "Miksi koiraveron eräpäivä on eri kuin kirjeessä?",
        "Koiraveron palautusta ei ole kuulunut vaikka koira kuoli keväällä.",
    ]
    items = [submit(text, ref=f"dog-{n}") for n, text in enumerate(texts)]
    assert all(item.eservice is None or item.eservice.code != "dog-register" for item in items)

    sign_in_as(client, "handler")
    for item in items:
        page = client.get("/staff/triage").get_data(as_text=True)
        form = {"eservice": "dog-register", "department": "", "csrf_token": csrf_token(page)}
        client.post(f"/staff/feedback/{item.public_id}/route", data=form)

    model = train_router()
    assert model.metrics["handler_decisions"] == 4
    assert db.session.scalar(select(func.count(TrainedModel.id))) == 1

    item = submit("Koiraveron lasku on väärin, koiria on vain yksi.", ref="dog-new")
    assert (item.eservice.code, item.department.code, item.routing_method) == (
        "dog-register",
        "CIT",
        "model",
    )
    assert 0.6 <= item.routing_confidence < 1.0
