"""POST /hooks/jira against an attacker: constant-time HMAC comparison, a body size limit,
replays refused even under a new delivery identifier, and stale deliveries dropped."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import WebhookDelivery
from app.services import webhooks
from app.services.webhooks import StaleWebhookError, check_fresh

SECRET = "webhook-secret"  # tests/conftest.py base_config


def body_of(timestamp_ms: int | None = None, key: str = "NOPE-1") -> bytes:
    payload = {
        "webhookEvent": "jira:issue_updated",
        "timestamp": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
        "issue": {
            "key": key,
            "fields": {"status": {"name": "Done", "statusCategory": {"key": "done"}}},
        },
    }
    return json.dumps(payload).encode()


def deliver(client, body: bytes, identifier: str | None = "d-1", signature: str | None = None):
    signature = signature or "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature": signature}
    if identifier:
        headers["X-Atlassian-Webhook-Identifier"] = identifier
    return client.post("/hooks/jira", data=body, content_type="application/json", headers=headers)


def test_signature_is_compared_in_constant_time(client, monkeypatch):
    compared, original = [], hmac.compare_digest

    def spy(a, b):
        compared.append((type(a), type(b)))
        return original(a, b)

    monkeypatch.setattr(webhooks.hmac, "compare_digest", spy)
    assert deliver(client, body_of()).status_code == 200
    assert deliver(client, body_of(), signature="sha256=" + "0" * 64).status_code == 401
    assert compared == [(bytes, bytes)] * 2


@pytest.mark.parametrize("signature", ["sha256=ä" + "0" * 63, "sha256=\u00ff", "sha256= ", "=abc"])
def test_odd_signatures_are_refused_not_crashed_on(client, signature):
    assert deliver(client, body_of(), signature=signature).status_code == 401


def test_oversized_bodies_are_refused_before_being_read(app, client):
    app.config["WEBHOOK_MAX_BYTES"] = 1024
    big = body_of()[:-1] + b', "padding": "' + b"x" * 2048 + b'"}'
    response = deliver(client, big)
    assert response.status_code == 413
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 0


def test_a_replay_under_a_new_identifier_changes_nothing(client):
    body = body_of()
    assert deliver(client, body, identifier="first").get_json() == {"outcome": "ignored"}
    assert deliver(client, body, identifier="forged").get_json() == {"outcome": "duplicate"}
    assert deliver(client, body, identifier=None).get_json() == {"outcome": "duplicate"}


def test_stale_deliveries_are_dropped_when_a_maximum_age_is_set(app, client):
    app.config["JIRA_WEBHOOK_MAX_AGE_SECONDS"] = 3600
    two_hours_ago = int((time.time() - 7200) * 1000)
    assert deliver(client, body_of(two_hours_ago)).get_json() == {"outcome": "stale"}
    assert deliver(client, body_of(), identifier="d-2").get_json() == {"outcome": "ignored"}


def test_freshness_window_both_ways():
    now = 1_000_000.0
    check_fresh(None, 60, now)  # no timestamp in the payload: nothing to check
    check_fresh(int((now - 3600) * 1000), 0, now)  # no maximum configured
    check_fresh(int((now - 59) * 1000), 60, now)
    for skew in (-61, 61):
        with pytest.raises(StaleWebhookError):
            check_fresh(int((now + skew) * 1000), 60, now)
