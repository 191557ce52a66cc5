"""Insight: spike alerts, and the indexes the insight pages' aggregates need."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.catalog import Department, EService
from app.models.feedback import Feedback
from app.models.survey import SurveyResponse
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class SpikeAlert(db.Model):
    """Complaints about one e-service rose well above its baseline in one window
    (app/services/spikes.py). One row per e-service and window, so a re-run alerts once."""

    __table_args__ = (
        UniqueConstraint("eservice_id", "window_start", name="uq_spike_alert_window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    eservice_id: Mapped[int] = mapped_column(ForeignKey("eservice.id"), index=True)
    # The department alerted: the e-service's when the spike was found, should it move later.
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[float] = mapped_column(Float)  # mean negative items per window before
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # NULL until the department's e-mail is accepted; the next check retries.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    eservice: Mapped[EService] = relationship()
    department: Mapped[Department] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()


# The insight aggregates filter every table by a time range within one e-service or
# department; declared here (migration 0009) so the queries and their indexes live together.
Index("ix_feedback_eservice_received", Feedback.eservice_id, Feedback.received_at)
Index("ix_feedback_department_received", Feedback.department_id, Feedback.received_at)
Index("ix_feedback_resolved_at", Feedback.resolved_at)
Index(
    "ix_survey_response_eservice_received", SurveyResponse.eservice_id, SurveyResponse.received_at
)
