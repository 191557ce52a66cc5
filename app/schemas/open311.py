"""Open311 GeoReport v2 input: the form fields of a new service request and the query
parameters of the request and update lists. Every bad field gets its own message."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from app.schemas.feedback import ContactSchema
from app.services.open311 import (
    MAX_RESULTS,
    MAX_WINDOW,
    ExtendedStatus,
    Location,
    NewServiceRequest,
    NewUpdate,
    Page,
    RequestQuery,
    UpdateQuery,
    date_window,
)

# The spec limits a description to 4,000 characters.
MAX_DESCRIPTION = 4000
# Kept as "<submitter id>:<client_ref>" in source_ref, which holds 200 characters.
MAX_CLIENT_REF = 150
_NAME_FIELDS = "first_name, last_name"
# "+02:00" in a query string arrives as " 02:00" when the client did not encode the "+".
_UNENCODED_OFFSET = re.compile(r" (\d\d:?\d\d)$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What a client may say a request's status is, in any case (FixMyStreet adds REOPEN).
UPDATE_STATUSES = (*ExtendedStatus.ALL, "REOPEN")
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _without_empty(data: object) -> object:
    """The spec: an optional parameter passed empty means the same as one not passed."""
    if not isinstance(data, dict):
        return data
    return {key: value for key, value in data.items() if value is not None and str(value).strip()}


class ContactFieldsSchema(Schema):
    """A citizen's details as Open311 sends them, under the API's contact rules, so a
    citizen's details mean the same by any channel."""

    email = fields.String(load_default=None)
    phone = fields.String(load_default=None)
    first_name = fields.String(load_default=None)
    last_name = fields.String(load_default=None)

    @pre_load
    def _drop_empty(self, data: object, **_: object) -> object:
        return _without_empty(data)

    @validates_schema(skip_on_field_errors=False)
    def _contact_as_everywhere(self, data: dict, **_: object) -> None:
        errors = ContactSchema().validate(
            {"email": data.get("email"), "phone": data.get("phone"), "name": _full_name(data)}
        )
        if errors:
            names = {"name": _NAME_FIELDS}
            raise ValidationError({names.get(key, key): value for key, value in errors.items()})


def _media_url() -> fields.Url:
    return fields.Url(schemes={"http", "https"}, validate=validate.Length(max=1000))


