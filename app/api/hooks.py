"""/hooks: signed change events from the tracker."""

from __future__ import annotations

from flask import abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from app.api.blueprints import hooks_bp
from app.schemas.jira import JiraWebhookSchema
from app.services.webhooks import (
    StaleWebhookError,
    WebhookSignatureError,
    check_fresh,
    handle_jira_event,
    verify_signature,
)


@hooks_bp.post("/jira")
def jira_webhook() -> ResponseReturnValue:
    # WEBHOOK_MAX_BYTES applies (app/input_guard.py): an oversized delivery is refused (413)
    # without being read whole.
    body = request.get_data(cache=True)
    try:
        verify_signature(
            current_app.config.get("JIRA_WEBHOOK_SECRET"),
            body,
            request.headers.get("X-Hub-Signature"),
        )
    except WebhookSignatureError as error:
        abort(401, str(error))
    payload = request.get_json(silent=True)
    event = JiraWebhookSchema().load(payload if isinstance(payload, dict) else {})
    timestamp = payload.get("timestamp")
    try:
        check_fresh(
            timestamp if isinstance(timestamp, int) else None,
            current_app.config["JIRA_WEBHOOK_MAX_AGE_SECONDS"],
        )
    except StaleWebhookError:
        # Answered as done: Jira would retry an error, and the poll picks up a real change.
        return jsonify(outcome="stale")
    delivery = request.headers.get("X-Atlassian-Webhook-Identifier")
    return jsonify(outcome=handle_jira_event(event, delivery, body))
