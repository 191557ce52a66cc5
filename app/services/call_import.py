"""Importing contact-centre call logs: batched, idempotent, with a summary of every row.

Rows are written with bulk statements rather than one ORM object each, so a file of a
million calls imports in minutes; a repeated call id is "already known", never a
second item (invariant 2).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from sqlalchemy import insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from app import jobs
from app.extensions import db
from app.i18n import notice_language
from app.models import Contact, EService, Feedback, Notice, NoticeKind
from app.models.types import utcnow
from app.services.contacts import normalise_phone
from app.services.privacy import redact
from integrations.call_logs import CallLogMapping, CallRecord, RejectedRow

CHANNEL = "call_log"
BATCH_SIZE = 2000
REJECTIONS_KEPT = 10_000  # a summary line each; beyond that only the count grows


@dataclass
class ImportSummary:
    stored: int = 0
    known: int = 0
    skipped: int = 0
    rejected: int = 0
    rejections: list[RejectedRow] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.stored + self.known + self.skipped + self.rejected

    def reject(self, row: RejectedRow) -> None:
        self.rejected += 1
        if len(self.rejections) < REJECTIONS_KEPT:
            self.rejections.append(row)


def is_without_feedback(record: CallRecord, mapping: CallLogMapping) -> bool:
    """Calls that carry no feedback (a wrong number, a silent call), by the mapping's rule."""
    if record.wrap_up and record.wrap_up.upper() in mapping.skip_wrap_up_codes:
        return True
    return any(pattern.search(record.notes) for pattern in mapping.skip_notes_patterns)


def import_call_log(
    rows: Iterable[CallRecord | RejectedRow],
    mapping: CallLogMapping,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    summary = ImportSummary()
    eservices = {
        code: (eservice_id, department_id)
        for code, eservice_id, department_id in db.session.execute(
            select(EService.code, EService.id, EService.department_id)
        )
    }
    iterator = iter(rows)
    while batch := list(islice(iterator, batch_size)):
        records = []
        for row in batch:
            if isinstance(row, RejectedRow):
                summary.reject(row)
            elif row.eservice and row.eservice not in eservices:
                summary.reject(RejectedRow(row.line, f"unknown e-service {row.eservice!r}"))
            elif is_without_feedback(row, mapping):
                summary.skipped += 1
            else:
                records.append(row)
        if records:
            _store_batch(records, eservices, summary)
        if progress is not None:
            progress(summary)
    return summary


def _insert(model: type):  # noqa: ANN202  (a dialect's Insert)
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


def _store_batch(records: list[CallRecord], eservices: dict, summary: ImportSummary) -> None:
    contacts = _contacts_for(records)
    now = utcnow()
    values = []
    for record in records:
        eservice_id, department_id = eservices.get(record.eservice, (None, None))
        contact_id = contacts.get(_contact_key(record))
        values.append(
            {
                "public_id": uuid.uuid4().hex,
                "status_token": secrets.token_urlsafe(24),
                "channel": CHANNEL,
                "source_ref": record.call_id,
                "received_at": now,
                "occurred_at": record.occurred_at,
                "text": record.notes,
                "redacted_text": redact(record.notes, [record.name] if record.name else []),
                "language": record.language,
                "eservice_id": eservice_id,
                "contact_id": contact_id,
                "status": "received",
                "processing_attempts": 0,
            }
        )
    statement = (
        _insert(Feedback)
        .values(values)
        .on_conflict_do_nothing(index_elements=["channel", "source_ref"])
        .returning(Feedback.id, Feedback.contact_id)
    )
    stored = db.session.execute(statement).all()
    summary.stored += len(stored)
    summary.known += len(records) - len(stored)
    notice_ids = _queue_thank_yous(stored, now)
    db.session.commit()
    feedback_ids = [row.id for row in stored]
    if feedback_ids:
        jobs.enqueue("process_feedback_batch", feedback_ids)
    if notice_ids:
        jobs.enqueue("deliver_notice_batch", notice_ids)


def _contact_key(record: CallRecord) -> tuple[str | None, str | None] | None:
    phone = normalise_phone(record.phone)
    return (record.email, phone) if record.email or phone else None


def _contacts_for(records: list[CallRecord]) -> dict:
    """Contact ids by (email, phone): reuse the city's known contacts, add the new ones.

    Matching on the pair, not on either part, keeps two people who share a household
    phone apart; the agent form's look-up still finds a caller by either.
    """
    wanted = {}
    for record in records:
        key = _contact_key(record)
        if key is not None:
            wanted[key] = record  # the latest call's details win
    if not wanted:
        return {}
    found = {
        (email, phone): contact_id
        for contact_id, email, phone in db.session.execute(
            select(Contact.id, Contact.email, Contact.phone).where(
                tuple_(Contact.email, Contact.phone).in_(list(wanted)), Contact.erased_at.is_(None)
            )
        )
    }
    missing = [key for key in wanted if key not in found]
    if missing:
        now = utcnow()
        rows = db.session.execute(
            insert(Contact).returning(Contact.id, Contact.email, Contact.phone),
            [
                {
                    "email": email,
                    "phone": phone,
                    "name": wanted[(email, phone)].name,
                    "language": wanted[(email, phone)].language,
                    "consent": wanted[(email, phone)].consent,
                    "consent_at": now if wanted[(email, phone)].consent else None,
                    "consent_channel": CHANNEL if wanted[(email, phone)].consent else None,
                    "created_at": now,
                }
                for email, phone in missing
            ],
        )
        found.update({(email, phone): contact_id for contact_id, email, phone in rows})
    return found


def _queue_thank_yous(stored: list, now: datetime) -> list[int]:
    contact_ids = {row.contact_id for row in stored if row.contact_id}
    if not contact_ids:
        return []
    reachable = dict(
        db.session.execute(
            select(Contact.id, Contact.language).where(
                Contact.id.in_(contact_ids),
                Contact.consent.is_(True),
                Contact.email.is_not(None),
                Contact.erased_at.is_(None),
            )
        ).all()
    )
    values = [
        {
            "feedback_id": row.id,
            "kind": NoticeKind.THANK_YOU,
            "language": notice_language(reachable[row.contact_id]),
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for row in stored
        if row.contact_id in reachable
    ]
    if not values:
        return []
    return list(db.session.scalars(insert(Notice).returning(Notice.id), values))
