"""Mail that came back: citizens' replies to notices, automatic replies and bounces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.feedback import Feedback
from app.models.notice import Notice
from app.models.types import UTCDateTime, utcnow


class InboundKind:
    REPLY = "reply"  # the citizen's own words, stored redacted like any text
    AUTO_REPLY = "auto_reply"  # an out-of-office or other automatic answer: recorded only
    BOUNCE = "bounce"  # a delivery failure report about a notice
    IGNORED = "ignored"  # no valid reply address or thread: nothing of it is kept

    ALL = (REPLY, AUTO_REPLY, BOUNCE, IGNORED)


class InboundMessage(db.Model):
    """One message read from the reply mailbox, once: its Message-ID (or, without one, a
    digest of its bytes) is unique, so a mailbox read twice stores nothing twice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"), index=True)
    # The notice it answers or reports on, when known.
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A reply's words as the citizen wrote them (quotes and signature removed), and redacted.
    text: Mapped[str | None] = mapped_column(Text)
    redacted_text: Mapped[str | None] = mapped_column(Text)
    # A bounce's status and diagnostic ("5.1.1 user unknown"), redacted.
    detail: Mapped[str | None] = mapped_column(String(500))

    feedback: Mapped[Feedback | None] = relationship()
    notice: Mapped[Notice | None] = relationship()
