"""Tracker webhooks: verify, de-duplicate, then take the one update path."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import WebhookDelivery
from app.services.tickets import apply_tracker_update, mark_issue_deleted


class WebhookSignatureError(Exception):
    pass


def verify_signature(secret: str | None, body: bytes, header: str | None) -> None:
    """Check ``X-Hub-Signature: sha256=<hex HMAC of the raw body>`` in constant time."""
    if not secret:
        raise WebhookSignatureError("Webhooks are refused: no JIRA_WEBHOOK_SECRET is configured.")
    scheme, _, received = (header or "").partition("=")
    if scheme != "sha256" or not received:
        raise WebhookSignatureError("Missing or malformed X-Hub-Signature.")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received.strip().lower()):
        raise WebhookSignatureError("Signature does not match.")


def handle_jira_event(event: dict, delivery_id: str | None) -> str:
    """Apply one delivery; a repeated delivery identifier changes nothing."""
    if delivery_id:
        db.session.add(WebhookDelivery(source="jira", identifier=delivery_id[:200]))
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            return "duplicate"
    issue = event["issue"]
    if event["event"] == "jira:issue_deleted":
        mark_issue_deleted(issue.key)
        db.session.commit()
        return "deleted"
    ticket = apply_tracker_update(issue)
    db.session.commit()  # records the delivery even when the issue is not one of ours
    return "applied" if ticket is not None else "ignored"
