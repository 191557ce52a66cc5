"""The whole loop on the embedded defaults: SQLite, inline jobs, built-in tracker, .eml outbox."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import Feedback, Notice, Ticket
from tests.support.factories import bearer, only_item, user_with_token
from tests.support.web import post_form, sign_in_as

TEXT = (
    "The daycare application form loses my answers when I press back. "
    "Call me on +358 40 123 4567 or write to liisa.virtanen@example.fi."
)


def outbox(app) -> list[email.message.EmailMessage]:
    directory = Path(app.config["OUTBOX_DIR"])
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(directory.glob("*.eml"))
    ]


def submit(client, token, **overrides):
    body = {
        "text": TEXT,
        "channel": "api",
        "eservice": "daycare-application",
        "source_ref": "call-1",
        "contact": {
            "email": "liisa.virtanen@example.fi",
            "name": "Liisa Virtanen",
            "language": "fi",
            "consent": True,
        },
    }
    body.update(overrides)
    return client.post("/api/v1/feedback", json=body, headers=bearer(token))


def test_feedback_goes_round_the_loop(app, client):
    _, token = user_with_token()
    response = submit(client, token)
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert item["status"] == "forwarded"
    assert item["department"] == "EDU"
    assert item["routing"] == {"method": "explicit", "confidence": 1.0}
    assert item["ticket"]["key"] == "EDU-1"
    # The status link is the citizen's credential: it goes to them, not to the API client.
    assert "status_url" not in item

    # The built-in tracker's issue carries no personal data.
    ticket = db.session.scalars(select(Ticket)).one()
    from app.models import LocalIssue

    issue = db.session.scalars(select(LocalIssue)).one()
    for personal in ("Virtanen", "Liisa", "123 4567", "example.fi"):
        assert personal not in issue.summary + issue.description
    assert "Affected citizens: 1" in issue.description

    # The thank-you arrives at once, in Finnish, with the status link.
    (thanks,) = outbox(app)
    assert thanks["To"] == "liisa.virtanen@example.fi"
    assert thanks["Content-Language"] == "fi"
    link = "/status/" + only_item().status_token
    assert f"http://civicloop.test{link}" in thanks.get_body(("plain",)).get_content()

    # The status page shows progress without personal data.
    page = client.get(link)
    assert page.status_code == 200
    assert "Virtanen" not in page.get_data(as_text=True)

    # A handler resolves the ticket on the staff site: one resolution notice.
    sign_in_as(client, "handler")
    url = f"/staff/tickets/{ticket.key}/status"
    form = f"/staff/tickets/{ticket.key}"
    assert post_form(client, url, {"category": "done"}, form).status_code == 302
    assert [m["Subject"] for m in outbox(app)].count(outbox(app)[-1]["Subject"]) == 1
    assert len(outbox(app)) == 2
    detail = client.get(f"/api/v1/feedback/{item['id']}", headers=bearer(token)).get_json()
    assert detail["status"] == "resolved"
    assert detail["ticket"]["status_category"] == "done"

    # Reopened and resolved again: no second resolution notice for the same item.
    post_form(client, url, {"category": "new"}, form)
    post_form(client, url, {"category": "done"}, form)
    assert len(outbox(app)) == 2
    assert db.session.scalar(select(func.count(Notice.id))) == 2

    # Every status change is in the item's history, once.
    stored = only_item()
    assert [e.status for e in stored.events] == ["forwarded", "resolved", "forwarded", "resolved"]


def test_repeated_source_ref_returns_the_same_item(app, client):
    _, token = user_with_token()
    first = submit(client, token)
    again = submit(client, token, text="something else entirely")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert db.session.scalar(select(func.count(Feedback.id))) == 1
    assert len(outbox(app)) == 1


def test_item_naming_its_service_in_words_is_routed_by_rule(app, client):
    _, token = user_with_token()
    response = submit(client, token, eservice=None, source_ref="call-2")
    assert response.status_code == 201
    item = response.get_json()
    assert (item["status"], item["department"], item["eservice"]) == (
        "forwarded",
        "EDU",
        "daycare-application",
    )
    assert item["routing"]["method"] == "rule"


def test_item_that_names_nothing_waits_in_triage(app, client):
    _, token = user_with_token()
    response = submit(client, token, eservice=None, source_ref="call-3", text="Se ei toimi.")
    assert response.status_code == 201
    item = response.get_json()
    assert (item["status"], item["department"], item["ticket"]) == ("triage", None, None)
    assert item["routing"]["method"] == "triage"


def test_no_consent_no_notice(app, client):
    _, token = user_with_token()
    contact = {"email": "a@example.org", "consent": False}
    assert submit(client, token, contact=contact).status_code == 201
    assert outbox(app) == []


def test_same_problem_joins_the_open_ticket(app, client):
    _, token = user_with_token()
    first = submit(client, token, source_ref="a").get_json()
    second = submit(client, token, source_ref="b", contact=None).get_json()
    assert first["ticket"]["key"] == second["ticket"]["key"]
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.affected_count == 2


def test_agent_form_records_a_call_and_prefills_a_returning_caller(app, client):
    sign_in_as(client, "agent")
    response = post_form(
        client,
        "/staff/feedback/new",
        {
            "text": "Koulukuljetushakemus ei toimi, sivu kaatuu.",
            "eservice": "school-transport",
            "language": "fi",
            "name": "Matti Meikäläinen",
            "phone": "040 765 4321",
            "email": "matti@example.fi",
            "consent": "y",
            "save": "1",
        },
    )
    assert response.status_code == 302
    item = only_item()
    assert item.channel == "agent_form" and item.status == "forwarded"
    assert item.contact.phone == "+358407654321"  # E.164

    # The same caller phones again: the phone number finds the rest.
    page = post_form(client, "/staff/feedback/new", {"phone": "040-765 4321", "lookup": "1"})
    html = page.get_data(as_text=True)
    assert 'value="matti@example.fi"' in html
    assert 'value="Matti Meikäläinen"' in html


def test_agent_form_errors_are_listed_and_nothing_is_stored(app, client):
    sign_in_as(client, "agent")
    response = post_form(
        client, "/staff/feedback/new", {"text": "", "email": "not-an-address", "save": "1"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'href="#text"' in html and 'href="#email"' in html
    assert db.session.scalar(select(func.count(Feedback.id))) == 0
