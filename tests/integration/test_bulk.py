"""Bulk inserts, look-ups of many keys and planner statistics, on both databases."""

from __future__ import annotations

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Contact
from app.models.types import utcnow
from app.services.bulk import PlannerStatistics, among, insert_rows, on_postgresql

COLUMNS = ("email", "phone", "consent", "created_at")


def add_contacts(count: int, start: int = 0) -> list[tuple]:
    now = utcnow()
    rows = [(f"c{n}@example.org", f"040{n:07d}", False, now) for n in range(start, start + count)]
    return insert_rows(Contact.__table__, COLUMNS, rows, ("id", "email"))


def test_insert_rows_returns_what_it_inserted_and_skips_conflicts(app):
    inserted = add_contacts(3)
    assert [email for _id, email in inserted] == [f"c{n}@example.org" for n in range(3)]
    assert db.session.scalar(select(func.count(Contact.id))) == 3
    assert insert_rows(Contact.__table__, COLUMNS, [], ("id",)) == []


def test_among_finds_thousands_of_values_and_only_those(app):
    add_contacts(3000)
    wanted = [f"c{n}@example.org" for n in range(0, 6000, 2)]  # half of them exist
    found = db.session.scalars(select(Contact.email).where(among(Contact.email, wanted))).all()
    assert sorted(found) == sorted(f"c{n}@example.org" for n in range(0, 3000, 2))
    assert db.session.scalars(select(Contact.id).where(among(Contact.email, []))).all() == []


def test_planner_statistics_are_read_again_as_the_table_doubles(app):
    def known_rows() -> float:
        return db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'contact'"))

    statistics = PlannerStatistics("contact")
    add_contacts(500)
    statistics.grew(500)  # below the first threshold: nothing read yet
    if on_postgresql():
        assert known_rows() in (-1, 0)
    add_contacts(700, start=500)
    statistics.grew(700)
    if on_postgresql():
        assert known_rows() == 1200
    add_contacts(1000, start=1200)
    statistics.grew(1000)  # 2,200 < 2 × 1,200: not yet
    if on_postgresql():
        assert known_rows() == 1200
    assert statistics.rows == 1200 and statistics.added == 1000
