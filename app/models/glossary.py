"""The city's additions to the glossary of a service's parts, edited on the staff site."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class GlossaryEntry(db.Model):
    """Words that name one part of an e-service (log-in, attachment, map …) in one language,
    beside the shipped glossary's (app/services/analysis/problems.py): grouping compares the
    parts two reports name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    part: Mapped[str] = mapped_column(String(40))  # one of problems.TERMS
    language: Mapped[str] = mapped_column(String(8))
    words: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
