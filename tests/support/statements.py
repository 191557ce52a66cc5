"""The SQL statements an action sends: round trips are most of a worker's and an intake
request's time (bench/results/processing.md, bench/results/intake.md)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event

from app.extensions import db


def transactions(action: Callable[[], object]) -> list[list[str]]:
    """The statements ``action`` sends, each as its first words, one list per transaction
    (a commit ends one; what follows the last commit is the last list)."""
    engine = db.session.get_bind()
    sent: list[list[str]] = [[]]

    def before(conn, cursor, statement, *args: object) -> None:  # noqa: ANN001
        sent[-1].append(" ".join(statement.split()[:4]))

    def commit(conn) -> None:  # noqa: ANN001
        sent.append([])

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", commit)
    return sent
