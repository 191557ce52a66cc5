"""Tracker webhooks: verify, refuse replays, de-duplicate, then take the one update path."""

from __future__ import annotations

import hashlib
import hmac
import time

from sqlalchemy import select

from app.extensions import db
from app.models import WebhookDelivery
from app.services.rows import added, insert_or_find
from app.services.tickets import apply_tracker_update, mark_issue_deleted, older_than_applied


class WebhookSignatureError(Exception):
    pass


class StaleWebhookError(Exception):
    pass


def verify_signature(secret: str | None, body: bytes, header: str | None) -> None:
    """Check ``X-Hub-Signature: sha256=<hex HMAC of the raw body>`` in constant time."""
    if not secret:
        raise WebhookSignatureError("Webhooks are refused: no JIRA_WEBHOOK_SECRET is configured.")
    scheme, _, received = (header or "").partition("=")
    if scheme != "sha256" or not received:
        raise WebhookSignatureError("Missing or malformed X-Hub-Signature.")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    # Compared as bytes: compare_digest refuses non-ASCII str, and a header is attacker input.
    given = received.strip().lower().encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(expected.encode(), given):
        raise WebhookSignatureError("Signature does not match.")


def check_fresh(timestamp_ms: int | None, max_age_seconds: int, now: float | None = None) -> None:
    """Refuse a delivery whose signed ``timestamp`` is older than ``max_age_seconds`` (0: any
    age) or more than that far in the future."""
    if not max_age_seconds or timestamp_ms is None:
        return
    age = (now if now is not None else time.time()) - timestamp_ms / 1000
    if abs(age) > max_age_seconds:
        raise StaleWebhookError(f"The delivery's timestamp is {int(age)} s away from now.")


def _first_time(source: str, identifier: str) -> bool:
    delivery = WebhookDelivery(source=source, identifier=identifier[:200])
    _, first = insert_or_find(
        lambda: added(delivery),
        lambda: db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.identifier == delivery.identifier)
        ).first(),
    )
    return first


def handle_jira_event(event: dict, delivery_id: str | None, body: bytes = b"") -> str:
    """Apply one delivery; a repeated delivery identifier or signed body changes nothing.

    The identifier header is not covered by the signature, so a captured delivery could be
    replayed under a new one: the digest of the signed body (which carries Jira's millisecond
    timestamp) is recorded too and refuses that replay.
    """
    if delivery_id and not _first_time("jira", delivery_id):
        return "duplicate"
    if body and not _first_time("jira-body", "sha256:" + hashlib.sha256(body).hexdigest()):
        return "duplicate"
    issue = event["issue"]
    if event["event"] == "jira:issue_deleted":
        mark_issue_deleted(issue.key)
        db.session.commit()
        return "deleted"
    ticket = apply_tracker_update(issue)
    db.session.commit()  # records the delivery even when the issue is not one of ours
    if ticket is None:
        return "ignored"
    # Jira delivers late and out of order: an older state is recorded but not applied.
    return "outdated" if older_than_applied(ticket, issue) else "applied"
