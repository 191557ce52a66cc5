"""/api/v1: feedback intake and read-back for agents' tools and integrations."""

from __future__ import annotations

from flask import abort, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from app.api.auth import INTAKE_ROLES, token_required
from app.api.blueprints import api_bp
from app.api.openapi import build_spec, documented
from app.schemas.feedback import FeedbackInSchema, FeedbackOutSchema
from app.schemas.ticket import TicketOutSchema
from app.services.access import visible_feedback, visible_items, visible_ticket
from app.services.intake import submit_feedback

# Suppliers read only their own e-services' items and tickets (app/services/access.py).
READ_ROLES = ("agent", "handler", "developer", "analyst", "admin", "supplier")
READ_SCOPES = ("read", "supplier")
# Made once: a schema's fields are copied at every instantiation, a cost on each intake.
FEEDBACK_IN = FeedbackInSchema()
FEEDBACK_OUT = FeedbackOutSchema()


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "The body must be a JSON object (Content-Type: application/json).")
    return body


@api_bp.get("/openapi.json")
@documented("This document", token=False)
def openapi() -> ResponseReturnValue:
    return jsonify(build_spec(current_app))


@api_bp.post("/feedback")
@documented(
    "Submit a feedback item",
    body=FeedbackInSchema,
    response=FeedbackOutSchema,
    responses={
        200: "Already known: the item stored earlier for this (channel, source_ref)",
        201: "Stored; processing is queued",
        400: "The body is not a JSON object",
        403: "The token's user may not submit feedback",
    },
)
@token_required(*INTAKE_ROLES, scopes=("intake",))
def create_feedback() -> ResponseReturnValue:
    submission = FEEDBACK_IN.load(json_body())
    result = submit_feedback(submission, agent=g.api_user)
    return jsonify(FEEDBACK_OUT.dump(result.feedback)), 201 if result.created else 200


@api_bp.get("/feedback/<public_id>")
@documented(
    "A feedback item's status, routing and ticket",
    response=FeedbackOutSchema,
    responses={404: "No such item", 403: "The token's user may not read items"},
)
@token_required(*READ_ROLES, scopes=READ_SCOPES)
def get_feedback(public_id: str) -> ResponseReturnValue:
    item = visible_feedback(g.api_user, public_id) or abort(404, "No such feedback item.")
    return jsonify(FEEDBACK_OUT.dump(item))


@api_bp.get("/tickets/<key>")
@documented(
    "A development ticket with its affected count and linked items",
    response=TicketOutSchema,
    responses={404: "No such ticket", 403: "The token's user may not read tickets"},
)
@token_required(*READ_ROLES, scopes=READ_SCOPES)
def get_ticket(key: str) -> ResponseReturnValue:
    ticket = visible_ticket(g.api_user, key=key) or abort(404, "No such ticket.")
    answer = TicketOutSchema().dump(ticket)
    answer["items"] = [item.public_id for item in visible_items(g.api_user, ticket)]
    return jsonify(answer)
