"""Open311 documents in the spec's two formats.

JSON follows the Spark convention the spec names: a list element becomes an array of its
items. XML is schemaless, without a namespace, with the spec's element names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element, tostring
from zoneinfo import ZoneInfo

from flask import Response, current_app

from app.models import CitizenUpdate, EService, EServiceAttribute, Feedback, FeedbackEvent
from app.services.notices import status_url
from app.services.open311 import (
    change_note,
    expected_at,
    published_status,
    status_notes,
    updated_at,
)

FORMATS = ("json", "xml")
_CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The element of each item of a list, by the list's element name.
_ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}
# When this interface last changed, for the discovery document.
CHANGESET = "2026-12-02T00:00:00Z"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


@dataclass(frozen=True)
class Audience:
    """Who reads a list: in which language, with which statuses (the spec's open and
    closed, or FixMyStreet's extended ones), and the resolution targets for
    ``expected_datetime``."""

    language: str
    extended: bool = False
    targets: dict | None = None


_XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry at all: a citizen's text may hold them, a parser refuses.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def w3c_time(value: datetime) -> str:
    """A stored UTC time in the municipality's time zone, with its offset (invariant 7)."""
    zone = ZoneInfo(current_app.config["TIME_ZONE"])
    return value.astimezone(zone).isoformat(timespec="seconds")


def service_document(eservice: EService, language: str) -> dict:
    name = eservice.name_in(language)
    return {
        "service_code": eservice.code,
        "service_name": name,
        # The catalog has no description of its own: the name, and where the service is.
        "description": f"{name}: {eservice.url}" if eservice.url else name,
        # Every definition has attributes: at least client_ref, the client's own reference.
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join((eservice.keywords or {}).get(language, [])),
        "group": eservice.department.name_in(language),
    }


def _attribute_document(attribute: EServiceAttribute, order: int) -> dict:
    return {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": None,
        "order": order,
        "description": attribute.description,
        "values": [{"key": v["key"], "name": v["name"]} for v in attribute.values],
    }


# Advertised in every definition, so clients learn how to make a retry safe.
_CLIENT_REF = {
    "variable": True,
    "code": "client_ref",
    "datatype": "string",
    "required": False,
    "datatype_description": "Up to 150 characters, unique per request from your key.",
    "description": (
        "Your own reference for this request: a retry with the same reference returns the "
        "stored request instead of making another (so does the Idempotency-Key header)."
    ),
    "values": [],
}


def definition_document(eservice: EService, attributes: list[EServiceAttribute]) -> dict:
    documents = [_attribute_document(a, order) for order, a in enumerate(attributes, start=1)]
    documents.append({**_CLIENT_REF, "order": len(documents) + 1})
    return {"service_code": eservice.code, "attributes": documents}


def discovery_document(base_url: str) -> dict:
    """The spec's discovery file: this endpoint, and the one with extended statuses."""
    formats = ["text/xml", "application/json"]
    return {
        "changeset": CHANGESET,
        "contact": f"{base_url}/",
        "key_service": "API keys are API tokens of the city's integration users.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base_url}/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": formats,
            },
            {
                "specification": SPECIFICATION,
                "url": f"{base_url}/open311/v2/extended",
                "changeset": CHANGESET,
                "type": "production",
                "formats": formats,
            },
        ],
    }


def created_document(item: Feedback) -> dict:
    """The submitter's answer, with the status link the citizen would get by e-mail."""
    notice = f"Received; it goes to the department responsible. Status: {status_url(item)}"
    return {"service_request_id": item.public_id, "service_notice": notice, "account_id": None}


def request_document(item: Feedback, audience: Audience) -> dict:
    """What the spec shows of a request, with no personal data: the redacted text only,
    no contact detail, no status link."""
    language = audience.language
    expected = expected_at(item, audience.targets) if audience.targets is not None else None
    return {
        "service_request_id": item.public_id,
        "status": published_status(item.status, item.ticket, audience.extended),
        "status_notes": status_notes(item),
        "service_name": item.eservice.name_in(language) if item.eservice else None,
        "service_code": item.eservice.code if item.eservice else None,
        "description": item.redacted_text,
        "agency_responsible": item.department.name_in(language) if item.department else None,
        "requested_datetime": w3c_time(item.received_at),
        "updated_datetime": w3c_time(updated_at(item)),
        "expected_datetime": w3c_time(expected) if expected else None,
        "address": item.address,
        "address_id": item.address_id,
        "zipcode": item.zipcode,
        "lat": item.latitude,
        "long": item.longitude,
        "media_url": item.media_url,
    }


def token_document(item: Feedback) -> dict:
    return {"service_request_id": item.public_id, "token": item.status_token}


def update_document(event: FeedbackEvent, extended: bool) -> dict:
    ticket = event.feedback.ticket
    return {
        "update_id": str(event.id),
        "service_request_id": event.feedback.public_id,
        "status": published_status(event.status, ticket, extended),
        "updated_datetime": w3c_time(event.at),
        "description": change_note(event.status, event.note, ticket),
        "media_url": None,
    }


def citizen_update_document(update: CitizenUpdate) -> dict:
    """The answer to a posted update. Its id is prefixed, so it never equals the id of a
    status change a client reads from the update list."""
    return {"update_id": f"c{update.id}", "service_request_id": update.feedback.public_id}


def _element(name: str, value: object) -> Element:
    element = Element(name)
    if isinstance(value, list):
        element.extend(_element(_ITEMS[name], item) for item in value)
    elif isinstance(value, dict):
        element.extend(_element(key, child) for key, child in value.items())
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("\ufffd", str(value))
    return element


def render(document: str, body: list | dict, fmt: str, status: int = 200) -> Response:
    """``body`` as the ``document`` element (XML) or as it is (JSON)."""
    if fmt == "xml":
        data = _XML_DECLARATION + tostring(_element(document, body), encoding="unicode")
    else:
        data = json.dumps(body, ensure_ascii=False)
    return Response(data.encode(), status=status, content_type=_CONTENT_TYPES[fmt])


def error_response(status: int, descriptions: list[str], fmt: str) -> Response:
    """The spec's errors: a list of {code, description}, the code being the HTTP status."""
    errors = [{"code": status, "description": text} for text in descriptions]
    return render("errors", errors, fmt, status)


def field_errors(messages: dict) -> list[str]:
    """One description per field, naming it: "lat: Must be between -90 and 90." """
    descriptions = []
    for field, field_messages in messages.items():
        text = " ".join(_flat(field_messages))
        descriptions.append(text if field == "_schema" else f"{field}: {text}")
    return descriptions


def _flat(messages: object) -> list[str]:
    """A field's messages; a list field's are by position ({0: [...]})."""
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flat(value)]
    if isinstance(messages, list):
        return [text for value in messages for text in _flat(value)]
    return [str(messages)]
