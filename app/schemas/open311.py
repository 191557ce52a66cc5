"""Open311 GeoReport v2 input: the form fields of a new service request and the query
parameters of the request and update lists. Every bad field gets its own message."""

from __future__ import annotations

import re
from datetime import UTC, datetime

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
    DateWindow,
    Location,
    NewServiceRequest,
    RequestQuery,
    date_window,
)

# The spec limits a description to 4,000 characters.
MAX_DESCRIPTION = 4000
# Kept as "<submitter id>:<client_ref>" in source_ref, which holds 200 characters.
MAX_CLIENT_REF = 150
_NAME_FIELDS = "first_name, last_name"
# "+02:00" in a query string arrives as " 02:00" when the client did not encode the "+".
_UNENCODED_OFFSET = re.compile(r" (\d\d:?\d\d)$")
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _without_empty(data: object) -> object:
    """The spec: an optional parameter passed empty means the same as one not passed."""
    if not isinstance(data, dict):
        return data
    return {key: value for key, value in data.items() if value is not None and str(value).strip()}


class ServiceRequestInSchema(Schema):
    """POST requests: form fields, with the optional ``attribute[client_ref]`` or the
    ``Idempotency-Key`` header (passed in under that name) as the client's reference."""

    class Meta:
        # jurisdiction_id, address_id, device_id, account_id and attributes no e-service
        # defines are accepted and ignored, as the spec allows a single-city endpoint.
        unknown = EXCLUDE

    service_code = fields.String(
        required=True, error_messages={"required": "Required: a service_code from services.json."}
    )
    description = fields.String(
        required=True,
        validate=validate.Length(max=MAX_DESCRIPTION),
        error_messages={"required": "Required: what the problem is."},
    )
    lat = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(-90, 90))
    long = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(-180, 180))
    address_string = fields.String(load_default=None, validate=validate.Length(max=500))
    media_url = fields.Url(
        load_default=None, schemes={"http", "https"}, validate=validate.Length(max=1000)
    )
    email = fields.String(load_default=None)
    phone = fields.String(load_default=None)
    first_name = fields.String(load_default=None)
    last_name = fields.String(load_default=None)
    client_ref = fields.String(
        data_key="attribute[client_ref]",
        load_default=None,
        validate=validate.Length(max=MAX_CLIENT_REF),
    )
    idempotency_key = fields.String(
        data_key="Idempotency-Key", load_default=None, validate=validate.Length(max=MAX_CLIENT_REF)
    )

    @pre_load
    def _drop_empty(self, data: object, **_: object) -> object:
        return _without_empty(data)

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

    @validates_schema(skip_on_field_errors=False)
    def _contact_as_everywhere(self, data: dict, **_: object) -> None:
        """The API's contact rules, so a citizen's details mean the same by any channel."""
        errors = ContactSchema().validate(
            {"email": data.get("email"), "phone": data.get("phone"), "name": _full_name(data)}
        )
        if errors:
            names = {"name": _NAME_FIELDS}
            raise ValidationError({names.get(key, key): value for key, value in errors.items()})

    @post_load
    def _new_request(self, data: dict, **_: object) -> NewServiceRequest:
        return NewServiceRequest(
            service_code=data["service_code"].strip(),
            description=data["description"].strip(),
            location=Location(
                latitude=data["lat"],
                longitude=data["long"],
                address=data["address_string"].strip() if data["address_string"] else None,
                media_url=data["media_url"],
            ),
            email=data["email"],
            phone=data["phone"],
            name=_full_name(data),
            client_ref=data["client_ref"] or data["idempotency_key"],
        )


def _full_name(data: dict) -> str | None:
    parts = [data.get("first_name"), data.get("last_name")]
    return " ".join(part.strip() for part in parts if part) or None


class CommaSeparated(fields.String):
    """Open311's lists: one parameter, its values separated by commas."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> list:
        text = super()._deserialize(value, attr, data, **kwargs)
        return [part.strip() for part in text.split(",") if part.strip()]


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
    """``start_date`` and ``end_date`` of a list, at most 90 days apart."""

    class Meta:
        unknown = EXCLUDE

    start_date = _w3c_time()
    end_date = _w3c_time()

    @pre_load
    def _clean(self, data: object, **_: object) -> object:
        data = _without_empty(data)
        for key in ("start_date", "end_date"):
            if isinstance(data, dict) and isinstance(data.get(key), str):
                data[key] = _UNENCODED_OFFSET.sub(r"+\1", data[key])
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
    def _loaded(self, data: dict, **_: object) -> DateWindow | RequestQuery:
        return date_window(data.get("start_date"), data.get("end_date"))


class RequestQuerySchema(DateWindowSchema):
    """GET requests: the spec's filters."""

    service_request_id = CommaSeparated(
        load_default=list, validate=validate.Length(max=MAX_RESULTS)
    )
    service_code = CommaSeparated(load_default=list)
    status = CommaSeparated(load_default=list, validate=validate.ContainsOnly(("open", "closed")))

    @post_load
    def _loaded(self, data: dict, **_: object) -> RequestQuery:
        return RequestQuery(
            window=date_window(data.get("start_date"), data.get("end_date")),
            service_request_ids=tuple(data["service_request_id"]),
            service_codes=tuple(data["service_code"]),
            statuses=tuple(data["status"]),
        )
