"""Insight: spike alerts, the daily roll-up of items, and the indexes the insight pages'
aggregates need."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
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
# Times to ticket and to resolution, and resolutions per period, concern the few items linked
# to a problem: partial indexes (migration 0016) that carry the filters' columns answer those
# figures without a scan of every item or a visit to the rows.
_FILTERED = ["eservice_id", "department_id", "channel"]
_linked = Feedback.ticket_id.is_not(None)
_resolved = Feedback.resolved_at.is_not(None)
# The id lets the on-time figures look up each linked item's history from the index alone.
for _name, _column, _carried, _condition in (
    ("ix_feedback_linked_received", Feedback.received_at, ["ticket_id", "id"], _linked),
    ("ix_feedback_resolved_received", Feedback.received_at, ["resolved_at"], _resolved),
    ("ix_feedback_linked_resolved", Feedback.resolved_at, ["ticket_id"], _linked),
):
    Index(
        _name,
        _column,
        postgresql_include=[*_carried, *_FILTERED],
        postgresql_where=_condition,
        sqlite_where=_condition,
    )


class FeedbackDay(db.Model):
    """How many items arrived on one local day (TIME_ZONE) per department, e-service and
    channel, and what the analysis made of them: the insight pages read a year from some
    tens of thousands of these rather than scanning a million items
    (app/services/rollups.py keeps them right)."""

    __tablename__ = "feedback_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    department_id: Mapped[int | None] = mapped_column(Integer)
    eservice_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(32))
    items: Mapped[int] = mapped_column(Integer)
    analysed: Mapped[int] = mapped_column(Integer)  # whether about digital services is known
    digital: Mapped[int] = mapped_column(Integer)
    # The sentiment of the items about digital services.
    negative: Mapped[int] = mapped_column(Integer)
    neutral: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)


class StaleFeedbackDay(db.Model):
    """A local day whose items changed since its FeedbackDay rows were counted: a mark per
    writer's flush, under a random key, so that writers of the same day never wait for each
    other (app/services/rollups.py)."""

    __tablename__ = "stale_feedback_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
