"""The supplier's insight as the API takes and gives it (GET /api/v1/supplier/insight)."""

from __future__ import annotations

from flask import current_app
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_dump,
    validate,
    validates_schema,
)

from app.input_guard import EARLIEST_DATE, LATEST_DATE
from app.services.insight import InsightFilter, range_error, requested_days
from app.services.survey_figures import SCALES, TASK_DONE, SurveyFigures

_SHARE = {"description": "A share from 0 to 1; null when there is nothing to divide by."}
_MEAN = {"description": "The mean answer on a scale from 1 to 5; null without answers."}


class InsightQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    since = fields.Date(
        load_default=None,
        validate=validate.Range(min=EARLIEST_DATE, max=LATEST_DATE),
        metadata={"description": "First day, in the city's time zone; default 30 days ago."},
    )
    until = fields.Date(
        load_default=None,
        validate=validate.Range(min=EARLIEST_DATE, max=LATEST_DATE),
        metadata={"description": "Last day, included; default today."},
    )
    eservice = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "One e-service's code; default all of the supplier's."},
    )

    @validates_schema
    def _range(self, data: dict, **kwargs: object) -> None:
        zone = current_app.config["TIME_ZONE"]
        error = range_error(*requested_days(data.get("since"), data.get("until"), zone))
        if error is not None:
            raise ValidationError(error, "until")

    @post_load
    def _filter(self, data: dict, **kwargs: object) -> InsightFilter:
        zone = current_app.config["TIME_ZONE"]
        first, last = requested_days(data["since"], data["until"], zone)
        return InsightFilter(first, last, zone, eservice=data["eservice"])


class FeedbackFiguresSchema(Schema):
    items = fields.Integer(metadata={"description": "Feedback items received."})
    analysed = fields.Integer(
        metadata={
            "description": "Items of which it is known whether they concern digital services."
        }
    )
    digital = fields.Integer(metadata={"description": "Items about digital services."})
    digital_share = fields.Float(allow_none=True, metadata=_SHARE)
    negative = fields.Integer(metadata={"description": "Negative items about digital services."})
    neutral = fields.Integer(metadata={"description": "Neutral items about digital services."})
    positive = fields.Integer(metadata={"description": "Positive items about digital services."})


class SurveyFiguresSchema(Schema):
    responses = fields.Integer()
    satisfaction = fields.Float(allow_none=True, metadata=_MEAN)
    ease = fields.Float(allow_none=True, metadata=_MEAN)
    understood = fields.Float(allow_none=True, metadata=_MEAN)
    task_done = fields.Dict(
        keys=fields.String(validate=validate.OneOf(TASK_DONE)),
        values=fields.Float(allow_none=True),
        metadata={"description": "Shares of the answers yes, partly and no."},
    )
    help_available = fields.Float(
        allow_none=True,
        metadata={"description": "Of those who needed help, the share who found it."},
    )
    transactions = fields.Integer(
        allow_none=True,
        metadata={"description": "Completed transactions; null when the e-service reports none."},
    )
    response_rate = fields.Float(
        allow_none=True, metadata={"description": "Responses per completed transaction."}
    )
    completion_rate = fields.Float(
        allow_none=True, metadata={"description": "Responses saying the task got done, of all."}
    )

    @pre_dump
    def _measures(self, figures: SurveyFigures, **kwargs: object) -> dict:
        return {
            "responses": figures.responses,
            **{measure: figures.mean(measure) for measure in SCALES},
            "task_done": {answer: figures.task_share(answer) for answer in TASK_DONE},
            "help_available": figures.help_available,
            "transactions": figures.transactions,
            "response_rate": figures.response_rate,
            "completion_rate": figures.completion_rate,
        }


class EServiceInsightSchema(Schema):
    code = fields.String()
    names = fields.Dict(keys=fields.String(), values=fields.String())
    feedback = fields.Nested(FeedbackFiguresSchema)
    survey = fields.Nested(SurveyFiguresSchema)


class SupplierInsightSchema(Schema):
    since = fields.Date(attribute="first")
    until = fields.Date(attribute="last")
    eservices = fields.List(fields.Nested(EServiceInsightSchema))
    average = fields.Nested(
        SurveyFiguresSchema,
        metadata={"description": "The survey figures of all the supplier's e-services together."},
    )
