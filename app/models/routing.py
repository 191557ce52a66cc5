"""Routing rules staff can edit, and the classifiers trained on the city's own decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.catalog import EService
from app.models.types import UTCDateTime, utcnow


class RoutingRule(db.Model):
    """Phrases that send an item to an e-service (and so its department)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    eservice_id: Mapped[int] = mapped_column(ForeignKey("eservice.id"))
    language: Mapped[str | None] = mapped_column(String(8))  # None: any language
    phrases: Mapped[list] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=100)  # higher wins
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    eservice: Mapped[EService] = relationship()


class TrainedModel(db.Model):
    """A snapshot of the text classifiers; the newest is used by every process."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trained_on: Mapped[int] = mapped_column(Integer)  # labelled items
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    # The same-problem decision (PairScorer.to_dict); None: trained before there was one.
    pair_scorer: Mapped[dict | None] = mapped_column(JSON)
