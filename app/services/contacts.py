"""Citizens' contact details: find a returning caller, record consent."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from flask import current_app, has_app_context
from sqlalchemy import func, select

from app.extensions import db
from app.models import ConsentChange, Contact, User
from app.models.types import utcnow

_NON_DIGITS = re.compile(r"[^\d]")


# Where a citizen writing in a language most likely has a national number from, after the
# city's own country (PHONE_REGION): "070-123 45 67" is Swedish when it is no Finnish number.
LANGUAGE_REGIONS = {"fi": "FI", "sv": "SE", "da": "DK", "nb": "NO", "no": "NO", "en": "GB"}
DEFAULT_PHONE_REGION = "FI"


def _as_written_there(phone: str, number: phonenumbers.PhoneNumber, region: str) -> bool:
    """International, or national with the region's trunk prefix (if it has one)."""
    if number.country_code_source != phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY:
        return True
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = metadata.national_prefix if metadata else None
    return not prefix or _NON_DIGITS.sub("", phone).startswith(prefix)


def _home_region() -> str:
    if has_app_context():
        return current_app.config.get("PHONE_REGION") or DEFAULT_PHONE_REGION
    return DEFAULT_PHONE_REGION


def normalise_phone(phone: str | None, language: str | None = None) -> str | None:
    """E.164 ("+358401234567"), so "040 123 4567" and caller ID's "+358 40 123 4567" meet.

    A national number is read as the city's country's, else as that of the citizen's
    language; what no region makes a valid number is kept as its digits (with a leading +
    when it had one), so nothing a citizen gave is lost."""
    if not phone or not phone.strip():
        return None
    return _e164(phone.strip(), _home_region(), LANGUAGE_REGIONS.get(language or ""))


@lru_cache(maxsize=65536)  # call imports meet the same callers again and again
def _e164(phone: str, home: str, alternative: str | None) -> str:
    # "412 34 567" is a valid Finnish number only in theory: Finns write the trunk 0. A
    # number valid in a region but written without that region's trunk prefix is kept as
    # a last choice, after the other region's reading.
    fallback = None
    for region in dict.fromkeys(filter(None, (home, alternative))):
        try:
            number = phonenumbers.parse(phone, region, keep_raw_input=True)
        except phonenumbers.NumberParseException:
            break  # not a phone number in any region
        if not phonenumbers.is_valid_number(number):
            continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if _as_written_there(phone, number, region):
            return e164
        fallback = fallback or e164
    if fallback:
        return fallback
    digits = _NON_DIGITS.sub("", phone)
    if phone.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def phone_spellings(e164: str) -> set[str]:
    """Digit strings a text may hold the number as: international, with or without +, and
    national with its trunk prefix ("0401234567"), for a search of free text."""
    spellings = {e164, e164.lstrip("+")}
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return spellings - {""}
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    spellings.add(_NON_DIGITS.sub("", national))
    return spellings - {""}


def normalise_email(email: str | None) -> str | None:
    return email.strip().lower() if email and email.strip() else None


def find_contact(email: str | None = None, phone: str | None = None) -> Contact | None:
    """The most recent live contact with this e-mail or phone, for prefilling the agent form."""
    email, phone = normalise_email(email), normalise_phone(phone)
    if not email and not phone:
        return None
    query = select(Contact).where(Contact.erased_at.is_(None))
    if email:
        query = query.where(func.lower(Contact.email) == email)
    else:
        query = query.where(Contact.phone == phone)
    return db.session.scalars(query.order_by(Contact.id.desc()).limit(1)).first()


def change_consent(contact: Contact, consent: bool, source: str, actor: User | None = None) -> None:
    """Set the contact's consent and log the change (when it is one) with time and source."""
    if contact.consent == consent and contact.id is not None:
        return
    now = utcnow()
    if consent:
        contact.consent_at, contact.consent_channel = now, source
    elif contact.consent:
        contact.consent_withdrawn_at, contact.consent_withdrawn_channel = now, source
    contact.consent = consent
    if consent or contact.id is not None:
        db.session.add(
            ConsentChange(
                contact=contact,
                consent=consent,
                source=source,
                actor_id=actor.id if actor is not None else None,
                changed_at=now,
            )
        )


def record_contact(
    *,
    email: str | None,
    phone: str | None,
    name: str | None,
    language: str | None,
    consent: bool,
    channel: str,
    identified_by: User | None = None,
) -> Contact | None:
    """The contact for a new item.

    Knowing someone's e-mail address or phone number proves nothing: an anonymous form, an
    API client or an Open311 client that gives them gets a new contact record, so nobody
    can switch off another's consent, rename them or attach items to them. Only a staff
    member who identified the caller (``identified_by``) reuses the known contact and
    updates what the caller told now. The signed link in a notice is the citizen's own way.
    """
    email, phone = normalise_email(email), normalise_phone(phone, language)
    name = name.strip() if name and name.strip() else None
    if not (email or phone or name):
        return None
    contact = None
    if identified_by is not None and (email or phone):
        contact = find_contact(email=email, phone=phone)
    if contact is None:
        contact = Contact(consent=False)
        db.session.add(contact)
    contact.email = email or contact.email
    contact.phone = phone or contact.phone
    contact.name = name or contact.name
    contact.language = language or contact.language
    change_consent(contact, consent, channel, identified_by)
    return contact
