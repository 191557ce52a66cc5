"""Retention: contact details go RETENTION_CONTACT_DAYS after resolution, texts are anonymised
after RETENTION_TEXT_MONTHS; statistics stay and every run is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Contact, Feedback, FeedbackStatus
from app.services.retention import apply_retention, months_before
from tests.security.conftest import submit

NOW = datetime(2027, 6, 15, 12, 0, tzinfo=UTC)


def age(item: Feedback, days: int, resolved_days_ago: int | None = None) -> None:
    item.received_at = NOW - timedelta(days=days)
    item.contact.created_at = NOW - timedelta(days=days)
    if resolved_days_ago is not None:
        item.status = FeedbackStatus.RESOLVED
        item.resolved_at = NOW - timedelta(days=resolved_days_ago)


def statistics() -> list[tuple]:
    return list(
        db.session.execute(
            select(
                Feedback.id,
                Feedback.status,
                Feedback.sentiment,
                Feedback.department_id,
                Feedback.eservice_id,
                Feedback.ticket_id,
            ).order_by(Feedback.id)
        )
    )


def test_contact_details_go_after_the_period_following_resolution(app):
    app.config.update(RETENTION_CONTACT_DAYS=90, RETENTION_TEXT_MONTHS=24)
    done_long_ago = submit("library-account", "a", "old@example.fi")
    done_recently = submit("library-account", "b", "recent@example.fi")
    still_open = submit("parking-permit", "c", "open@example.fi")
    age(done_long_ago, 200, resolved_days_ago=91)
    age(done_recently, 200, resolved_days_ago=89)
    age(still_open, 200)
    db.session.commit()
    before = statistics()

    report = apply_retention(now=NOW)

    assert (report.contacts_erased, report.texts_anonymised) == (1, 1)
    erased = db.session.get(Contact, done_long_ago.contact_id)
    assert erased.erased_at is not None and erased.email is erased.phone is erased.name is None
    assert db.session.get(Contact, done_recently.contact_id).email == "recent@example.fi"
    assert db.session.get(Contact, still_open.contact_id).email == "open@example.fi"
    # The erased caller's words go with the details; the others' stay until their period.
    assert "Virtanen" not in done_long_ago.text and "040 123 4567" not in done_long_ago.text
    assert "Virtanen" in done_recently.text
    assert statistics() == before

    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "retention.applied")
    )
    assert event.actor_id is None and event.detail["contacts_erased"] == 1
    assert "old@example.fi" not in str(event.detail)


def test_texts_are_anonymised_after_the_months_and_only_once(app):
    app.config.update(RETENTION_CONTACT_DAYS=90, RETENTION_TEXT_MONTHS=24)
    old = submit("library-account", "old", "a@example.fi")
    young = submit("library-account", "young", "b@example.fi")
    age(old, 24 * 31)
    age(young, 23 * 30)
    db.session.commit()
    before = statistics()

    assert apply_retention(now=NOW).texts_anonymised == 1
    assert old.text == old.redacted_text and "[phone]" in old.text and "[name]" in old.text
    assert young.text != young.redacted_text
    assert old.contact.email == "a@example.fi"  # its item is not resolved: still needed
    assert statistics() == before
    assert apply_retention(now=NOW).texts_anonymised == 0
    runs = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "retention.applied")
    )
    assert runs == 2


def test_months_are_calendar_months():
    assert months_before(datetime(2027, 3, 31, tzinfo=UTC), 1) == datetime(2027, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2027, 1, 15, tzinfo=UTC), 24) == datetime(2025, 1, 15, tzinfo=UTC)


def test_the_scheduler_runs_retention_daily():
    from workers import jobs
    from workers.schedule import SCHEDULE

    assert ("workers.jobs.apply_retention", "scheduled", 24 * 3600) in SCHEDULE
    assert callable(jobs.apply_retention)


def test_the_job_applies_retention_in_its_app(app):
    from workers.jobs import apply_retention as job

    job()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1
