"""The feedback item as the API takes it and gives it."""

from __future__ import annotations

import re
from datetime import UTC

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

from app.i18n import LANGUAGES
from app.services.catalog import eservice_by_code
from app.services.intake import ContactDetails, Submission

MAX_TEXT = 5000
_PHONE = re.compile(r"^\+?[\d\s().-]{5,25}$")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


class ContactSchema(Schema):
    class Meta:
        unknown = RAISE

    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=320))
    phone = fields.String(load_default=None, allow_none=True)
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))
    consent = fields.Boolean(load_default=False)

    @validates("phone")
    def _phone(self, value: str | None, **_: object) -> None:
        if value is not None and not _PHONE.match(value):
            raise ValidationError("Not a valid phone number.")

    @validates_schema
    def _reachable_if_consented(self, data: dict, **_: object) -> None:
        if data.get("consent") and not data.get("email"):
            raise ValidationError("Consent to follow-up needs an e-mail address.", "email")

    @post_load
    def _details(self, data: dict, **_: object) -> ContactDetails:
        return ContactDetails(**data)


# The channels an API client may name. Items of the service's own public endpoints
# ("open311" is published on the public Open311 list, "web_form", "survey") come only
# through those endpoints: a token cannot make an item public by naming its channel.
API_CHANNELS = ("api", "agent_form", "call_log", "email")


class FeedbackInSchema(Schema):
    class Meta:
        unknown = RAISE

    text = fields.String(required=True, validate=[_not_blank, validate.Length(max=MAX_TEXT)])
    channel = fields.String(load_default="api", validate=validate.OneOf(API_CHANNELS))
    eservice = fields.String(load_default=None, allow_none=True)
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))
    source_ref = fields.String(
        load_default=None, allow_none=True, validate=[_not_blank, validate.Length(max=200)]
    )
    occurred_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)
    contact = fields.Nested(ContactSchema, load_default=None, allow_none=True)

    @validates("eservice")
    def _known_eservice(self, value: str | None, **_: object) -> None:
        if value is None:
            return
        eservice = eservice_by_code(value)
        if eservice is None or not eservice.active:
            raise ValidationError("Unknown e-service.")

    @post_load
    def _submission(self, data: dict, **_: object) -> Submission:
        data["text"] = data["text"].strip()
        return Submission(**data)


class FeedbackOutSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.String(attribute="public_id")
    status = fields.String()
    channel = fields.String()
    source_ref = fields.String(allow_none=True)
    received_at = fields.Function(lambda item: item.received_at.isoformat())
    occurred_at = fields.Function(
        lambda item: item.occurred_at.isoformat() if item.occurred_at else None
    )
    language = fields.String(allow_none=True)
    sentiment = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    about_digital = fields.Boolean(allow_none=True)
    eservice = fields.Function(lambda item: item.eservice.code if item.eservice else None)
    department = fields.Function(lambda item: item.department.code if item.department else None)
    routing = fields.Function(
        lambda item: {"method": item.routing_method, "confidence": item.routing_confidence}
    )
    ticket = fields.Function(
        lambda item: (
            {
                "key": item.ticket.key,
                "url": item.ticket.url,
                "status": item.ticket.status,
                "status_category": item.ticket.status_category,
            }
            if item.ticket is not None
            else None
        )
    )
