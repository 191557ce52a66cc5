"""Bulk work for imports: inserting many rows at once, looking many keys up at once, and
reading the next batch while the database stores this one.

On PostgreSQL the rows are copied (COPY) into a temporary table and moved with one
INSERT … SELECT … ON CONFLICT DO NOTHING: a long multi-row VALUES statement spends most
of its time being parsed on the client. Elsewhere (SQLite) an executemany does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from queue import Full, Queue
from typing import TypeVar

from sqlalchemy import ColumnElement, String, Table, any_, bindparam, func, insert, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db

T = TypeVar("T")


def on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def insert_rows(
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple],
    returning: Sequence[str],
    *,
    skip_conflicts_on: Sequence[str] = (),
) -> list[tuple]:
    """Insert ``rows`` (tuples of ``columns``) and return ``returning`` of those inserted.

    With ``skip_conflicts_on`` a row whose unique key already exists is left out.
    """
    if not rows:
        return []
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return _copy_and_insert(connection, table, columns, rows, returning, skip_conflicts_on)
    statement = (sqlite.insert(table) if skip_conflicts_on else insert(table)).returning(
        *(table.c[name] for name in returning), sort_by_parameter_order=True
    )
    if skip_conflicts_on:
        statement = statement.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
    parameters = [dict(zip(columns, row, strict=True)) for row in rows]
    return [tuple(row) for row in connection.execute(statement, parameters)]


def _copy_and_insert(connection, table, columns, rows, returning, conflict) -> list[tuple]:  # noqa: ANN001
    stage = f"_import_{table.name}"
    names = ", ".join(f'"{name}"' for name in columns)
    raw = connection.connection.driver_connection  # psycopg, inside the session's transaction
    with raw.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
            f'SELECT {names} FROM "{table.name}" WITH NO DATA'
        )
        with cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        on_conflict = f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING" if conflict else ""
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM {stage}{on_conflict} '
            f"RETURNING {', '.join(returning)}"
        )
        inserted = cursor.fetchall()
        cursor.execute(f"TRUNCATE {stage}")
    return [tuple(row) for row in inserted]


def among(column: InstrumentedAttribute, values: Sequence[str]) -> ColumnElement[bool]:
    """``column IN values`` for thousands of one-line text values (keys, e-mail addresses).

    On PostgreSQL the values travel as one text parameter that the server splits into an
    array: an IN list of thousands of placeholders, or an array parameter, costs more to
    build and send than the index look-ups it asks for.
    """
    if on_postgresql():
        joined = "\n".join(values)
        return column == any_(func.string_to_array(bindparam(None, joined, String), "\n"))
    return column.in_(values)


class PlannerStatistics:
    """Has PostgreSQL re-read tables' statistics while a bulk load grows them.

    A load grows a table faster than autovacuum re-reads it. With statistics from when
    the table was empty, the planner takes ``email IS NULL`` for a rare condition and
    turns the import's own look-ups into full scans, slower with every batch. The
    statistics are re-read each time the tables have doubled, and only on PostgreSQL.
    """

    def __init__(self, *tables: str) -> None:
        self.tables = tables
        self.added = 0
        self.rows = 0
        if on_postgresql():
            counts = db.session.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = ANY(:tables)"),
                {"tables": list(tables)},
            ).scalars()
            self.rows = int(max(0, min(counts, default=0)))  # -1: never analysed

    def grew(self, rows: int) -> None:
        """``rows`` were added to the tables; re-read their statistics once they doubled."""
        self.added += rows
        if self.added < max(self.rows, 1000):
            return
        if on_postgresql():
            for table in self.tables:
                db.session.execute(text(f'ANALYZE "{table}"'))
            db.session.commit()  # ANALYZE holds a lock that would keep autovacuum waiting
        self.rows += self.added
        self.added = 0


def commit_without_waiting() -> None:
    """Let the current transaction's commit return before it reaches the disk (PostgreSQL).

    For imports: a batch lost with the machine is stored again when its file is run
    again, and the run's own end is an ordinary commit, which flushes the ones before."""
    if on_postgresql():
        db.session.execute(text("SET LOCAL synchronous_commit = off"))


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class _Raised:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = object()


def read_ahead(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Yield ``items`` while a thread produces the next ``depth`` of them.

    An import reads and parses its next batch while PostgreSQL stores the current one
    (psycopg lets go of the interpreter while it waits), instead of the two taking turns.
    An error in the producer is raised here, where the consumer can handle it.
    """
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as error:  # handed to the consumer, which re-raises it
            put(_Raised(error))
        else:
            put(_END)
        finally:
            close = getattr(items, "close", None)
            if close is not None and stop.is_set():
                close()

    producer = threading.Thread(target=produce, name="read-ahead", daemon=True)
    producer.start()
    try:
        # The producer always ends with _END or _Raised: only this side stops it early.
        while (item := queue.get()) is not _END:
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        stop.set()
        producer.join()
