"""The department inbox: the items a handler's departments have to deal with, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    EService,
    Feedback,
    FeedbackStatus,
    InboundKind,
    InboundMessage,
    Notice,
    NoticeKind,
    User,
)
from app.services.access import inbox_scope

PAGE_SIZE = 50
OPEN_STATUSES = tuple(status for status in FeedbackStatus.ALL if status != FeedbackStatus.RESOLVED)


@dataclass(frozen=True)
class InboxFilter:
    """What the handler asked to see; ``None`` leaves a filter out. Without a status, the
    inbox shows the items still open (everything but resolved)."""

    zone: str
    eservice: str | None = None  # code
    channel: str | None = None
    sentiment: str | None = None
    status: str | None = None
    first: date | None = None  # local days, both included
    last: date | None = None


@dataclass(frozen=True)
class InboxPage:
    items: list[Feedback]
    total: int
    page: int
    pages: int
    # The items on the page whose citizen wrote back since the last reply to them.
    new_replies: frozenset[int] = frozenset()


def awaiting_answer() -> ColumnElement[bool]:
    """The item has a reply from its citizen that no handler's reply came after.

    An uncorrelated IN: the replies are few beside the items, so the database hashes their
    item ids once instead of probing them for every item it counts."""
    answered = exists().where(
        Notice.feedback_id == InboundMessage.feedback_id,
        Notice.kind == NoticeKind.REPLY,
        Notice.created_at > InboundMessage.received_at,
    )
    waiting = select(InboundMessage.feedback_id).where(
        InboundMessage.kind == InboundKind.REPLY, ~answered
    )
    return Feedback.id.in_(waiting)


def _local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


def _conditions(viewer: User, filters: InboxFilter) -> list[ColumnElement[bool]]:
    conditions = [inbox_scope(viewer)]
    if filters.status is None:
        # A citizen writing back about a resolved item needs an answer all the same.
        conditions.append(or_(Feedback.status.in_(OPEN_STATUSES), awaiting_answer()))
    else:
        conditions.append(Feedback.status == filters.status)
    if filters.eservice is not None:
        conditions.append(
            Feedback.eservice_id
            == select(EService.id).where(EService.code == filters.eservice).scalar_subquery()
        )
    if filters.channel is not None:
        conditions.append(Feedback.channel == filters.channel)
    if filters.sentiment is not None:
        conditions.append(Feedback.sentiment == filters.sentiment)
    if filters.first is not None:
        conditions.append(Feedback.received_at >= _local_midnight(filters.first, filters.zone))
    if filters.last is not None:
        until = _local_midnight(filters.last + timedelta(days=1), filters.zone)
        conditions.append(Feedback.received_at < until)
    return conditions


def inbox(viewer: User, filters: InboxFilter, page: int = 1) -> InboxPage:
    """One page of the items in ``viewer``'s inbox that match ``filters``, newest first; a
    page past the end is the last page."""
    conditions = _conditions(viewer, filters)
    total = db.session.scalar(select(func.count(Feedback.id)).where(*conditions))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = db.session.scalars(
        select(Feedback)
        .where(*conditions)
        .options(selectinload(Feedback.eservice), selectinload(Feedback.department))
        .order_by(Feedback.received_at.desc(), Feedback.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    items = list(items)
    ids = [item.id for item in items]
    waiting = db.session.scalars(select(Feedback.id).where(Feedback.id.in_(ids), awaiting_answer()))
    return InboxPage(items, total, page, pages, frozenset(waiting))
