import pytest

from app.extensions import db
from app.services.contacts import find_contact, normalise_phone, record_contact


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("040 123 4567", "0401234567"),
        ("+358 40 123 4567", "+358401234567"),
        ("00358-40-1234567", "+358401234567"),
        ("(09) 310 1691", "093101691"),
        ("  ", None),
    ],
)
def test_phone_numbers_are_normalised(raw, normal):
    assert normalise_phone(raw) == normal


def test_a_returning_caller_is_found_and_updated(app):
    first = record_contact(
        email="Anna@Example.org",
        phone="040 1",
        name="Anna",
        language="sv",
        consent=True,
        channel="agent_form",
    )
    db.session.commit()
    assert first.consent_at is not None
    assert find_contact(email="anna@example.org") == first
    assert find_contact(phone="0401") == first
    again = record_contact(
        email=None, phone="040 1", name=None, language=None, consent=False, channel="api"
    )
    assert again == first and again.name == "Anna" and again.consent is False
