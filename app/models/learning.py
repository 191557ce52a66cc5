"""What handlers teach the understanding: pairs of an item and a problem group they judged
(or that await their judgement as a suggestion), and items whose kind or sentiment they
corrected. ``routing train`` learns from both."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.feedback import Feedback
from app.models.ticket import Ticket
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class PairState:
    SUGGESTED = "suggested"  # "probably the same as problem N": waits for a handler
    JOINED = "joined"  # a handler joined the suggested group
    DISMISSED = "dismissed"  # a handler said it is another problem
    MERGED = "merged"  # the item's group was merged into this one
    SPLIT = "split"  # a handler took the item out of this group
    LINKED = "linked"  # a handler linked the item to this group's ticket

    SAME = frozenset({JOINED, MERGED, LINKED})
    APART = frozenset({DISMISSED, SPLIT})
    DECIDED = frozenset({JOINED, DISMISSED, MERGED, SPLIT, LINKED})


class ProblemPair(db.Model):
    """An item and a group, with the pair scorer's features as they were when it was judged
    (so retraining needs neither the text nor the group as it was)."""

    __tablename__ = "problem_pair"
    __table_args__ = (Index("ix_problem_pair_ticket_state", "ticket_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    features: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    feedback: Mapped[Feedback] = relationship()
    ticket: Mapped[Ticket] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def same(self) -> bool | None:
        """The label: None while only suggested."""
        return None if self.state == PairState.SUGGESTED else self.state in PairState.SAME


class ItemLabel(db.Model):
    """A handler's correction of an item's kind and sentiment: a labelled item."""

    __tablename__ = "item_label"

    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    sentiment: Mapped[str] = mapped_column(String(16))
    labelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    labelled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
