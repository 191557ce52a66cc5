"""Work a lost job left behind is found again from database state (invariant 1)."""

from __future__ import annotations

from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import FeedbackStatus, NoticeState, Ticket, TicketState
from app.services.reconcile import reconcile
from tests.support.factories import consenting, only_item, only_notice, submitted


def test_reconciler_finishes_what_lost_jobs_left(app, monkeypatch):
    lost = []
    monkeypatch.setattr(jobs, "run_job", lambda job, *args: lost.append(job))
    submitted(
        "Parking permit payment fails",
        "parking-permit",
        contact=consenting("a@example.org", "en"),
    )
    assert sorted(lost) == ["deliver_notice", "process_feedback"]
    item = only_item()
    assert item.status == FeedbackStatus.RECEIVED

    app.config["RECONCILE_GRACE_SECONDS"] = 0
    monkeypatch.undo()
    report = reconcile()
    assert (report.feedback, report.notices) == (1, 1)
    db.session.expire_all()
    assert item.status == FeedbackStatus.FORWARDED
    assert only_notice().state == NoticeState.SENT
    assert db.session.scalars(select(Ticket)).one().state == TicketState.OPEN
    assert reconcile() == type(report)(0, 0, 0)


def test_fresh_work_is_left_to_its_own_job(app, monkeypatch):
    monkeypatch.setattr(jobs, "run_job", lambda job, *args: None)
    submitted("x", "parking-permit")
    assert reconcile().feedback == 0  # within the grace period its job may still be running
