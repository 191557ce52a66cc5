"""Job entry points. Each is thin: it opens an app context and calls one service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from flask import Flask, has_app_context

from app import jobs


@lru_cache(maxsize=1)
def worker_app() -> Flask:
    from app import create_app

    return create_app()


@contextmanager
def _app_context() -> Iterator[None]:
    if has_app_context():  # inline mode: already inside the request's app
        yield
        return
    with worker_app().app_context():
        yield


def process_feedback(feedback_id: int) -> None:
    from app.services.failures import record_processing_failure
    from app.services.processing import process_feedback as process

    with _app_context():
        try:
            ticket_id = process(feedback_id)
        except Exception as error:
            record_processing_failure(feedback_id, error)
            raise
        if ticket_id is not None:
            jobs.enqueue("open_ticket", ticket_id)


def process_feedback_batch(feedback_ids: list[int]) -> None:
    """One job for a batch of imported items, so a large import does not flood the queue."""
    for feedback_id in feedback_ids:
        process_feedback(feedback_id)


def open_ticket(ticket_id: int) -> None:
    from app.services.tickets import open_ticket as open_

    with _app_context():
        retry_in = open_(ticket_id)
        if retry_in is not None:
            jobs.enqueue("open_ticket", ticket_id, delay=retry_in)


def deliver_notice(notice_id: int) -> None:
    from app.services.notices import deliver_notice as deliver

    with _app_context():
        retry_in = deliver(notice_id)
        if retry_in is not None:
            jobs.enqueue("deliver_notice", notice_id, delay=retry_in)


def deliver_notice_batch(notice_ids: list[int]) -> None:
    from app.services.notices import deliver_notices

    with _app_context():
        for notice_id, retry_in in deliver_notices(notice_ids).items():
            jobs.enqueue("deliver_notice", notice_id, delay=retry_in)


def review_followup(ticket_id: int) -> None:
    """A "no" answer came in: reopen the problem if its citizens now dispute the fix."""
    from app.services.followup import reopen_if_disputed

    with _app_context():
        reopen_if_disputed(ticket_id)


def tell_tracker_outcome(ticket_id: int) -> None:
    """A handler closed a problem without a fix: tell its tracker issue."""
    from app.services.outcomes import tell_tracker_outcome as tell

    with _app_context():
        tell(ticket_id)


def review_followups() -> None:
    from app.services.followup import review_followups as review

    with _app_context():
        review()


def run_call_import(import_id: int) -> None:
    from app.services.call_import import run_import

    with _app_context():
        run_import(import_id)


def reconcile() -> None:
    from app.services.reconcile import reconcile as reconcile_

    with _app_context():
        reconcile_()


def sync_tracker() -> None:
    from app.services.tickets import sync_from_tracker

    with _app_context():
        sync_from_tracker()


def push_affected_counts() -> None:
    from app.services.tickets import push_affected_counts as push

    with _app_context():
        push()


def train_router() -> None:
    from app.services.understanding import train_router as train

    with _app_context():
        train()


def apply_retention() -> None:
    from app.services.retention import apply_retention as apply

    with _app_context():
        apply()


def check_spikes() -> None:
    from app.services.spikes import check_spikes as check

    with _app_context():
        check()


def recount_insight_days() -> None:
    from app.services.rollups import recount_stale_days

    with _app_context():
        recount_stale_days()


def send_deadline_reminders() -> None:
    from app.services.deadlines import send_reminders

    with _app_context():
        send_reminders()


def poll_inbound_mail() -> None:
    from app.services.inbound_mail import poll_inbound_mail as poll

    with _app_context():
        poll()


def fetch_benchmarks() -> None:
    from app.services.benchmark.exchange import fetch_from_peers

    with _app_context():
        fetch_from_peers()
