"""The daily roll-up of items that the insight pages read (FeedbackDay).

Every change to an item marks its local day stale in the same transaction: a flush listener
for the ORM, ``mark_stale`` for bulk inserts. Stale days are counted again from the items by
the workers every minute and by any insight read that finds some left, so the figures are
always those of the committed items, however they changed (processing, re-routing,
erasure).

Each flush adds marks of its own (a random key per mark), so writers never wait for each
other. A recount removes only the marks it read, which were committed: a writer's mark
becomes visible with its change, and one committed after the recount began stays for the
next recount, so no change is left out.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, and_, case, delete, event, func, insert, literal, select
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db
from app.models import Feedback, FeedbackDay, StaleFeedbackDay
from app.models.types import utcnow
from app.services.rows import insert_with_conflicts

MARK_KEYS = 2**31  # a mark's random key: two flushes of one day never share a row
# pg_try_advisory_xact_lock key: one recount at a time, as two would both rewrite a day.
_RECOUNT_LOCK = 0x636C_6464  # "clrd"
_SENTIMENTS = ("negative", "neutral", "positive")


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet ``condition`` (0, not NULL, for none), on both databases."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def mark_stale(days: Iterable[date], session: Session | None = None) -> None:
    """Mark ``days`` to be counted again, in the transaction of ``session`` (the app's)."""
    session = session or db.session
    rows = [
        {"day": day, "shard": random.randrange(MARK_KEYS), "marked_at": utcnow()}
        for day in sorted(set(days))
    ]
    if not rows:
        return
    # A key already taken is a mark of the same day: this one is not needed then. Rows as
    # parameters, not values(), so the statement is compiled once per process.
    session.execute(insert_with_conflicts(StaleFeedbackDay, session).on_conflict_do_nothing(), rows)


def track_item_changes() -> None:
    """Mark the day of every item an ORM session inserts, changes or deletes (once per
    process, however many apps are made)."""
    if not event.contains(Session, "before_flush", _mark_changed_items):
        event.listen(Session, "before_flush", _mark_changed_items)
        event.listen(Session, "after_transaction_end", _forget_marked_days)


# The days a session's transaction has marked: its marks commit with all of its changes, so
# one per day is enough, however many times it flushes.
_MARKED = "feedback_days_marked"


def _mark_changed_items(session: Session, flush_context: object, instances: object) -> None:
    if not has_app_context():
        return
    zone = current_app.config["TIME_ZONE"]
    changed = (
        item
        for item in chain(session.new, session.dirty, session.deleted)
        if isinstance(item, Feedback)
    )
    # A new item gets its received_at at insert: now.
    marked = session.info.setdefault(_MARKED, set())
    days = {local_day(item.received_at or utcnow(), zone) for item in changed} - marked
    if days:
        mark_stale(days, session)
        marked.update(days)


def _forget_marked_days(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction or a savepoint (whose rollback takes its marks along) ended;
    # not a flush's own subtransaction.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_MARKED, None)


def _recount(day: date, zone: str) -> None:
    digital = Feedback.about_digital.is_(True)
    counts = (
        select(
            literal(day),
            Feedback.department_id,
            Feedback.eservice_id,
            Feedback.channel,
            func.count(),
            count_if(Feedback.about_digital.is_not(None)),
            count_if(digital),
            *(count_if(and_(digital, Feedback.sentiment == name)) for name in _SENTIMENTS),
        )
        .where(
            Feedback.received_at >= _midnight(day, zone),
            Feedback.received_at < _midnight(day + timedelta(days=1), zone),
        )
        .group_by(Feedback.department_id, Feedback.eservice_id, Feedback.channel)
    )
    db.session.execute(delete(FeedbackDay).where(FeedbackDay.day == day))
    columns = ["day", "department_id", "eservice_id", "channel", "items", "analysed", "digital"]
    db.session.execute(insert(FeedbackDay).from_select([*columns, *_SENTIMENTS], counts))


def recount_stale_days() -> int:
    """Count the stale days again; how many were counted (0 while another recount runs)."""
    if db.session.get_bind().dialect.name == "postgresql":
        if not db.session.scalar(select(func.pg_try_advisory_xact_lock(_RECOUNT_LOCK))):
            db.session.rollback()
            return 0
    marks = db.session.scalars(select(StaleFeedbackDay)).all()
    days = sorted({mark.day for mark in marks})
    zone = current_app.config["TIME_ZONE"]
    for day in days:
        _recount(day, zone)
    for mark in marks:
        db.session.delete(mark)
    db.session.commit()
    return len(days)


def has_stale_days() -> bool:
    return db.session.scalar(select(StaleFeedbackDay.day).limit(1)) is not None
