"""Importing contact-centre call logs: batched, idempotent, with a summary of every row.

Rows are written with bulk statements rather than one ORM object each, so a file of a
million calls imports in under a minute on PostgreSQL; a repeated call id is "already
known", never a second item (invariant 2). Redaction and analysis happen in processing,
which the import queues a batch at a time.

Each batch passes through two hands. A reading thread parses it, sorts out rejections and
skips, makes its rows ready and finds or adds its callers' contacts; the importing
session then stores its calls and thank-yous in one transaction. On PostgreSQL the two
work at once, in separate sessions (bench/results/call_import.md).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app
from sqlalchemy import delete, exists, select

from app import jobs
from app.extensions import db
from app.i18n import notice_language
from app.models import (
    CallImport,
    Contact,
    EService,
    Feedback,
    FeedbackStatus,
    ImportState,
    Notice,
    NoticeKind,
    User,
)
from app.models.feedback import new_item_ids
from app.models.types import utcnow
from app.services.bulk import (
    PlannerStatistics,
    among,
    batched,
    commit_without_waiting,
    insert_rows,
    on_postgresql,
    read_ahead,
)
from app.services.contacts import normalise_phone
from app.services.notices import dispatch_notices
from app.services.rollups import local_day, mark_stale
from integrations.call_logs import CallLogMapping, CallRecord, RejectedRow, read_call_log

CHANNEL = "call_log"
BATCH_SIZE = 5000
# Items per processing job: the workers share a batch's items, about half a minute's work each.
PROCESSING_JOB_SIZE = 1000
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
    eservices = dict(db.session.execute(select(EService.code, EService.id)).all())
    batches = _sorted_batches(rows, mapping, eservices, batch_size)
    if on_postgresql():
        # A thread reads the file and finds or adds each batch's callers, in a session of
        # its own, while this one stores the previous batch's calls: the two take turns
        # on neither the interpreter nor the database.
        batches = read_ahead(_with_callers(batches, current_app._get_current_object()))
    else:  # SQLite has one writer at a time
        batches = _with_callers(batches)
    unused_contacts: list[int] = []
    for batch in batches:
        for row in batch.rejected:
            summary.reject(row)
        summary.skipped += batch.skipped
        if batch.records:
            stored = _store_batch(batch)
            summary.stored += len(stored)
            summary.known += len(batch.records) - len(stored)
            unused_contacts += batch.added_contacts - {contact_id for _, contact_id in stored}
        if progress is not None:
            progress(summary)
    _drop_unused_contacts(unused_contacts)
    return summary


def _drop_unused_contacts(contact_ids: list[int]) -> None:
    """Contacts added for calls that turned out to be known already (a re-imported export,
    perhaps of callers erased since): no item needs them, so their details are not kept.
    Done once the reading thread is finished, which may have found them for a later call."""
    for chunk in batched(contact_ids, BATCH_SIZE):
        unused = ~exists().where(Feedback.contact_id == Contact.id)
        db.session.execute(delete(Contact).where(Contact.id.in_(chunk), unused))
        db.session.commit()


FEEDBACK_COLUMNS = (
    "public_id", "status_token", "channel", "source_ref", "received_at", "occurred_at", "text",
    "language", "eservice_id", "contact_id", "status", "processing_attempts",
)  # fmt: skip
_CONTACT_ID = FEEDBACK_COLUMNS.index("contact_id")


@dataclass
class _Batch:
    """Part of the file sorted into calls to store, rejections and skips, with the rows
    for the calls and their callers made ready: the reading thread does this while the
    previous batch is being stored."""

    received_at: datetime
    records: list[CallRecord] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)  # FEEDBACK_COLUMNS; the contact comes later
    contact_keys: list[str | None] = field(default_factory=list)
    contact_rows: list[tuple | None] = field(default_factory=list)  # CONTACT_COLUMNS
    contacts: dict[str, int] = field(default_factory=dict)  # ids by key, once found or added
    added_contacts: set[int] = field(default_factory=set)
    rejected: list[RejectedRow] = field(default_factory=list)
    skipped: int = 0


def _sorted_batches(
    rows: Iterable[CallRecord | RejectedRow],
    mapping: CallLogMapping,
    eservices: dict[str, int],
    batch_size: int,
) -> Iterator[_Batch]:
    for chunk in batched(rows, batch_size):
        batch = _Batch(received_at=utcnow())
        for row in chunk:
            if isinstance(row, RejectedRow):
                batch.rejected.append(row)
            elif row.eservice and row.eservice not in eservices:
                batch.rejected.append(RejectedRow(row.line, f"unknown e-service {row.eservice!r}"))
            elif is_without_feedback(row, mapping):
                batch.skipped += 1
            else:
                batch.records.append(row)
        now = batch.received_at
        ids = new_item_ids(len(batch.records))
        for record, (public_id, status_token) in zip(batch.records, ids, strict=True):
            batch.rows.append(
                [
                    public_id,
                    status_token,
                    CHANNEL,
                    record.call_id,
                    now,
                    record.occurred_at,
                    record.notes,
                    record.language,
                    eservices.get(record.eservice),
                    None,
                    FeedbackStatus.RECEIVED,
                    0,
                ]
            )
            phone = normalise_phone(record.phone, record.language)
            # Like the agent form's look-up: the e-mail when there is one, else the phone.
            key = record.email or phone
            batch.contact_keys.append(key)
            consent = record.consent
            batch.contact_rows.append(
                (
                    record.email,
                    phone,
                    record.name,
                    record.language,
                    consent,
                    now if consent else None,
                    CHANNEL if consent else None,
                    now,
                )
                if key
                else None
            )
        yield batch


def _store_batch(batch: _Batch) -> list[tuple[int, int | None]]:
    """Store a batch's calls that are new, in one transaction; returns their item and
    contact ids."""
    commit_without_waiting()
    stored = insert_rows(
        Feedback.__table__,
        FEEDBACK_COLUMNS,
        batch.rows,
        ("id", "contact_id"),
        skip_conflicts_on=("channel", "source_ref"),
    )
    if stored:  # a bulk insert passes no ORM flush, which marks other items' days
        mark_stale([local_day(batch.received_at, current_app.config["TIME_ZONE"])])
    notice_ids = _queue_thank_yous(batch, stored)
    db.session.commit()
    feedback_ids = [feedback_id for feedback_id, _ in stored]
    for start in range(0, len(feedback_ids), PROCESSING_JOB_SIZE):
        jobs.enqueue("process_feedback_batch", feedback_ids[start : start + PROCESSING_JOB_SIZE])
    if notice_ids:
        dispatch_notices(notice_ids)
    return stored


CONTACT_COLUMNS = (
    "email", "phone", "name", "language", "consent", "consent_at", "consent_channel",
    "created_at",
)  # fmt: skip


def _with_callers(batches: Iterable[_Batch], app: Flask | None = None) -> Iterator[_Batch]:
    """Each batch with its callers' contacts found or added and committed.

    With ``app``, in a session of its own (the reading thread's). Should the import stop
    before the batch's calls are stored, the contacts are found again on the next run.
    """
    with app.app_context() if app is not None else nullcontext():
        statistics = PlannerStatistics(Contact.__tablename__)
        for batch in batches:
            if batch.records:
                commit_without_waiting()
                added = _find_or_add_contacts(batch)
                db.session.commit()
                statistics.grew(added)
                for row, key in zip(batch.rows, batch.contact_keys, strict=True):
                    row[_CONTACT_ID] = batch.contacts.get(key)
            yield batch


def _find_or_add_contacts(batch: _Batch) -> int:
    """Fill the batch's contact ids by key: the city's known contacts, and new ones for the
    rest; returns how many were added."""
    # A caller's latest call in the batch gives a new contact's details.
    pairs = zip(batch.contact_keys, batch.contact_rows, strict=True)
    wanted = {key: row for key, row in pairs if key is not None}
    if not wanted:
        return 0
    emails = [key for key in wanted if "@" in key]
    phones = [key for key in wanted if "@" not in key]
    live = Contact.erased_at.is_(None)
    found = {}
    if emails:  # ordered, so that the most recent of several contacts wins, as in the form
        found.update(
            db.session.execute(
                select(Contact.email, Contact.id)
                .where(among(Contact.email, emails), live)
                .order_by(Contact.id)
            ).all()
        )
    if phones:
        found.update(
            db.session.execute(
                select(Contact.phone, Contact.id)
                .where(among(Contact.phone, phones), Contact.email.is_(None), live)
                .order_by(Contact.id)
            ).all()
        )
    missing = [row for key, row in wanted.items() if key not in found]
    inserted = insert_rows(Contact.__table__, CONTACT_COLUMNS, missing, ("id", "email", "phone"))
    found.update({email or phone: contact_id for contact_id, email, phone in inserted})
    batch.contacts = found
    batch.added_contacts = {contact_id for contact_id, _, _ in inserted}
    return len(inserted)


def _queue_thank_yous(batch: _Batch, stored: list[tuple[int, int | None]]) -> list[int]:
    """A thank-you for each stored call whose caller consented, in this call, to e-mail."""
    now = batch.received_at
    consented = {
        batch.contacts[record.email]: record.language
        for record in batch.records
        if record.consent and record.email and record.email in batch.contacts
    }
    rows = [
        (feedback_id, NoticeKind.THANK_YOU, notice_language(consented[contact_id]), "pending",
         0, now, now)
        for feedback_id, contact_id in stored
        if contact_id in consented
    ]  # fmt: skip
    inserted = insert_rows(Notice.__table__, NOTICE_COLUMNS, rows, ("id",))
    return [notice_id for (notice_id,) in inserted]


NOTICE_COLUMNS = (
    "feedback_id", "kind", "language", "state", "attempts", "next_attempt_at", "created_at",
)  # fmt: skip


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


def _fail(run: CallImport, reason: str) -> None:
    # The batches stored before the failure stay, and so do their counts (committed by
    # progress): the run says how far it came.
    db.session.rollback()
    run.state, run.error = ImportState.FAILED, reason[:2000]


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
        _fail(run, str(error))
    except Exception as error:  # noqa: BLE001 - a run must never stay "running" for ever
        current_app.logger.exception("call import %s stopped", run.id)
        _fail(run, f"the import stopped: {type(error).__name__}")
    else:
        progress(summary)
        run.state = ImportState.DONE
        run.rejections = [[row.line, row.reason] for row in summary.rejections[:REJECTIONS_SHOWN]]
    finally:
        Path(run.path).unlink(missing_ok=True)  # the export holds personal data: keep no copy
    run.finished_at = utcnow()
    db.session.commit()
