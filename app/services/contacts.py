"""Citizens' contact details: find a returning caller, record consent."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Contact
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


def record_contact(
    *,
    email: str | None,
    phone: str | None,
    name: str | None,
    language: str | None,
    consent: bool,
    channel: str,
) -> Contact | None:
    """Reuse a returning citizen's contact (updating what they told us now) or make one."""
    email, phone = normalise_email(email), normalise_phone(phone)
    name = name.strip() if name and name.strip() else None
    if not (email or phone or name):
        return None
    contact = find_contact(email=email, phone=phone) if (email or phone) else None
    if contact is None:
        contact = Contact()
        db.session.add(contact)
    contact.email = email or contact.email
    contact.phone = phone or contact.phone
    contact.name = name or contact.name
    contact.language = language or contact.language
    if consent and not contact.consent:
        contact.consent_at = utcnow()
        contact.consent_channel = channel
    contact.consent = consent
    return contact
