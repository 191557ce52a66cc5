"""Retention (GDPR art. 5(1)(e)): personal data is kept only as long as it serves the loop.

- A citizen's contact details are erased RETENTION_CONTACT_DAYS after the last of their
  items was resolved (the resolution notice has gone by then), or after they were recorded
  when no item of theirs is open.
  Their items' texts are anonymised with them.
- Every other feedback text is anonymised RETENTION_TEXT_MONTHS after it arrived.

Anonymised means the stored text is replaced by its redacted copy, so analysis, routing,
tickets and statistics keep working.

Run daily by the scheduler (workers/schedule.py); each run is one audit event with counts.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select

from app.extensions import db
from app.models import Contact, Feedback, FeedbackStatus
from app.models.types import utcnow
from app.services.audit import record
from app.services.subject_requests import anonymise_item, erase_contact, suppress_pending_notices

BATCH_SIZE = 500


@dataclass(frozen=True)
class RetentionReport:
    contacts_erased: int
    texts_anonymised: int
    notices_suppressed: int


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day when
    that month is shorter)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _contacts_due(cutoff: datetime) -> list[Contact]:
    still_needed = exists().where(
        Feedback.contact_id == Contact.id,
        or_(
            Feedback.status != FeedbackStatus.RESOLVED,
            Feedback.resolved_at.is_(None),
            Feedback.resolved_at >= cutoff,
        ),
    )
    query = (
        select(Contact)
        .where(Contact.erased_at.is_(None), Contact.created_at < cutoff, ~still_needed)
        .order_by(Contact.id)
        .limit(BATCH_SIZE)
    )
    return list(db.session.scalars(query))


def _texts_due(cutoff: datetime) -> list[Feedback]:
    not_yet = or_(Feedback.redacted_text.is_(None), Feedback.text != Feedback.redacted_text)
    query = (
        select(Feedback)
        .where(and_(Feedback.received_at < cutoff, not_yet))
        .order_by(Feedback.id)
        .limit(BATCH_SIZE)
    )
    return list(db.session.scalars(query))


def apply_retention(now: datetime | None = None) -> RetentionReport:
    """Erase and anonymise what is past its period, in batches (each committed), and record
    the run in the audit log."""
    now = now or utcnow()
    config = current_app.config
    contact_cutoff = now - timedelta(days=config["RETENTION_CONTACT_DAYS"])
    text_cutoff = months_before(now, config["RETENTION_TEXT_MONTHS"])

    contacts = texts = suppressed = 0
    while batch := _contacts_due(contact_cutoff):
        items = db.session.scalars(
            select(Feedback).where(Feedback.contact_id.in_([c.id for c in batch]))
        ).all()
        suppressed += suppress_pending_notices(items, "retention period over")
        # The texts go with the contact: once the details are gone, a name or number left
        # in the text is the last thing that identifies the caller.
        for item in items:
            anonymise_item(item, [])
        for contact in batch:
            erase_contact(contact)
        contacts, texts = contacts + len(batch), texts + len(items)
        db.session.commit()

    while batch := _texts_due(text_cutoff):
        for item in batch:
            anonymise_item(item, [])
        texts += len(batch)
        db.session.commit()

    report = RetentionReport(contacts, texts, suppressed)
    record(
        None,
        "retention.applied",
        "retention",
        contact_days=config["RETENTION_CONTACT_DAYS"],
        text_months=config["RETENTION_TEXT_MONTHS"],
        **asdict(report),
    )
    db.session.commit()
    return report
