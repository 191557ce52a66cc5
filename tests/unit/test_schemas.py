"""The API's input schema: every bad field gets its own message."""

import pytest
from marshmallow import ValidationError

from app.schemas.feedback import FeedbackInSchema
from app.services.intake import ContactDetails, Submission


def load(body):
    return FeedbackInSchema().load(body)


def errors_of(body) -> dict:
    with pytest.raises(ValidationError) as raised:
        load(body)
    return raised.value.normalized_messages()


def test_minimal_body_makes_a_submission(app):
    submission = load({"text": "  The form is broken  "})
    assert submission == Submission(text="The form is broken", channel="api")


def test_contact_and_times_are_parsed(app):
    submission = load(
        {
            "text": "x",
            "channel": "call_log",
            "eservice": "school-transport",
            "occurred_at": "2026-11-20T09:15:00",
            "contact": {"email": "a@example.org", "consent": True, "language": "sv"},
        }
    )
    assert submission.occurred_at.tzinfo is not None
    assert submission.contact == ContactDetails(email="a@example.org", language="sv", consent=True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": "x", "channel": "pigeon"}, "channel"),
        # Issue 16: an API token naming "open311" published its item on the public list.
        ({"text": "x", "channel": "open311"}, "channel"),
        ({"text": "x", "channel": "web_form"}, "channel"),
        ({"text": "x", "channel": "survey"}, "channel"),
        ({"text": "x", "language": "de"}, "language"),
        ({"text": "x", "eservice": "no-such-service"}, "eservice"),
        ({"text": "x", "occurred_at": "yesterday"}, "occurred_at"),
        ({"text": "x", "source_ref": ""}, "source_ref"),
        ({"text": "x", "surprise": 1}, "surprise"),
        ({"text": 42}, "text"),
    ],
)
def test_bad_fields_are_named(app, body, field):
    assert field in errors_of(body)


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"consent": True}, "email"),
        ({"language": "xx"}, "language"),
        ({"consent": "perhaps"}, "consent"),
    ],
)
def test_bad_contact_fields_are_named(app, contact, field):
    assert field in errors_of({"text": "x", "contact": contact})["contact"]
