"""Job entry points, each declared with the queue it goes to (app/jobs.py's ``@job``).

Each is thin: it calls one service, in the app context its runner gives it (the request's
or CLI command's inline, the embedded loop's, or the RQ worker's: workers/__main__.py).
Only those composition roots import this module; the services queue jobs by name.
"""

from __future__ import annotations

import app.services.reconcile as reconciliation
from app import jobs
from app.jobs import job
from app.services import (
    call_import,
    deadlines,
    failures,
    followup,
    grouping,
    inbound_mail,
    notices,
    outcomes,
    processing,
    retention,
    rollups,
    spikes,
    tickets,
    understanding,
)
from app.services.benchmark import exchange


@job("intake", keyed=True)
def process_feedback(feedback_id: int) -> None:
    try:
        processed = processing.process_feedback(feedback_id)
    except Exception as error:
        failures.record_processing_failure(feedback_id, error)
        raise
    # Items processed with this one: their own jobs would only find them done.
    jobs.withdraw("process_feedback", [(id_,) for id_ in processed.items if id_ != feedback_id])
    for ticket_id in processed.tickets_to_open:
        jobs.enqueue("open_ticket", ticket_id)


# A million-row import is processed in batches of this job; one batch may take long.
@job("intake", timeout=3600)
def process_feedback_batch(feedback_ids: list[int]) -> None:
    """One job for a batch of imported items, so a large import does not flood the queue."""
    for feedback_id in feedback_ids:
        process_feedback(feedback_id)


@job("tracker")
def open_ticket(ticket_id: int) -> None:
    retry_in = tickets.open_ticket(ticket_id)
    if retry_in is not None:
        jobs.enqueue("open_ticket", ticket_id, delay=retry_in)


@job("mail")
def deliver_notice(notice_id: int) -> None:
    retry_in = notices.deliver_notice(notice_id)
    if retry_in is not None:
        jobs.enqueue("deliver_notice", notice_id, delay=retry_in)


@job("mail")
def deliver_notice_batch(notice_ids: list[int]) -> None:
    for notice_id, retry_in in notices.deliver_notices(notice_ids).items():
        jobs.enqueue("deliver_notice", notice_id, delay=retry_in)


@job("tracker")
def review_followup(ticket_id: int) -> None:
    """A "no" answer came in: reopen the problem if its citizens now dispute the fix."""
    followup.reopen_if_disputed(ticket_id)


@job("tracker")
def tell_tracker_outcome(ticket_id: int) -> None:
    """A handler closed a problem without a fix: tell its tracker issue."""
    outcomes.tell_tracker_outcome(ticket_id)


# A million-row call log is read for minutes; everything else is short.
@job("scheduled", timeout=4 * 3600)
def run_call_import(import_id: int) -> None:
    call_import.run_import(import_id)


# The periodic jobs: workers/schedule.py says how often each runs.


@job("scheduled")
def review_followups() -> None:
    followup.review_followups()


@job("scheduled")
def reconcile() -> None:
    reconciliation.reconcile()


@job("scheduled")
def sync_tracker() -> None:
    tickets.sync_from_tracker()


@job("scheduled")
def push_affected_counts() -> None:
    tickets.push_affected_counts()


@job("scheduled")
def suggest_for_triage() -> None:
    grouping.suggest_for_triage()


@job("scheduled")
def train_router() -> None:
    understanding.train_router()


@job("scheduled")
def apply_retention() -> None:
    retention.apply_retention()


@job("scheduled")
def check_spikes() -> None:
    spikes.check_spikes()


@job("scheduled")
def recount_insight_days() -> None:
    rollups.recount_stale_days()


@job("scheduled")
def send_deadline_reminders() -> None:
    deadlines.send_reminders()


@job("scheduled")
def poll_inbound_mail() -> None:
    inbound_mail.poll_inbound_mail()


@job("scheduled")
def fetch_benchmarks() -> None:
    exchange.fetch_from_peers()
