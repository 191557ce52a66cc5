"""Periodic runs of the embedded loop (app/embedded.py): one row per job of
workers/schedule.py, claimed by one process at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class PeriodicRun(db.Model):
    """When a periodic job is next due, and which process holds it until when: a process
    runs the job only after moving ``due_at`` on while no other holds the lease, so two
    processes never run one periodic job at once."""

    __tablename__ = "periodic_run"

    job: Mapped[str] = mapped_column(String(100), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    holder: Mapped[str | None] = mapped_column(String(100))
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
