"""Citizens' contact details: find a returning caller, record consent."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import ConsentChange, Contact, User
from app.models.types import utcnow

_NON_DIGITS = re.compile(r"[^\d]")


def normalise_phone(phone: str | None) -> str | None:
    """Digits with a leading + for international numbers, so two spellings of one number meet."""
    if not phone or not phone.strip():
        return None
    stripped = phone.strip()
    digits = _NON_DIGITS.sub("", stripped)
    if stripped.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


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
    email, phone = normalise_email(email), normalise_phone(phone)
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
