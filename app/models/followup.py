"""After a problem is closed: what its citizens answered to "Did this fix it for you?", and
the reopenings their answers caused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.feedback import Feedback
from app.models.types import UTCDateTime, utcnow


class FollowupAnswerValue:
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"

    ALL = (YES, NO, UNSURE)


class FollowupAnswer(db.Model):
    """One citizen's answer for one resolution round of their item's problem; a second answer
    for the same round replaces the first (the citizen changed their mind)."""

    __table_args__ = (
        UniqueConstraint("feedback_id", "round", name="uq_followup_answer_feedback_round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    # The problem group's resolution round the question was asked about (Ticket.round).
    round: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(String(8))
    # Redacted before it is stored: it goes into the tracker comment of a reopening.
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    feedback: Mapped[Feedback] = relationship()


class ProblemReopening(db.Model):
    """A problem group reopened because its citizens said the fix did not work.

    Committed with the reopening itself, before the tracker is told and the department
    e-mailed, so a failure there is retried from here and the reopening happens once per
    round (the unique round).
    """

    __table_args__ = (UniqueConstraint("ticket_id", "round", name="uq_problem_reopening_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    # The round whose resolution was disputed; the group continues in round + 1.
    round: Mapped[int] = mapped_column(Integer)
    no_answers: Mapped[int] = mapped_column(Integer)
    key_case: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    tracker_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    department_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship()  # noqa: F821
