"""Importing contact-centre call logs: batched, idempotent, with a summary of every row.

Rows are written with bulk statements rather than one ORM object each, so a file of a
million calls imports in minutes; a repeated call id is "already known", never a
second item (invariant 2). Redaction and analysis happen in processing, which the
import queues a batch at a time.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.i18n import notice_language
from app.models import (
    CallImport,
    Contact,
    EService,
    Feedback,
    ImportState,
    Notice,
    NoticeKind,
    User,
)
from app.models.feedback import new_public_id, new_status_token
from app.models.types import utcnow
from app.services.bulk import insert_rows
from app.services.contacts import normalise_phone
from app.services.rollups import local_day, mark_stale
from integrations.call_logs import CallLogMapping, CallRecord, RejectedRow, read_call_log

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


def _store_batch(records: list[CallRecord], eservices: dict, summary: ImportSummary) -> None:
    contacts = _contacts_for(records)
    now = utcnow()
    values = []
    for record in records:
        eservice_id, department_id = eservices.get(record.eservice, (None, None))
        contact_id = contacts.get(_contact_key(record))
        values.append(
            {
                "public_id": new_public_id(),
                "status_token": new_status_token(),
                "channel": CHANNEL,
                "source_ref": record.call_id,
                "received_at": now,
                "occurred_at": record.occurred_at,
                "text": record.notes,
                "language": record.language,
                "eservice_id": eservice_id,
                "contact_id": contact_id,
                "status": "received",
                "processing_attempts": 0,
            }
        )
    stored = insert_rows(
        Feedback.__table__,
        values,
        ("id", "contact_id"),
        skip_conflicts_on=("channel", "source_ref"),
    )
    summary.stored += len(stored)
    summary.known += len(records) - len(stored)
    if stored:  # a bulk insert passes no ORM flush, which marks other items' days
        mark_stale([local_day(now, current_app.config["TIME_ZONE"])])
    notice_ids = _queue_thank_yous(records, contacts, stored, now)
    db.session.commit()
    feedback_ids = [feedback_id for feedback_id, _ in stored]
    if feedback_ids:
        jobs.enqueue("process_feedback_batch", feedback_ids)
    if notice_ids:
        jobs.enqueue("deliver_notice_batch", notice_ids)


def _contact_key(record: CallRecord) -> str | None:
    """Like the agent form's look-up: the e-mail when there is one, else the phone."""
    return record.email or normalise_phone(record.phone)


def _contacts_for(records: list[CallRecord]) -> dict[str, int]:
    """Contact ids by key: reuse the city's known contacts, add the new ones."""
    wanted = {}
    for record in records:
        key = _contact_key(record)
        if key is not None:
            wanted[key] = record  # the latest call's details win
    if not wanted:
        return {}
    emails = [key for key in wanted if "@" in key]
    phones = [key for key in wanted if "@" not in key]
    live = Contact.erased_at.is_(None)
    found = dict(
        db.session.execute(
            select(Contact.email, Contact.id).where(Contact.email.in_(emails), live)
        ).all()
    )
    found.update(
        db.session.execute(
            select(Contact.phone, Contact.id).where(
                Contact.phone.in_(phones), Contact.email.is_(None), live
            )
        ).all()
    )
    missing = [key for key in wanted if key not in found]
    if missing:
        now = utcnow()
        values = []
        for key in missing:
            record = wanted[key]
            values.append(
                {
                    "email": record.email,
                    "phone": normalise_phone(record.phone),
                    "name": record.name,
                    "language": record.language,
                    "consent": record.consent,
                    "consent_at": now if record.consent else None,
                    "consent_channel": CHANNEL if record.consent else None,
                    "created_at": now,
                }
            )
        rows = insert_rows(Contact.__table__, values, ("id", "email", "phone"))
        found.update({email or phone: contact_id for contact_id, email, phone in rows})
    return found


def _queue_thank_yous(
    records: list[CallRecord],
    contacts: dict[str, int],
    stored: list[tuple[int, int | None]],
    now: datetime,
) -> list[int]:
    """A thank-you for each stored call whose caller consented, in this call, to e-mail."""
    consented = {
        contacts[record.email]: record.language
        for record in records
        if record.consent and record.email and record.email in contacts
    }
    values = [
        {
            "feedback_id": feedback_id,
            "kind": NoticeKind.THANK_YOU,
            "language": notice_language(consented[contact_id]),
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for feedback_id, contact_id in stored
        if contact_id in consented
    ]
    return [notice_id for (notice_id,) in insert_rows(Notice.__table__, values, ("id",))]


UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson")
REJECTIONS_SHOWN = 500


class UploadError(ValueError):
    pass


def start_import(upload: BinaryIO, filename: str, mapping_name: str, user: User) -> CallImport:
    """Keep the uploaded export under instance/ and queue its import; returns the run."""
    suffix = Path(filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError(
            f"not a call-log export: {filename} (expected {', '.join(UPLOAD_SUFFIXES)})"
        )
    CallLogMapping.load(mapping_name)  # a bad mapping fails now, not in the job
    directory = Path(current_app.instance_path) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as target:
        shutil.copyfileobj(upload, target, length=1 << 20)
    run = CallImport(
        filename=Path(filename).name[:255],
        path=str(path),
        mapping=mapping_name,
        size_bytes=path.stat().st_size,
        created_by=user.id,
    )
    db.session.add(run)
    db.session.commit()
    jobs.enqueue("run_call_import", run.id)
    return run


def run_import(import_id: int) -> None:
    """Run a queued import (or one whose worker died: re-running it is idempotent)."""
    run = db.session.scalars(
        select(CallImport).where(CallImport.id == import_id).with_for_update()
    ).first()
    if run is None or run.state not in (ImportState.QUEUED, ImportState.RUNNING):
        db.session.rollback()
        return
    run.state, run.updated_at = ImportState.RUNNING, utcnow()
    db.session.commit()

    def progress(summary: ImportSummary) -> None:
        run.rows, run.stored, run.known = summary.rows, summary.stored, summary.known
        run.skipped, run.rejected, run.updated_at = summary.skipped, summary.rejected, utcnow()
        db.session.commit()

    try:
        mapping = CallLogMapping.load(run.mapping)
        summary = import_call_log(read_call_log(run.path, mapping), mapping, progress=progress)
    except (ValueError, OSError) as error:  # the file does not fit the mapping, or is gone
        db.session.rollback()
        run.state, run.error = ImportState.FAILED, str(error)[:2000]
    else:
        progress(summary)
        run.state = ImportState.DONE
        run.rejections = [[row.line, row.reason] for row in summary.rejections[:REJECTIONS_SHOWN]]
        Path(run.path).unlink(missing_ok=True)  # the export holds personal data: keep no copy
    run.finished_at = utcnow()
    db.session.commit()
