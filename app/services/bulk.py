"""Inserting many rows at once, for imports.

On PostgreSQL the rows are copied (COPY) into a temporary table and moved with one
INSERT … SELECT … ON CONFLICT DO NOTHING: a long multi-row VALUES statement spends most
of its time being parsed on the client. Elsewhere (SQLite) an executemany does.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, insert
from sqlalchemy.dialects import sqlite

from app.extensions import db


def insert_rows(
    table: Table,
    rows: Sequence[dict],
    returning: Sequence[str],
    *,
    skip_conflicts_on: Sequence[str] = (),
) -> list[tuple]:
    """Insert ``rows`` (all with the same keys) and return ``returning`` of those inserted.

    With ``skip_conflicts_on`` a row whose unique key already exists is left out.
    """
    if not rows:
        return []
    columns = list(rows[0])
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return _copy_and_insert(connection, table, columns, rows, returning, skip_conflicts_on)
    statement = (sqlite.insert(table) if skip_conflicts_on else insert(table)).returning(
        *(table.c[name] for name in returning), sort_by_parameter_order=True
    )
    if skip_conflicts_on:
        statement = statement.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
    return [tuple(row) for row in connection.execute(statement, list(rows))]


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
                copy.write_row([row[name] for name in columns])
        on_conflict = f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING" if conflict else ""
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM {stage}{on_conflict} '
            f"RETURNING {', '.join(returning)}"
        )
        inserted = cursor.fetchall()
        cursor.execute(f"TRUNCATE {stage}")
    return [tuple(row) for row in inserted]
