"""Satisfaction surveys: versioned question frames, responses, and transaction counts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.catalog import Department, EService
from app.models.types import UTCDateTime, utcnow

COMMON_FRAME = "common"


class SurveyFrame(db.Model):
    """A set of questions. A change is a new version, so earlier answers keep their meaning."""

    __table_args__ = (UniqueConstraint("code", "version", name="uq_survey_frame_code_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    titles: Mapped[dict] = mapped_column(JSON, default=dict)  # per language
    # [{"key", "type": scale|choice|text, "options"?, "labels": {lang: text}, "required"}]
    questions: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()


class SurveyResponse(db.Model):
    __table_args__ = (UniqueConstraint("eservice_id", "client_ref", name="uq_survey_response_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    eservice_id: Mapped[int] = mapped_column(ForeignKey("eservice.id"), index=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("survey_frame.id"))
    # A reference from the e-service (e.g. its transaction id), so a resubmission is one answer.
    client_ref: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # The common frame's measures, as columns so the insight pages can aggregate them.
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # 1-5
    ease: Mapped[int | None] = mapped_column(Integer)  # 1-5
    task_done: Mapped[str | None] = mapped_column(String(8))  # yes | partly | no
    help_available: Mapped[str | None] = mapped_column(String(16))  # yes | no | not_needed
    understood: Mapped[int | None] = mapped_column(Integer)  # 1-5
    completed: Mapped[bool] = mapped_column(Boolean, default=True)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"))

    eservice: Mapped[EService] = relationship()
    frame: Mapped[SurveyFrame] = relationship()


class TransactionCount(db.Model):
    """How many transactions an e-service completed on a day, for response and completion rates."""

    __table_args__ = (UniqueConstraint("eservice_id", "day", name="uq_transaction_count_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    eservice_id: Mapped[int] = mapped_column(ForeignKey("eservice.id"))
    day: Mapped[date] = mapped_column(Date)
    started: Mapped[int | None] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer, default=0)
