"""A development ticket: one problem, however many citizens reported it.

A ticket is also the problem group its items belong to (app/services/grouping.py): it keeps a
running representative of its members, and exists before (or without) a tracker issue while
the group is held.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Select,
    String,
    Text,
    distinct,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db
from app.models.catalog import Department, EService
from app.models.contact import Contact, citizen_key_column
from app.models.feedback import Feedback
from app.models.types import UTCDateTime, utcnow


class TicketState:
    """Where civicloop is in opening the tracker issue (not the tracker's own status)."""

    HELD = "held"  # a problem group not (yet) worth a tracker issue: nothing is opened
    PENDING = "pending"  # intent recorded; the issue may or may not exist yet
    OPEN = "open"  # the tracker issue exists and is known by key
    GONE = "gone"  # deleted in the tracker
    MERGED = "merged"  # its items were moved into another group (``merged_into``): by a
    # handler, or by grouping when its one report joined the group of its problem


class TicketOutcome:
    """How a problem ended, told honestly to its citizens: only FIXED is a fix."""

    FIXED = "fixed"  # the tracker reported the issue done
    WONT_FIX = "wont_fix"
    NOT_OURS = "not_ours"  # another body is responsible (``responsible_body``)
    DUPLICATE = "duplicate"  # the same problem as another group (``duplicate_of``)
    NO_ACTION = "no_action"

    # Closed by a handler in civicloop, whatever the tracker's issue says.
    HONEST = (WONT_FIX, NOT_OURS, DUPLICATE, NO_ACTION)
    ALL = (FIXED, *HONEST)


def affected_citizens() -> ColumnElement[int]:
    """Citizens among the selected items (the query joins Contact, as ``affected_select``
    does): each person once however often they got in touch (``Contact.citizen_key``), and
    each item without a contact as one (nobody can tell two anonymous reports apart)."""
    return (
        func.count(distinct(citizen_key_column()))
        + func.count(Feedback.id)
        - func.count(Feedback.contact_id)
    )


def affected_select(ticket_id: ColumnElement[int] | int) -> Select:
    """The number of citizens behind a ticket's items."""
    return (
        select(affected_citizens())
        .select_from(Feedback)
        .outerjoin(Contact, Feedback.contact_id == Contact.id)
        .where(Feedback.ticket_id == ticket_id)
    )


def new_cluster_key() -> str:
    return uuid.uuid4().hex[:20]


class Ticket(db.Model):
    # Grouping looks up the open groups of one e-service (or department) for every item.
    __table_args__ = (Index("ix_ticket_scope", "eservice_id", "department_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tracker: Mapped[str] = mapped_column(String(16))
    # Stable key of the problem; also the label on the tracker issue (invariant 3).
    cluster_key: Mapped[str] = mapped_column(String(80), unique=True, default=new_cluster_key)
    state: Mapped[str] = mapped_column(String(16), default=TicketState.PENDING, index=True)
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str | None] = mapped_column(String(64))
    status_category: Mapped[str | None] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    eservice_id: Mapped[int | None] = mapped_column(ForeignKey("eservice.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written by the team for citizens: goes into resolution notices and "you said, we did".
    what_we_changed: Mapped[str | None] = mapped_column(Text)
    # How the problem ended (TicketOutcome; None while it is open), with the public words on
    # why for the honest outcomes, and whom or what they point at.
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_explanation: Mapped[str | None] = mapped_column(Text)
    responsible_body: Mapped[str | None] = mapped_column(String(200))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    # When the tracker issue was told of an honest outcome (commented on, moved to done):
    # NULL while that is still due (app/services/outcomes.py).
    outcome_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The handlers' words for citizens (what_we_changed, outcome_explanation), written in the
    # department's language, in other languages by field, then language:
    # {"what_we_changed": {"sv": "…"}} (app/services/translations.py).
    translations: Mapped[dict | None] = mapped_column(JSON, default=dict)
    # The resolution round: starts at 1, one more each time citizens' "no" answers reopen the
    # problem, so the next resolution is owed to them again (Notice.occasion).
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    tracker_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    create_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The group's representative: sums of its members' float32 vectors (embedding, character
    # n-grams), of their glossary terms, the error codes they quoted, how many members it sums
    # and how many of them are outages, and how many wrote in each language. NULL centroid:
    # not built yet; empty bytes: the group has no members left.
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary)
    ngram_profile: Mapped[bytes | None] = mapped_column(LargeBinary)
    term_profile: Mapped[dict] = mapped_column(JSON, default=dict)
    error_codes: Mapped[list] = mapped_column(JSON, default=list)
    profile_members: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    profile_outages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    profile_languages: Mapped[dict] = mapped_column(JSON, default=dict)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    # The affected count the tracker issue shows, and when a newer one is due there: pushes
    # are throttled to one per TRACKER_COUNT_SYNC_SECONDS per ticket.
    count_synced: Mapped[int | None] = mapped_column(Integer)
    count_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    department: Mapped[Department | None] = relationship()
    eservice: Mapped[EService | None] = relationship()
    # In arrival order on every database (PostgreSQL gives no order without one).
    items: Mapped[list[Feedback]] = relationship(back_populates="ticket", order_by="Feedback.id")
    merged_into: Mapped[Ticket | None] = relationship(
        remote_side=[id], foreign_keys=[merged_into_id]
    )
    duplicate_of: Mapped[Ticket | None] = relationship(
        remote_side=[id], foreign_keys=[duplicate_of_id]
    )

    # Derived, never stored, so it cannot drift from the linked items.
    affected_count: Mapped[int] = column_property(
        affected_select(id).scalar_subquery(),
        deferred=True,
    )


class ItemEmbedding(db.Model):
    """An item's embedding, computed once from its redacted text and kept for regrouping
    (merge, split, link) without embedding again. Its own table keeps feedback rows narrow."""

    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
