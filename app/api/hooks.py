"""/hooks: signed change events from the tracker."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from app.schemas.jira import JiraWebhookSchema
from app.services.webhooks import WebhookSignatureError, handle_jira_event, verify_signature

hooks_bp = Blueprint("hooks", __name__, url_prefix="/hooks")


@hooks_bp.post("/jira")
def jira_webhook() -> ResponseReturnValue:
    body = request.get_data(cache=True)
    try:
        verify_signature(
            current_app.config.get("JIRA_WEBHOOK_SECRET"),
            body,
            request.headers.get("X-Hub-Signature"),
        )
    except WebhookSignatureError as error:
        abort(401, str(error))
    event = JiraWebhookSchema().load(request.get_json(silent=True) or {})
    outcome = handle_jira_event(event, request.headers.get("X-Atlassian-Webhook-Identifier"))
    return jsonify(outcome=outcome)
