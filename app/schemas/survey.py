"""Survey responses, frames and transaction counts as the API takes and gives them.

The envelope is checked here; the answers themselves are checked against the
e-service's frame by the survey service, which alone knows the questions.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from app.extensions import db
from app.i18n import LANGUAGES
from app.input_guard import EARLIEST_DATE, LATEST_DATE
from app.models import EService, Feedback
from app.services.notices import status_url
from app.services.surveys import MAX_ANSWER_TEXT, MAX_CLIENT_REF

MAX_DAILY_COUNT = 1_000_000_000


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


class SurveyResponseInSchema(Schema):
    class Meta:
        unknown = RAISE

    answers = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "Answers by question key, as the frame's questions define."},
    )
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))
    client_ref = fields.String(
        load_default=None,
        allow_none=True,
        validate=[_not_blank, validate.Length(max=MAX_CLIENT_REF)],
        metadata={
            "description": "The e-service's reference (e.g. its transaction id): "
            "a repeat returns the stored response."
        },
    )
    completed = fields.Boolean(
        load_default=True,
        metadata={
            "description": "False for an abandoned survey: required questions may be left out."
        },
    )
    frame_version = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata={
            "description": "The frame version the answers were given to, when the e-service "
            "renders a frame it fetched earlier; the newest when left out."
        },
    )


class TransactionCountInSchema(Schema):
    class Meta:
        unknown = RAISE

    day = fields.Date(
        required=True,
        validate=validate.Range(min=EARLIEST_DATE, max=LATEST_DATE),
        metadata={"description": "YYYY-MM-DD, the city's time"},
    )
    # A day's count fits the database's integer column many times over.
    completed = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=MAX_DAILY_COUNT)
    )
    started = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=MAX_DAILY_COUNT),
    )

    @validates("day")
    def _not_in_the_future(self, value: object, **_: object) -> None:
        today = datetime.now(ZoneInfo(current_app.config["TIME_ZONE"])).date()
        if value > today:
            raise ValidationError("Must not be in the future.")

    @validates_schema
    def _started_covers_completed(self, data: dict, **_: object) -> None:
        started, completed = data.get("started"), data.get("completed")
        if started is not None and completed is not None and started < completed:
            raise ValidationError("Must be at least the number completed.", "started")


class SurveyOptionSchema(Schema):
    value = fields.String()
    labels = fields.Dict(keys=fields.String(), values=fields.String())


class SurveyQuestionSchema(Schema):
    key = fields.String()
    type = fields.String(metadata={"enum": ["scale", "choice", "text"]})
    required = fields.Boolean()
    labels = fields.Dict(keys=fields.String(), values=fields.String())
    options = fields.List(fields.Nested(SurveyOptionSchema), metadata={"description": "choice"})
    anchors = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.String()),
        metadata={"description": "scale: texts of scale points (1-5) by language"},
    )


class SurveyFrameOutSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String()
    version = fields.Integer()
    titles = fields.Dict(keys=fields.String(), values=fields.String())
    questions = fields.List(fields.Nested(SurveyQuestionSchema))
    max_text_length = fields.Function(lambda _: MAX_ANSWER_TEXT)


def _feedback_link(feedback_id: int | None) -> dict | None:
    item = db.session.get(Feedback, feedback_id) if feedback_id is not None else None
    return {"id": item.public_id, "status_url": status_url(item)} if item is not None else None


class SurveyResponseOutSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer()
    eservice = fields.Function(lambda response: response.eservice.code)
    frame = fields.Function(lambda response: response.frame.code)
    frame_version = fields.Function(lambda response: response.frame.version)
    client_ref = fields.String(allow_none=True)
    completed = fields.Boolean()
    received_at = fields.Function(lambda response: response.received_at.isoformat())
    feedback = fields.Function(
        lambda response: _feedback_link(response.feedback_id),
        metadata={"description": "The feedback item made of the comment, if there was one."},
    )


class TransactionCountOutSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    # TransactionCount has no relationship to its e-service; the identity map makes this cheap.
    eservice = fields.Function(lambda row: db.session.get(EService, row.eservice_id).code)
    day = fields.Date()
    completed = fields.Integer()
    started = fields.Integer(allow_none=True)
