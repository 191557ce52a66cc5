"""Open311's rules without HTTP: status mapping, date windows, input parsing, XML shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from marshmallow import ValidationError

from app.models import FeedbackStatus, Ticket, TicketOutcome
from app.open311.formats import field_errors, render
from app.schemas.open311 import (
    DateWindowSchema,
    RequestQuerySchema,
    ServiceRequestInSchema,
    ServiceRequestUpdateInSchema,
)
from app.services.open311 import (
    DateWindow,
    Location,
    NewServiceRequest,
    Page,
    RequestQuery,
    change_note,
    date_window,
    extended_status,
    open311_status,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_only_resolved_is_closed():
    assert {status: open311_status(status) for status in FeedbackStatus.ALL} == {
        "received": "open",
        "triage": "open",
        "forwarded": "open",
        "in_development": "open",
        "resolved": "closed",
    }


def test_the_default_window_is_90_days():
    days_90 = timedelta(days=90)
    assert date_window(None, None, now=NOW) == DateWindow(NOW - days_90, NOW)
    assert date_window(NOW, None) == DateWindow(NOW, NOW + days_90)
    assert date_window(None, NOW) == DateWindow(NOW - days_90, NOW)
    start = NOW - timedelta(days=3)
    assert date_window(start, NOW) == DateWindow(start, NOW)


def test_an_empty_optional_field_means_the_same_as_none():
    form = {"service_code": " daycare-application ", "description": " Lomake kaatuu \n"}
    empty = {"lat": "", "long": " ", "email": "", "phone": "", "first_name": "", "media_url": ""}
    expected = NewServiceRequest(service_code="daycare-application", description="Lomake kaatuu")
    assert ServiceRequestInSchema().load(form) == expected
    assert ServiceRequestInSchema().load({**form, **empty}) == expected


def test_a_full_request_is_parsed():
    loaded = ServiceRequestInSchema().load(
        {
            "service_code": "daycare-application",
            "description": "x",
            "lat": "60.17",
            "long": "24.94",
            "address_string": " Mannerheimintie 1 ",
            "media_url": "https://photos.example.org/1.jpg",
            "email": "a@example.org",
            "phone": "+358 40 123 4567",
            "first_name": "Liisa",
            "last_name": "Virtanen",
            "jurisdiction_id": "example.city",
            "attribute[colour]": "red",
            "Idempotency-Key": "k-1",
        }
    )
    assert loaded.location == Location(
        60.17, 24.94, "Mannerheimintie 1", media_urls=("https://photos.example.org/1.jpg",)
    )
    assert loaded.attributes == {}  # the view gathers attribute[code] fields
    assert (loaded.email, loaded.phone, loaded.name) == (
        "a@example.org",
        "+358 40 123 4567",
        "Liisa Virtanen",
    )
    assert loaded.client_ref == "k-1"


def test_the_same_reference_twice_is_one_reference():
    form = {"service_code": "s", "description": "x"}
    loaded = ServiceRequestInSchema().load(
        {**form, "attribute[client_ref]": "k-1", "Idempotency-Key": "k-1"}
    )
    assert loaded.client_ref == "k-1"


def test_query_lists_are_comma_separated():
    query = RequestQuerySchema().load(
        {"service_code": "a, b,,", "status": "open", "service_request_id": "x,y"}
    )
    assert isinstance(query, RequestQuery)
    assert (query.service_codes, query.statuses, query.service_request_ids) == (
        ("a", "b"),
        ("open",),
        ("x", "y"),
    )
    assert query.window.end - query.window.start == timedelta(days=90)


def test_dates_need_a_zone_and_an_encoded_plus_is_forgiven():
    window = DateWindowSchema().load({"start_date": "2026-01-01T00:00:00 02:00"}).window
    assert window.start == datetime(2025, 12, 31, 22, 0, tzinfo=UTC)
    with pytest.raises(ValidationError) as raised:
        DateWindowSchema().load({"start_date": "2026-01-01T00:00:00"})
    assert "time zone" in raised.value.normalized_messages()["start_date"][0]


def test_xml_uses_the_spec_element_names():
    definition = {
        "service_code": "DMV66",
        "attributes": [
            {"variable": True, "code": "WHISHETN", "required": False, "values": [{"key": 1}]}
        ],
    }
    root = ElementTree.fromstring(render("service_definition", definition, "xml").data)
    attribute = root.find("attributes/attribute")
    assert (attribute.findtext("variable"), attribute.findtext("required")) == ("true", "false")
    assert attribute.findtext("values/value/key") == "1"

    updates = [{"update_id": "1", "description": None}]
    root = ElementTree.fromstring(render("service_request_updates", updates, "xml").data)
    assert root.find("request_update/update_id").text == "1"
    assert root.find("request_update/description").text is None


def test_errors_name_their_field():
    assert field_errors({"lat": ["Too big.", "Not round."], "_schema": ["Bad."]}) == [
        "lat: Too big. Not round.",
        "Bad.",
    ]


def test_extended_statuses_follow_fixmystreet():
    def ticket(outcome=None):
        return Ticket(outcome=outcome, what_we_changed="Raised the size limit.")

    assert [extended_status(status, ticket()) for status in FeedbackStatus.ALL] == [
        "OPEN",
        "OPEN",
        "INVESTIGATING",
        "IN_PROGRESS",
        "FIXED",
    ]
    resolved = FeedbackStatus.RESOLVED
    assert {
        outcome: extended_status(resolved, ticket(outcome)) for outcome in TicketOutcome.ALL
    } == {
        "fixed": "FIXED",
        "wont_fix": "NO_FURTHER_ACTION",
        "not_ours": "NOT_COUNCILS_RESPONSIBILITY",
        "duplicate": "DUPLICATE",
        "no_action": "NO_FURTHER_ACTION",
    }
    assert extended_status(resolved, None) == "CLOSED"  # resolved outside a problem group


def test_a_closing_tells_the_outcome_or_what_changed():
    honest = Ticket(outcome="not_ours", outcome_explanation="Kela decides.")
    fixed = Ticket(outcome=None, what_we_changed="Raised the size limit.")
    resolved = FeedbackStatus.RESOLVED
    assert change_note(resolved, None, honest) == "Kela decides."
    assert change_note(resolved, None, fixed) == "Raised the size limit."
    assert change_note(resolved, "Own note", honest) == "Own note"
    assert change_note("forwarded", None, honest) is None


def test_an_update_is_parsed_as_fixmystreet_sends_it():
    form = {
        "service_request_id": " 01ab ",
        "update_id": "4711",
        "updated_datetime": "2026-12-01T10:15:00+02:00",
        "status": "not_councils_responsibility",
        "description": "Still broken",
        "first_name": "Liisa",
        "last_name": "-",
        "public_anonymity_required": "FALSE",
    }
    update = ServiceRequestUpdateInSchema().load(form)
    assert (update.service_request_id, update.client_update_id, update.status) == (
        "01ab",
        "4711",
        "NOT_COUNCILS_RESPONSIBILITY",
    )
    assert update.updated_at == datetime(2026, 12, 1, 8, 15, tzinfo=UTC)
    with pytest.raises(ValidationError) as raised:
        ServiceRequestUpdateInSchema().load({**form, "description": "", "status": "fixed?"})
    assert set(raised.value.normalized_messages()) == {"status", "description"}


def test_pages_start_where_the_last_ended():
    assert Page().bounds() == (0, 1000)
    assert Page(3, 50).bounds() == (100, 50)
