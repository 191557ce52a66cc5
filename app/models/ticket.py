"""A development ticket: one problem, however many citizens reported it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db
from app.models.catalog import Department, EService
from app.models.feedback import Feedback
from app.models.types import UTCDateTime, utcnow


class TicketState:
    """Where civicloop is in opening the tracker issue (not the tracker's own status)."""

    PENDING = "pending"  # intent recorded; the issue may or may not exist yet
    OPEN = "open"  # the tracker issue exists and is known by key
    GONE = "gone"  # deleted in the tracker


class Ticket(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    tracker: Mapped[str] = mapped_column(String(16))
    # Stable key of the problem; also the label on the tracker issue (invariant 3).
    cluster_key: Mapped[str] = mapped_column(String(80), unique=True)
    # What items about the same problem share; matched while the ticket is not done.
    signature: Mapped[str] = mapped_column(String(80), index=True)
    state: Mapped[str] = mapped_column(String(16), default=TicketState.PENDING, index=True)
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str | None] = mapped_column(String(64))
    status_category: Mapped[str | None] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    eservice_id: Mapped[int | None] = mapped_column(ForeignKey("eservice.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tracker_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    create_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)

    department: Mapped[Department | None] = relationship()
    eservice: Mapped[EService | None] = relationship()
    items: Mapped[list[Feedback]] = relationship(back_populates="ticket")

    # Derived, never stored, so it cannot drift from the linked items.
    affected_count: Mapped[int] = column_property(
        select(func.count(Feedback.id)).where(Feedback.ticket_id == id).scalar_subquery(),
        deferred=True,
    )
