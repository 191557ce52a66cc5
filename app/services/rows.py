"""Insert a row a unique key may refuse, or find the one a concurrent writer stored first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.extensions import db

New = TypeVar("New")
Found = TypeVar("Found")


def insert_or_find(
    create: Callable[[], New], find: Callable[[], Found | None]
) -> tuple[New | Found, bool]:
    """Insert what ``create`` adds to the session (it returns the row to answer with):
    ``(row, True)``; or, when a unique key says it is there already (a concurrent writer
    stored it first), ``(find(), False)``. An IntegrityError that leaves nothing to find
    is raised.

    The insert is written in a savepoint, so a refused one undoes only what ``create``
    did: the caller's other pending changes stay (they are written before it, and an
    error in them is the caller's). Nothing is committed.
    """
    db.session.flush()
    _begin_for_savepoint()
    try:
        with db.session.begin_nested():
            row = create()
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found, False
    return row, True


def added(row: New) -> New:
    """``row``, added to the session: what a ``create`` of ``insert_or_find`` returns (added
    before the savepoint, it would be written outside it)."""
    db.session.add(row)
    return row


def insert_with_conflicts(model: type, session: Session) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into ``model``'s table that can say what a conflicting row does
    (``on_conflict_do_nothing``, ``on_conflict_do_update``), in the dialect of the
    database ``session`` writes to: both have ON CONFLICT, spelt by each dialect's own
    construct."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def _begin_for_savepoint() -> None:
    """pysqlite opens a transaction only before a write, and a SAVEPOINT that opens one
    commits at its release (SQLite's rule): open it first, so the caller's rollback still
    undoes the insert, as on PostgreSQL."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
