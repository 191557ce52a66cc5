"""The notice outbox: every message civicloop owes a citizen (invariant 4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.feedback import Feedback
from app.models.types import UTCDateTime, utcnow


class NoticeKind:
    THANK_YOU = "thank_you"
    RESOLUTION = "resolution"
    UPDATE = "update"
    REPLY = "reply"  # a handler's own words (Notice.body), once per occasion "reply-<n>"
    FOLLOWUP = "followup"  # "Did this fix it for you?", FOLLOWUP_DELAY_DAYS after a fix


class NoticeState:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # given up, with the reason in last_error
    SUPPRESSED = "suppressed"  # no consent or no live contact any more


class Notice(db.Model):
    # Once per (item, kind, occasion): a replayed event finds the notice already owed. The
    # occasion tells apart notices of one kind that are rightly sent again, e.g. the
    # resolution of a reopened problem or a second reply; it is "" for the once-only ones.
    __table_args__ = (
        UniqueConstraint("feedback_id", "kind", "occasion", name="uq_notice_feedback_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"))
    kind: Mapped[str] = mapped_column(String(16))
    occasion: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Words written for this one citizen (a handler's reply); None for templated notices.
    body: Mapped[str | None] = mapped_column(Text)
    # The language the handler wrote ``body`` in: the citizen's (``language``) or, when they
    # wrote in their own, another, which the e-mail then marks. None: templated notices.
    body_language: Mapped[str | None] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default=NoticeState.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(200))

    feedback: Mapped[Feedback] = relationship()
