"""Time arithmetic in SQL that differs between PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Float, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.models.types import UTCDateTime


class SecondsBetween(FunctionElement):
    """``later - earlier`` in seconds, as a float."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(SecondsBetween, "postgresql")
def _seconds_postgresql(element: SecondsBetween, compiler: SQLCompiler, **kw: object) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


@compiles(SecondsBetween, "sqlite")
def _seconds_sqlite(element: SecondsBetween, compiler: SQLCompiler, **kw: object) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def seconds_since(moment: ColumnElement[datetime], now: datetime) -> ColumnElement[float]:
    """Seconds from the stored ``moment`` to ``now`` (a time given by the caller)."""
    return SecondsBetween(literal(now, UTCDateTime()), moment)
