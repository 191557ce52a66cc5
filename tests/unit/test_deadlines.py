"""Deadlines, without HTTP: targets, what is overdue, reminders and escalation once per
item or group and stage, and the on-time rates."""

from __future__ import annotations

import email
import email.policy
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import DeadlineReminder, DeadlineTarget, FeedbackStatus
from app.services.deadlines import (
    Targets,
    overdue_items,
    overdue_work,
    send_reminders,
    set_department_deadlines,
    set_eservice_deadlines,
)
from app.services.insight import InsightFilter, on_time_handling, on_time_resolution
from app.services.tickets import set_local_status
from tests.support.deadlines import HANDLING, START, admin, at, report, sent
from tests.support.factories import department, eservice


def test_an_item_is_overdue_once_its_target_has_passed(app):
    with at(timedelta(0)):
        item = report("late")
    with at(HANDLING - timedelta(minutes=1)):
        assert overdue_items(START + HANDLING - timedelta(minutes=1)) == []
    now = START + HANDLING + timedelta(hours=5)
    overdue = overdue_items(now)
    assert [entry.item.id for entry in overdue] == [item.id]
    assert overdue[0].overdue == pytest.approx(timedelta(hours=5), abs=timedelta(seconds=1))


def test_an_eservice_target_overrides_the_departments_which_overrides_the_default(app):
    actor = admin()
    with at(timedelta(0)):
        parking = report("parking")
        permit = report(
            "permit", "building-permit", "The building permit form loses my attachments."
        )
    set_department_deadlines(department("URB"), Targets(10, 5), None, None, actor)
    set_eservice_deadlines(department("URB"), eservice("parking-permit"), Targets(2, None), actor)
    due = {entry.item.id for entry in overdue_items(START + timedelta(hours=3))}
    assert due == {parking.id}
    due = {entry.item.id for entry in overdue_items(START + timedelta(hours=11))}
    assert due == {parking.id, permit.id}
    # The override sets no resolution target: the department's five days apply to both.
    now = START + timedelta(days=5, hours=1)
    assert len(overdue_work(actor, now).groups) == 2
    # Both empty removes the override: the department's ten hours apply again.
    set_eservice_deadlines(department("URB"), eservice("parking-permit"), Targets(), actor)
    assert overdue_items(START + timedelta(hours=3)) == []
    assert db.session.scalar(select(func.count()).select_from(DeadlineTarget)) == 1


def test_handled_items_drop_off_the_list_and_are_never_reminded(app):
    with at(timedelta(0)):
        handled = report("handled")
        waiting = report(
            "waiting", "building-permit", "The building permit form loses my attachments."
        )
    assert handled.ticket_id != waiting.ticket_id
    with at(HANDLING + timedelta(days=1)):
        assert {e.item.id for e in overdue_items(START + HANDLING + timedelta(days=1))} == {
            handled.id,
            waiting.id,
        }
        set_local_status(handled.ticket, "indeterminate")  # the team started on the problem
        assert handled.status == FeedbackStatus.IN_DEVELOPMENT
    with at(HANDLING + timedelta(days=2, hours=1)):
        assert [e.item.id for e in overdue_items(START + HANDLING + timedelta(days=2))] == [
            waiting.id
        ]
        assert send_reminders() == 1
    assert sent() == [("reminder", "feedback", waiting.id)]


def test_one_email_per_department_lists_all_its_overdue_work(app, tmp_path):
    with at(timedelta(0)):
        first = report("one")
        second = report("two", "building-permit", "The building permit form loses my attachments.")
        other = report("three", "library-account", "Library account login does not work.")
    with at(timedelta(days=33)):  # groups too: past thirty days and two more
        assert send_reminders() == 2
        assert send_reminders() == 0
    outbox = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in (tmp_path / "outbox").glob("*.eml")
    ]
    assert sorted(message["To"] for message in outbox) == ["cul@example.org", "urb@example.org"]
    urban = next(m for m in outbox if m["To"] == "urb@example.org").get_content()
    for entry in (first, second):
        assert entry.public_id in urban
        assert f"/staff/problems/{entry.ticket_id}" in urban
    assert other.public_id not in urban
    kinds = {(stage, kind) for stage, kind, _id in sent()}
    assert kinds == {("reminder", "feedback"), ("reminder", "ticket")}


def test_no_address_records_nothing_so_the_reminder_follows_once_one_is_set(app):
    urban = department("URB")
    urban.email = None
    db.session.commit()
    with at(timedelta(0)):
        item = report("nobody")
    with at(HANDLING + timedelta(days=8)):
        assert send_reminders() == 0  # no department address, no head
        assert sent() == []
        urban.email = "urb@example.org"
        db.session.commit()
        assert send_reminders() == 1
    assert sent() == [("reminder", "feedback", item.id)]


def test_a_reminder_another_worker_sent_meanwhile_is_not_sent_again(app, monkeypatch):
    """Two workers find the same overdue item; the one that records it second sends nothing."""
    from app.services import deadlines

    with at(timedelta(0)):
        item = report("race")
    found = deadlines._due

    def found_then_sent_by_another_worker(stage, *args):
        due = found(stage, *args)
        if stage != "reminder":
            return due
        with db.engine.begin() as other_worker:
            other_worker.execute(
                DeadlineReminder.__table__.insert().values(
                    subject_type="feedback",
                    subject_id=item.id,
                    stage="reminder",
                    department_id=item.department_id,
                    sent_to="urb@example.org",
                    sent_at=START,
                )
            )
        return due

    monkeypatch.setattr(deadlines, "_due", found_then_sent_by_another_worker)
    with at(HANDLING + timedelta(days=3)):
        assert send_reminders() == 0
    assert sent() == [("reminder", "feedback", item.id)]


def test_on_time_rates_per_department(app):
    actor = admin()
    set_department_deadlines(department("URB"), Targets(24, 10), None, None, actor)
    with at(timedelta(0)):
        quick = report("quick")
        late = report("late", "building-permit", "The building permit form loses my attachments.")
        report("pending", "street-maintenance", "Street maintenance map shows no streets.")
    with at(timedelta(hours=2)):
        set_local_status(quick.ticket, "done")  # handled and resolved within target
    with at(timedelta(days=2)):
        set_local_status(late.ticket, "indeterminate")  # handled a day late, not resolved
    filters = InsightFilter(date(2026, 3, 1), date(2026, 3, 31))
    with at(timedelta(days=3)):
        handling = {row.key: row for row in on_time_handling(filters, actor, "department")}
        resolution = {row.key: row for row in on_time_resolution(filters, actor, "department")}
    # Three items, all decided (past 24 hours): one on time.
    assert (handling["URB"].decided, handling["URB"].on_time) == (3, 1)
    # Groups: one resolved in time; two still inside their ten days are not decided.
    assert (resolution["URB"].decided, resolution["URB"].on_time) == (1, 1)
    with at(timedelta(days=11)):
        resolution = {row.key: row for row in on_time_resolution(filters, actor, "department")}
    assert (resolution["URB"].decided, resolution["URB"].on_time) == (3, 1)
    assert resolution["URB"].share == pytest.approx(1 / 3)
