"""/api/v1 surveys: an e-service's question frame, its users' answers, its transaction counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from app.api.auth import token_required
from app.api.blueprints import api_bp
from app.api.feedback import json_body
from app.api.openapi import documented
from app.extensions import limiter
from app.schemas.survey import (
    SurveyFrameOutSchema,
    SurveyResponseInSchema,
    SurveyResponseOutSchema,
    TransactionCountInSchema,
    TransactionCountOutSchema,
)
from app.services.accounts import user_for_token
from app.services.surveys import (
    SurveyError,
    UnknownEServiceError,
    frame_for,
    record_response,
    record_transactions,
)

INTEGRATION_ROLES = ("integration", "admin")


@contextmanager
def _survey_errors() -> Iterator[None]:
    """The service's errors as the API's: an unknown e-service is 404, bad input 422."""
    try:
        yield
    except UnknownEServiceError:
        abort(404, "No such e-service.")
    except SurveyError as error:
        raise ValidationError(error.messages) from error


def _posted_by_integration() -> bool:
    """An e-service that posts its users' answers from its own server sends them all from
    one address; its integration token identifies it, so the per-address limit is lifted."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    user = user_for_token(token.strip(), "intake")
    return user is not None and user.role in INTEGRATION_ROLES


@api_bp.get("/surveys/<eservice>")
@documented(
    "The e-service's survey frame, for an e-service that renders the survey itself",
    response=SurveyFrameOutSchema,
    responses={404: "No such e-service"},
    token=False,
)
def get_survey_frame(eservice: str) -> ResponseReturnValue:
    with _survey_errors():
        frame = frame_for(eservice)
    return jsonify(SurveyFrameOutSchema().dump(frame))


@api_bp.post("/surveys/<eservice>/responses")
@documented(
    "Answer the e-service's survey (public, rate-limited per address)",
    body=SurveyResponseInSchema,
    response=SurveyResponseOutSchema,
    responses={
        200: "Already known: the response stored earlier with this client_ref",
        201: "Stored; a comment became a feedback item",
        400: "The body is not a JSON object",
        404: "No such e-service",
        429: "Too many responses from this address; see Retry-After",
    },
    token=False,
)
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"], exempt_when=_posted_by_integration)
def create_survey_response(eservice: str) -> ResponseReturnValue:
    body = SurveyResponseInSchema().load(json_body())
    with _survey_errors():
        result = record_response(eservice, **body)
    answer = SurveyResponseOutSchema().dump(result.response)
    if not result.created:
        # Only the post that stored the comment learns its item and status link: anyone may
        # re-post a client_ref they saw or guessed.
        answer["feedback"] = None
    return jsonify(answer), 201 if result.created else 200


@api_bp.post("/eservices/<code>/transactions")
@documented(
    "Set an e-service's transaction counts for a day (a repeat replaces them)",
    body=TransactionCountInSchema,
    response=TransactionCountOutSchema,
    responses={
        201: "Stored for a new day",
        200: "Replaced the day's counts",
        400: "The body is not a JSON object",
        403: "The token's user may not post counts",
        404: "No such e-service",
    },
)
@token_required(*INTEGRATION_ROLES, scopes=("intake",))
def set_transaction_counts(code: str) -> ResponseReturnValue:
    body = TransactionCountInSchema().load(json_body())
    with _survey_errors():
        result = record_transactions(code, **body)
    return jsonify(TransactionCountOutSchema().dump(result.counts)), 201 if result.created else 200
