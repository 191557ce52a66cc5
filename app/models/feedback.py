"""A feedback item: one thing a citizen told the city, through one channel."""

from __future__ import annotations

import base64
import secrets
import time
from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.catalog import Department, EService
from app.models.contact import Contact
from app.models.types import UTCDateTime, utcnow

CHANNELS = ("agent_form", "api", "call_log", "web_form", "survey", "open311", "email")


class FeedbackStatus:
    RECEIVED = "received"  # stored, not yet analysed and routed
    TRIAGE = "triage"  # no department could be chosen with confidence
    FORWARDED = "forwarded"  # with its department (and ticket, when actionable)
    IN_DEVELOPMENT = "in_development"
    RESOLVED = "resolved"

    ALL = (RECEIVED, TRIAGE, FORWARDED, IN_DEVELOPMENT, RESOLVED)


class RoutingMethod:
    EXPLICIT = "explicit"  # the e-service was chosen by the agent or citizen
    RULE = "rule"
    MODEL = "model"
    HANDLER = "handler"
    # Too unsure to route (or routed unsurely), it joined an open problem of a likely
    # department (or e-service) and went where that problem is handled.
    PROBLEM = "problem"
    TRIAGE = "triage"


# Public ids and status tokens start with the time in milliseconds, then random bytes:
# unguessable, yet new values land at the end of their unique index instead of on a random
# page (much less write-ahead log during bulk imports).
_PUBLIC_ID_RANDOM, _STATUS_TOKEN_RANDOM = 10, 18  # 80 and 144 random bits


def _now_stamp() -> bytes:
    return (time.time_ns() // 1_000_000).to_bytes(6, "big")


def _public_id(stamp: bytes, randomness: bytes) -> str:
    return (stamp + randomness).hex()  # 32 hex characters


def _status_token(stamp: bytes, randomness: bytes) -> str:
    return base64.urlsafe_b64encode(stamp + randomness).decode()


def new_public_id() -> str:
    return _public_id(_now_stamp(), secrets.token_bytes(_PUBLIC_ID_RANDOM))


def new_status_token() -> str:
    return _status_token(_now_stamp(), secrets.token_bytes(_STATUS_TOKEN_RANDOM))


def new_item_ids(count: int) -> list[tuple[str, str]]:
    """A public id and a status token for each of ``count`` items, from one read of the
    system's randomness rather than two per item (bulk imports)."""
    stamp, size = _now_stamp(), _PUBLIC_ID_RANDOM + _STATUS_TOKEN_RANDOM
    randomness = secrets.token_bytes(size * count)
    return [
        (
            _public_id(stamp, randomness[start : start + _PUBLIC_ID_RANDOM]),
            _status_token(stamp, randomness[start + _PUBLIC_ID_RANDOM : start + size]),
        )
        for start in range(0, size * count, size)
    ]


class Feedback(db.Model):
    __table_args__ = (UniqueConstraint("channel", "source_ref", name="uq_feedback_channel_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    channel: Mapped[str] = mapped_column(String(32))
    source_ref: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)
    # Filled at intake, or by processing for bulk imports; None means "not yet redacted".
    redacted_text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    language_confidence: Mapped[float | None] = mapped_column(Float)
    sentiment: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(16))
    about_digital: Mapped[bool | None]
    # Indexed with received_at (app/models/insight.py), which serves look-ups by either alone.
    eservice_id: Mapped[int | None] = mapped_column(ForeignKey("eservice.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    routing_method: Mapped[str | None] = mapped_column(String(16))
    routing_confidence: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default=FeedbackStatus.RECEIVED, index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_status_token)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processing_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A handler's mark: one "no" from this citizen is enough to reopen the problem.
    key_case: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Where the problem is, when the channel tells (Open311, the public form).
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    media_url: Mapped[str | None] = mapped_column(String(1000))
    # Open311: every media URL sent (media_url is the first), the client's address id and
    # zipcode, and the values of the e-service's attributes.
    media_urls: Mapped[list | None] = mapped_column(JSON)
    address_id: Mapped[str | None] = mapped_column(String(200))
    zipcode: Mapped[str | None] = mapped_column(String(20))
    attributes: Mapped[dict | None] = mapped_column(JSON)

    eservice: Mapped[EService | None] = relationship()
    department: Mapped[Department | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship(back_populates="items")  # noqa: F821
    events: Mapped[list[FeedbackEvent]] = relationship(
        back_populates="feedback", order_by="FeedbackEvent.id", cascade="all, delete-orphan"
    )
    # Held by the item, so its analysis and its grouping read one vector (the session keeps
    # unreferenced rows only weakly, and would fetch it again).
    embedding: Mapped[ItemEmbedding | None] = relationship(  # noqa: F821
        cascade="all, delete-orphan", passive_deletes=True
    )


class FeedbackEvent(db.Model):
    """A change of an item's status: its history for staff, the status page and Open311."""

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(20))
    # Public wording only (shown to citizens and Open311 clients): never personal data.
    note: Mapped[str | None] = mapped_column(Text)

    feedback: Mapped[Feedback] = relationship(back_populates="events")
