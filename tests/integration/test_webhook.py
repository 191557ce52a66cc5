"""POST /hooks/jira: signed, de-duplicated, ordered, and one resolution notice per item."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Feedback, Notice, NoticeKind, Ticket
from tests.support.factories import consenting, submitted

SECRET = "webhook-secret"


def at(minutes: int) -> str:
    """A Jira time ``minutes`` after now (the ticket was opened just now)."""
    return (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def event(key, category, updated=None, kind="jira:issue_updated"):
    updated = updated or at(1)
    names = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
    return {
        "webhookEvent": kind,
        "timestamp": 1,
        "issue": {
            "key": key,
            "fields": {
                "status": {"name": names[category], "statusCategory": {"key": category}},
                "labels": ["civicloop"],
                "updated": updated,
            },
        },
        "changelog": {"items": [{"field": "status", "toString": names[category]}]},
    }


def post(client, payload, secret=SECRET, delivery="d-1"):
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/hooks/jira",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature": signature, "X-Atlassian-Webhook-Identifier": delivery},
    )


@pytest.fixture
def ticket(app):
    for n in range(2):
        submitted(
            "The sports booking calendar shows no free slots",
            "sports-booking",
            source_ref=f"r{n}",
            contact=consenting(f"c{n}@example.org", "fi"),
        )
    return db.session.scalars(select(Ticket)).one()


def resolution_notices() -> int:
    return db.session.scalar(
        select(func.count(Notice.id)).where(Notice.kind == NoticeKind.RESOLUTION)
    )


def test_done_resolves_every_linked_item_once(client, ticket):
    response = post(client, event(ticket.key, "done"))
    assert response.status_code == 200 and response.get_json() == {"outcome": "applied"}
    statuses = db.session.scalars(select(Feedback.status)).all()
    assert statuses == ["resolved", "resolved"]
    assert resolution_notices() == 2

    # Jira retries the same delivery; another delivery repeats the state: nothing more.
    assert post(client, event(ticket.key, "done")).get_json() == {"outcome": "duplicate"}
    later = event(ticket.key, "done", updated=at(5))
    assert post(client, later, delivery="d-2").get_json() == {"outcome": "applied"}
    assert resolution_notices() == 2


def test_forged_or_missing_signature_changes_nothing(client, ticket):
    assert post(client, event(ticket.key, "done"), secret="guess").status_code == 401
    body = json.dumps(event(ticket.key, "done"))
    unsigned = client.post("/hooks/jira", data=body, content_type="application/json")
    assert unsigned.status_code == 401
    assert db.session.get(Ticket, ticket.id).status_category == "new"
    assert resolution_notices() == 0


def test_no_secret_configured_refuses_every_delivery(app, client, ticket):
    app.config["JIRA_WEBHOOK_SECRET"] = None
    assert post(client, event(ticket.key, "done")).status_code == 401


def test_a_late_older_delivery_does_not_undo_a_newer_one(client, ticket):
    post(client, event(ticket.key, "done", updated=at(60)), delivery="a")
    late = post(client, event(ticket.key, "indeterminate", updated=at(2)), delivery="b")
    assert db.session.get(Ticket, ticket.id).status_category == "done"
    # Issue 16: it answered "applied" and was not recorded, so it could be replayed.
    assert late.get_json() == {"outcome": "outdated"}
    again = post(client, event(ticket.key, "indeterminate", updated=at(2)), delivery="b")
    assert again.get_json() == {"outcome": "duplicate"}


def test_reopened_ticket_moves_items_back_without_a_second_notice(client, ticket):
    post(client, event(ticket.key, "done", updated=at(2)), delivery="a")
    post(client, event(ticket.key, "new", updated=at(10)), delivery="b")
    assert set(db.session.scalars(select(Feedback.status))) == {"forwarded"}
    post(client, event(ticket.key, "done", updated=at(20)), delivery="c")
    assert resolution_notices() == 2


def test_deleted_issue_marks_the_ticket_gone(client, ticket):
    payload = event(ticket.key, "new", kind="jira:issue_deleted")
    assert post(client, payload).get_json() == {"outcome": "deleted"}
    assert db.session.get(Ticket, ticket.id).state == "gone"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"webhookEvent": "jira:issue_updated"},
        {"webhookEvent": "jira:something_else", "issue": {"key": "X-1"}},
        {"webhookEvent": "jira:issue_updated", "issue": {"key": "X-1", "fields": {}}},
        {
            "webhookEvent": "jira:issue_updated",
            "issue": {
                "key": "X-1",
                "fields": {"status": {"name": "Done", "statusCategory": {"key": "finished"}}},
            },
        },
    ],
)
def test_malformed_deliveries_get_422_and_change_nothing(client, ticket, payload):
    response = post(client, payload, delivery=None)
    assert response.status_code == 422 and "errors" in response.get_json()
    assert db.session.get(Ticket, ticket.id).status_category == "new"


def test_unknown_issue_is_ignored(client, ticket):
    assert post(client, event("OTHER-9", "done")).get_json() == {"outcome": "ignored"}
