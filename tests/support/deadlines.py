"""Deadline tests' city: complaints received at a chosen time (time travel, never sleeps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from app.extensions import db
from app.models import DeadlineReminder, Feedback, FeedbackStatus, User
from app.services.deadlines import Targets, set_department_deadlines
from tests.support.factories import department, staff_user, submitted

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday morning
# Defaults of app/config.py: 72 hours to first handling, 30 days to resolve, reminded when
# two days overdue, escalated when seven.
HANDLING = timedelta(hours=72)


def at(delta: timedelta) -> time_machine.travel:
    return time_machine.travel(START + delta, tick=False)


def report(ref: str, eservice: str = "parking-permit", text: str | None = None) -> Feedback:
    """A complaint, processed inline: routed, grouped, its ticket opened."""
    text = text or "The parking permit renewal fails at the payment step."
    item = submitted(text, eservice, source_ref=ref)
    assert item.status == FeedbackStatus.FORWARDED and item.ticket is not None
    return item


def admin() -> User:
    return staff_user("admin", "head-setter@example.org")


def name_head(code: str = "URB") -> None:
    set_department_deadlines(
        department(code), Targets(), "Helena Head", "helena.head@example.org", admin()
    )


def sent() -> list[tuple[str, str, int]]:
    return list(
        db.session.execute(
            select(
                DeadlineReminder.stage, DeadlineReminder.subject_type, DeadlineReminder.subject_id
            ).order_by(DeadlineReminder.id)
        )
    )
