"""Open311 documents in the spec's two formats.

JSON follows the Spark convention the spec names: a list element becomes an array of its
items. XML is schemaless, without a namespace, with the spec's element names.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from xml.etree.ElementTree import Element, tostring
from zoneinfo import ZoneInfo

from flask import Response, current_app

from app.models import EService, Feedback, FeedbackEvent
from app.services.notices import status_url
from app.services.open311 import open311_status, status_notes, updated_at

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
}
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
        "metadata": False,  # no e-service defines attributes
        "type": "realtime",
        "keywords": ", ".join((eservice.keywords or {}).get(language, [])),
        "group": eservice.department.name_in(language),
    }


def definition_document(eservice: EService) -> dict:
    return {"service_code": eservice.code, "attributes": []}


def created_document(item: Feedback) -> dict:
    """The submitter's answer, with the status link the citizen would get by e-mail."""
    notice = f"Received; it goes to the department responsible. Status: {status_url(item)}"
    return {"service_request_id": item.public_id, "service_notice": notice, "account_id": None}


def request_document(item: Feedback, language: str) -> dict:
    """What the spec shows of a request, with no personal data: the redacted text only,
    no contact detail, no status link."""
    return {
        "service_request_id": item.public_id,
        "status": open311_status(item.status),
        "status_notes": status_notes(item),
        "service_name": item.eservice.name_in(language) if item.eservice else None,
        "service_code": item.eservice.code if item.eservice else None,
        "description": item.redacted_text,
        "agency_responsible": item.department.name_in(language) if item.department else None,
        "requested_datetime": w3c_time(item.received_at),
        "updated_datetime": w3c_time(updated_at(item)),
        "address": item.address,
        "lat": item.latitude,
        "long": item.longitude,
        "media_url": item.media_url,
    }


def token_document(item: Feedback) -> dict:
    return {"service_request_id": item.public_id, "token": item.status_token}


def update_document(event: FeedbackEvent) -> dict:
    return {
        "update_id": str(event.id),
        "service_request_id": event.feedback.public_id,
        "status": open311_status(event.status),
        "updated_datetime": w3c_time(event.at),
        "description": event.note,
    }


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
        text = " ".join(field_messages) if isinstance(field_messages, list) else field_messages
        descriptions.append(text if field == "_schema" else f"{field}: {text}")
    return descriptions
