"""The daily roll-up the insight pages read: always the figures of the committed items."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Feedback, FeedbackDay, StaleFeedbackDay
from app.models.types import utcnow
from app.services.accounts import create_user
from app.services.call_import import import_call_log
from app.services.insight import Count, InsightFilter, figures_by_eservice, volume_totals
from app.services.rollups import has_stale_days, local_day, recount_stale_days
from integrations.call_logs import CallLogMapping, read_call_log
from tests.support.items import eservice, item

MAY = InsightFilter(date(2024, 5, 1), date(2024, 5, 31), "Europe/Helsinki")


@pytest.fixture
def analyst(app):
    user = create_user("analyst@example.org", "analyst")
    db.session.commit()
    return user


def by_eservice(viewer) -> dict[str | None, int]:
    return {figures.key: figures.items for figures in figures_by_eservice(MAY, viewer)}


def test_every_change_to_an_item_reaches_the_figures(app, analyst):
    moved = item("2024-05-03 10:00")
    gone = item("2024-05-03 11:00")
    item("2024-05-20 21:30")  # 00:30 on 21 May in Helsinki
    db.session.commit()
    assert has_stale_days()
    assert by_eservice(analyst) == {"parking-permit": 3}
    assert not has_stale_days()  # the read counted them

    moved.eservice = eservice("library-account")  # a handler re-routes it
    moved.department_id = moved.eservice.department_id
    db.session.delete(gone)  # erased
    db.session.commit()
    assert by_eservice(analyst) == {"parking-permit": 1, "library-account": 1}
    days = set(db.session.scalars(select(FeedbackDay.day)))
    assert days == {date(2024, 5, 3), date(2024, 5, 21)}


def test_a_recount_in_the_workers_leaves_the_pages_nothing_to_do(app, analyst):
    item("2024-05-03 10:00", channel="call_log")
    db.session.commit()
    assert recount_stale_days() == 1
    assert not has_stale_days()
    assert volume_totals(MAY, analyst, "channel") == [Count("call_log", 1)]
    assert recount_stale_days() == 0


def test_a_bulk_call_import_marks_its_day(app, analyst, tmp_path):
    log = tmp_path / "calls.csv"
    log.write_text("call_id,started_at,notes\nc-1,2024-05-03T10:00:00+03:00,Lomake ei toimi\n")
    db.session.execute(delete(StaleFeedbackDay))
    db.session.commit()
    mapping = CallLogMapping.load("generic")
    import_call_log(read_call_log(log, mapping), mapping)
    assert has_stale_days()
    day = local_day(utcnow(), "Europe/Helsinki")  # the city's day, not the machine's
    assert volume_totals(InsightFilter(day, day, "Europe/Helsinki"), analyst, "channel") == [
        Count("call_log", 1)
    ]


@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_an_uncommitted_change_is_counted_after_its_commit_not_before(app, analyst):
    first = item("2024-05-03 10:00")
    db.session.commit()
    assert by_eservice(analyst) == {"parking-permit": 1}

    # Another process re-routes the item and has not committed yet: its mark of the day is
    # locked, so a recount now skips the day rather than counting it without the change.
    writer = Session(db.engine)
    other = writer.get(Feedback, first.id)
    other.eservice_id = eservice("library-account").id
    writer.flush()
    assert recount_stale_days() == 0
    assert by_eservice(analyst) == {"parking-permit": 1}
    writer.commit()
    writer.close()
    assert by_eservice(analyst) == {"library-account": 1}


def test_a_transaction_marks_a_day_once_however_often_it_flushes(app, analyst):
    db.session.execute(delete(StaleFeedbackDay))
    db.session.commit()
    item("2024-05-03 10:00")
    db.session.flush()
    item("2024-05-03 11:00")
    db.session.flush()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(StaleFeedbackDay)) == 1
    assert by_eservice(analyst) == {"parking-permit": 2}


@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_a_mark_rolled_back_with_a_savepoint_is_made_again(app, analyst):
    savepoint = db.session.begin_nested()
    item("2024-05-04 10:00")
    db.session.flush()  # marks 4 May inside the savepoint...
    savepoint.rollback()  # ...and the mark goes with it
    item("2024-05-04 11:00")
    db.session.commit()
    assert by_eservice(analyst) == {"parking-permit": 1}