class ServiceRequestInSchema(ContactFieldsSchema):
    """POST requests: form fields, with the optional ``attribute[client_ref]`` or the
    ``Idempotency-Key`` header (passed in under that name) as the client's reference, and
    the other ``attribute[code]`` values gathered under ``attributes`` by the view."""

    class Meta:
        # jurisdiction_id, device_id and account_id are accepted and ignored, as the spec
        # allows a single-city endpoint.
        unknown = EXCLUDE

    service_code = fields.String(
        required=True, error_messages={"required": "Required: a service_code from services.json."}
    )
    # Optional, as in the spec: a request may be only attributes and media.
    description = fields.String(load_default=None, validate=validate.Length(max=MAX_DESCRIPTION))
    lat = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(-90, 90))
    long = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(-180, 180))
    address_string = fields.String(load_default=None, validate=validate.Length(max=500))
    address_id = fields.String(load_default=None, validate=validate.Length(max=200))
    zipcode = fields.String(load_default=None, validate=validate.Length(max=20))
    # Every media_url sent (FixMyStreet sends several): a list, given by the view.
    media_url = fields.List(_media_url(), load_default=list, validate=validate.Length(max=10))
    attributes = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        load_default=dict,
        metadata={
            "description": "Sent as attribute[code]=value fields (attribute[code][]= for "
            "a multivaluelist), as the service definition lists them."
        },
    )
    client_ref = fields.String(
        data_key="attribute[client_ref]",
        load_default=None,
        validate=validate.Length(max=MAX_CLIENT_REF),
    )
    idempotency_key = fields.String(
        data_key="Idempotency-Key", load_default=None, validate=validate.Length(max=MAX_CLIENT_REF)
    )

    @pre_load
    def _media_as_list(self, data: dict, **_: object) -> dict:
        if isinstance(data.get("media_url"), str):
            data = {**data, "media_url": [data["media_url"]]}
        return data

    @validates_schema
    def _both_coordinates(self, data: dict, **_: object) -> None:
        errors = {}
        if data.get("lat") is not None and data.get("long") is None:
            errors["long"] = ["Required when lat is given: send both lat and long."]
        if data.get("long") is not None and data.get("lat") is None:
            errors["lat"] = ["Required when long is given: send both lat and long."]
        if errors:
            raise ValidationError(errors)

    @validates_schema
    def _one_reference(self, data: dict, **_: object) -> None:
        given = {data.get("client_ref"), data.get("idempotency_key")} - {None}
        if len(given) > 1:
            raise ValidationError(
                "Differs from the Idempotency-Key header: send one reference.",
                "attribute[client_ref]",
            )

    @post_load
    def _new_request(self, data: dict, **_: object) -> NewServiceRequest:
        return NewServiceRequest(
            service_code=data["service_code"].strip(),
            description=_stripped(data["description"]),
            location=Location(
                latitude=data["lat"],
                longitude=data["long"],
                address=_stripped(data["address_string"]),
                media_urls=tuple(data["media_url"]),
                address_id=_stripped(data["address_id"]),
                zipcode=_stripped(data["zipcode"]),
            ),
            email=data["email"],
            phone=data["phone"],
            name=_full_name(data),
            client_ref=data["client_ref"] or data["idempotency_key"],
            attributes=data["attributes"],
        )


class ServiceRequestUpdateInSchema(ContactFieldsSchema):
    """POST servicerequestupdates (mySociety's extension), as FixMyStreet sends it."""

    class Meta:
        # jurisdiction_id, title, public_anonymity_required, email_alerts_requested,
        # service_request_id_ext, update_id_ext: accepted and ignored.
        unknown = EXCLUDE

    service_request_id = fields.String(
        required=True, error_messages={"required": "Required: the request this update is on."}
    )
    update_id = fields.String(
        required=True,
        validate=validate.Length(max=MAX_CLIENT_REF),
        error_messages={"required": "Required: your id of this update."},
    )
    updated_datetime = fields.AwareDateTime(
        required=True,
        validate=validate.Range(_EARLIEST, _LATEST, error="Must be between 1970 and 9000."),
        error_messages={
            "required": "Required: when the update was made, e.g. 2026-01-31T12:00:00+02:00.",
            "invalid": "Not a W3C date-time; use e.g. 2026-01-31T12:00:00+02:00.",
            "invalid_awareness": "Must have a time zone: Z or an offset such as +02:00.",
        },
    )
    status = fields.String(
        required=True,
        validate=validate.OneOf(
            UPDATE_STATUSES, error=f"Must be one of {', '.join(UPDATE_STATUSES)}."
        ),
        error_messages={"required": "Required: OPEN or CLOSED (or an extended status)."},
    )
    description = fields.String(load_default=None, validate=validate.Length(max=MAX_DESCRIPTION))
    media_url = _media_url()

    @pre_load
    def _upper_status(self, data: dict, **_: object) -> dict:
        if isinstance(data.get("status"), str):
            data = {**data, "status": data["status"].strip().upper()}
        return data

    @validates_schema(skip_on_field_errors=False)
    def _words_or_photo(self, data: dict, **_: object) -> None:
        if not data.get("description") and not data.get("media_url"):
            raise ValidationError("Required unless media_url is given.", "description")

    @post_load
    def _new_update(self, data: dict, **_: object) -> NewUpdate:
        return NewUpdate(
            service_request_id=data["service_request_id"].strip(),
            client_update_id=data["update_id"].strip(),
            updated_at=data["updated_datetime"],
            status=data["status"],
            description=_stripped(data["description"]),
            name=_full_name(data),
            media_url=data.get("media_url"),
        )


