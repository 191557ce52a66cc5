"""Deadlines: a department's targets (per e-service where it overrides them), and the
reminders and escalations already sent about overdue work (app/services/deadlines.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.catalog import Department, EService
from app.models.types import UTCDateTime, utcnow


class DeadlineTarget(db.Model):
    """A department's targets (``eservice_id`` NULL) or one e-service's override of them. A
    NULL target inherits: from the department, then from the configured default."""

    __table_args__ = (
        UniqueConstraint("department_id", "eservice_id", name="uq_deadline_target_eservice"),
        # NULLs are distinct in a unique constraint: this one keeps one department-wide row.
        Index(
            "uq_deadline_target_department",
            "department_id",
            unique=True,
            sqlite_where=text("eservice_id IS NULL"),
            postgresql_where=text("eservice_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    eservice_id: Mapped[int | None] = mapped_column(ForeignKey("eservice.id"))
    first_handling_hours: Mapped[int | None] = mapped_column(Integer)
    resolution_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship()
    eservice: Mapped[EService | None] = relationship()


class ReminderStage:
    REMINDER = "reminder"  # to the department's address
    ESCALATION = "escalation"  # to the department's head

    ALL = (REMINDER, ESCALATION)


class DeadlineReminder(db.Model):
    """A reminder or escalation sent about one overdue item or problem group. The row is
    written in the transaction that sends the e-mail, so its unique key lets one worker
    send it, once, however often the check runs."""

    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "stage", name="uq_deadline_reminder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))  # "feedback" or "ticket"
    subject_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    sent_to: Mapped[str] = mapped_column(String(320))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
