import pytest

from app.extensions import db
from app.services.contacts import find_contact, normalise_phone, record_contact


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("040 123 4567", "+358401234567"),
        ("+358 40 123 4567", "+358401234567"),
        ("00358-40-1234567", "+358401234567"),
        ("(09) 310 1691", "+35893101691"),
        ("+46 70-123 45 67", "+46701234567"),
        ("+45 20 12 34 56", "+4520123456"),
        ("+47 412 34 567", "+4741234567"),
        ("+44 7911 123456", "+447911123456"),
        ("12", "12"),  # no number anywhere: kept as its digits
        ("  ", None),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw, normal):
    assert normalise_phone(raw) == normal


@pytest.mark.parametrize(
    ("raw", "language", "normal"),
    [
        ("073-123 45 67", "sv", "+46731234567"),  # no Finnish number: a Swedish one
        ("412 34 567", "nb", "+4741234567"),
        ("412 34 567", "no", "+4741234567"),
        ("07911 123456", "en", "+447911123456"),
        ("040 123 4567", "sv", "+358401234567"),  # the city's country first
    ],
)
def test_a_national_number_is_read_in_the_citizens_country_when_not_the_citys(
    raw, language, normal
):
    assert normalise_phone(raw, language) == normal


def test_the_city_decides_whose_national_numbers_need_no_country_code(app):
    app.config["PHONE_REGION"] = "DK"
    assert normalise_phone("20 12 34 56") == "+4520123456"


def test_the_returning_caller_is_found_by_caller_id_in_international_form(app):
    stored = record_contact(
        email=None, phone="040 123 4567", name="Bo", language="fi", consent=False, channel="api"
    )
    db.session.commit()
    assert find_contact(phone="+358 40 123 4567") == stored
    assert find_contact(phone="00358401234567") == stored


def test_a_returning_caller_is_found_and_updated_by_the_agent_who_identified_them(app):
    from tests.support.factories import user_with_token

    agent, _ = user_with_token()
    first = record_contact(
        email="Anna@Example.org",
        phone="040 123 4567",
        name="Anna",
        language="sv",
        consent=True,
        channel="agent_form",
    )
    db.session.commit()
    assert first.consent_at is not None
    assert find_contact(email="anna@example.org") == first
    assert find_contact(phone="0401234567") == first
    again = record_contact(
        email=None,
        phone="+358 40 123 4567",
        name=None,
        language=None,
        consent=False,
        channel="agent_form",
        identified_by=agent,
    )
    assert again == first and again.name == "Anna" and again.consent is False


def test_a_known_number_from_an_unidentified_channel_makes_a_new_contact(app):
    first = record_contact(
        email=None, phone="040 123 4567", name="Anna", language="sv", consent=True, channel="api"
    )
    db.session.commit()
    other = record_contact(
        email=None, phone="040 123 4567", name=None, language=None, consent=False, channel="api"
    )
    assert other is not first and first.consent is True


def test_a_number_is_searched_in_free_text_as_people_write_it():
    from app.services.contacts import phone_spellings

    assert phone_spellings("+358401234567") == {"+358401234567", "358401234567", "0401234567"}
