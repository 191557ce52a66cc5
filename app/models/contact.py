"""A citizen's contact details, kept apart from what they said."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, ForeignKey, String, cast, func, literal
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Contact(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    # Digits only with a leading +, so "040 123 4567" and "+358401234567" meet.
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_channel: Mapped[str | None] = mapped_column(String(32))
    # Withdrawal is kept beside the consent it ends: the record of when we stopped may be
    # asked for as much as the record of when we were allowed.
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_withdrawn_channel: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The address bounced for good (a delivery status report): no notice is sent to it any
    # more; the reason is the report's status and diagnostic. A new address clears it.
    undeliverable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undeliverable_reason: Mapped[str | None] = mapped_column(String(500))

    @property
    def reachable(self) -> bool:
        """Whether a notice may be sent: consent given and a live address."""
        return self.consent and self.erased_at is None and bool(self.email)

    @property
    def citizen_key(self) -> str:
        """Who this is, for counting and telling people once: the address, else the phone
        number, else the record. Forms other than the agent's make a new contact each time
        (a known address proves nothing), so one person may have several records."""
        return self.email or self.phone or f"contact:{self.id}"


def citizen_key_column() -> ColumnElement[str]:
    """``Contact.citizen_key`` in SQL (the query must join Contact)."""
    return func.coalesce(
        Contact.email, Contact.phone, literal("contact:") + cast(Contact.id, String)
    )


class ConsentChange(db.Model):
    """Every change of a contact's consent, with when and through what: given on a form or
    a call ("public_form", "phone", "call_import" …), withdrawn by a staff member ("staff"),
    the notice's link ("unsubscribe") or erasure ("erasure")."""

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    consent: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship()