def _stripped(value: str | None) -> str | None:
    return value.strip() if value else None


def _full_name(data: dict) -> str | None:
    parts = [data.get("first_name"), data.get("last_name")]
    return " ".join(part.strip() for part in parts if part) or None


class CommaSeparated(fields.String):
    """Open311's lists: one parameter, its values separated by commas."""

    def __init__(self, *, lower: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.lower = lower

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> list:
        text = super()._deserialize(value, attr, data, **kwargs)
        parts = [part.strip() for part in text.split(",") if part.strip()]
        return [part.lower() for part in parts] if self.lower else parts


def _whole_day(value: str, end: bool) -> str:
    """A date alone is a whole day in the city's time zone: from its start, or up to its end."""
    day = date.fromisoformat(value) + timedelta(days=1 if end else 0)
    zone = ZoneInfo(current_app.config["TIME_ZONE"])
    return datetime.combine(day, time(), zone).isoformat()


def _w3c_time() -> fields.AwareDateTime:
    return fields.AwareDateTime(
        load_default=None,
        validate=validate.Range(_EARLIEST, _LATEST, error="Must be between 1970 and 9000."),
        error_messages={
            "invalid": "Not a W3C date-time; use e.g. 2026-01-31T00:00:00Z.",
            "invalid_awareness": "Must have a time zone: Z or an offset such as +02:00.",
        },
    )


class DateWindowSchema(Schema):
    """``start_date`` and ``end_date`` of a list, at most 90 days apart (a date alone is a
    whole day), and the page: ``page`` from 1, ``page_size`` up to 1000."""

    class Meta:
        unknown = EXCLUDE

    start_date = _w3c_time()
    end_date = _w3c_time()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_RESULTS))

    @pre_load
    def _clean(self, data: object, **_: object) -> object:
        data = _without_empty(data)
        for key in ("start_date", "end_date"):
            if isinstance(data, dict) and isinstance(data.get(key), str):
                value = data[key].strip()
                if _DATE_ONLY.match(value):
                    with suppress(ValueError):  # an impossible date is the field's error
                        value = _whole_day(value, end=key == "end_date")
                data[key] = _UNENCODED_OFFSET.sub(r"+\1", value)
        return data

    @validates_schema
    def _in_order_and_close(self, data: dict, **_: object) -> None:
        start, end = data.get("start_date"), data.get("end_date")
        if start is None or end is None:
            return
        if end < start:
            raise ValidationError("Must not be before start_date.", "end_date")
        if end - start > MAX_WINDOW:
            raise ValidationError(
                f"Must be at most {MAX_WINDOW.days} days after start_date.", "end_date"
            )

    @post_load
    def _loaded(self, data: dict, **_: object) -> UpdateQuery | RequestQuery:
        return UpdateQuery(
            window=date_window(data.get("start_date"), data.get("end_date")),
            page=Page(data["page"], data["page_size"]),
        )


class RequestQuerySchema(DateWindowSchema):
    """GET requests: the spec's filters."""

    service_request_id = CommaSeparated(
        load_default=list, validate=validate.Length(max=MAX_RESULTS)
    )
    service_code = CommaSeparated(load_default=list)
    status = CommaSeparated(
        lower=True, load_default=list, validate=validate.ContainsOnly(("open", "closed"))
    )

    @post_load
    def _loaded(self, data: dict, **_: object) -> RequestQuery:
        return RequestQuery(
            window=date_window(data.get("start_date"), data.get("end_date")),
            service_request_ids=tuple(data["service_request_id"]),
            service_codes=tuple(data["service_code"]),
            statuses=tuple(data["status"]),
            page=Page(data["page"], data["page_size"]),
        )
