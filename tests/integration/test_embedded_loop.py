"""The embedded default runs the whole loop by itself: SQLite, no Redis, nothing run by hand.

The loop's threads run for real; time-machine moves the clock past retries and periods
(the tests wait for what the threads commit, they never sleep through a period)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import click
import pytest
import time_machine
from sqlalchemy import select

from app import create_app
from app.embedded import (
    EmbeddedLoop,
    claim_periodic_run,
    release_periodic_run,
    serving,
    start_embedded_loop,
)
from app.extensions import db
from app.models import (
    Contact,
    Feedback,
    FeedbackStatus,
    Notice,
    NoticeKind,
    NoticeState,
    PeriodicRun,
    Ticket,
    TicketState,
)
from app.services.intake import ContactDetails, Submission, submit_feedback
from app.services.tickets import set_local_status
from tests.conftest import base_config, load_demo_catalog, migrate_fresh
from tests.support.deadlines import HANDLING, report, sent
from tests.support.factories import bearer, user_with_token
from tests.support.jira_standin import JiraStandIn
from tests.support.jobs import replace_job
from tests.support.mail import SmtpServer, free_port

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CONTACT = {"email": "liisa.virtanen@example.fi", "language": "fi", "consent": True}


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    """The embedded default's app: SQLite, no Redis, the built-in tracker, the .eml outbox.
    The daily retraining, due whenever a test moves the clock by days, is none of these
    tests' business and takes minutes on a busy machine: it does nothing here."""
    application = create_app(base_config(tmp_path))
    replace_job(monkeypatch, "train_router", lambda: None)
    migrate_fresh(application)
    load_demo_catalog(application)
    with application.app_context():
        yield application
        db.session.remove()


@contextmanager
def running(app, wait_for_models: bool = True) -> Iterator[EmbeddedLoop]:
    """The loop, started as when serving; its models loaded (once per test session: they
    are cached), so that no check below waits for a job loading them."""
    loop = start_embedded_loop(app, tick=0.05)
    assert not wait_for_models or loop.models_ready.wait(300)
    try:
        yield loop
    finally:
        loop.stop()
    assert not any(thread.is_alive() for thread in loop._threads)  # stopped cleanly


def eventually(check: Callable[[], object], timeout: float = 30.0) -> object:
    """What ``check`` returns once it is true, reading afresh what the loop committed."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        if result := check():
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not so after {timeout} s: {check.__doc__ or check}")
        time.sleep(0.05)


def scheduled(job: str) -> None:
    """Wait until the loop has taken up a periodic job (first due one period later)."""
    eventually(lambda: db.session.get(PeriodicRun, job))


def post_item(app, **overrides) -> dict:
    _, token = user_with_token()
    body = {
        "text": "Building permit upload fails with error 413",
        "channel": "api",
        "eservice": "building-permit",
        **overrides,
    }
    response = app.test_client().post("/api/v1/feedback", json=body, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored(item: dict) -> Feedback:
    return db.session.scalars(select(Feedback).where(Feedback.public_id == item["id"])).one()


def the_ticket() -> Ticket | None:
    return db.session.scalars(select(Ticket)).first()


def test_a_lost_tracker_create_is_recovered(embedded):
    with JiraStandIn() as jira, time_machine.travel(START, tick=True) as clock:
        embedded.config.update(JIRA_URL=jira.url, JIRA_USER="u", JIRA_API_TOKEN="t", JIRA_TIMEOUT=1)
        jira.lose_next_create_response(hold=1.5)  # longer than JIRA_TIMEOUT
        with running(embedded) as loop:
            item = post_item(embedded)
            # Answered before any work: the tracker's slowness is not the agent's.
            assert item["status"] == "received"
            eventually(lambda: (t := the_ticket()) and ("open_ticket", (t.id,)) in loop.queued())
            ticket = the_ticket()
            assert ticket.state == TicketState.PENDING and jira.creates() == 1
            clock.shift(timedelta(seconds=31))  # the retry's back-off: 30 s
            eventually(lambda: the_ticket().state == TicketState.OPEN)
    ticket = the_ticket()
    assert ticket.key == "URB-1" and jira.creates() == 1 and len(jira.issues) == 1
    assert stored(item).status == FeedbackStatus.FORWARDED


def test_a_failed_notice_is_retried_until_the_mail_server_is_back(embedded):
    port = free_port()  # nothing listens there yet
    embedded.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=1)

    def thank_you() -> Notice | None:
        return db.session.scalars(select(Notice).where(Notice.kind == NoticeKind.THANK_YOU)).first()

    with time_machine.travel(START, tick=True) as clock, running(embedded) as loop:
        post_item(embedded, source_ref="call-1", contact=CONTACT)

        def retried_after(attempts: int) -> timedelta:
            """Once the retry is queued: how long until it is due. (The reconciler may try
            it too once it is due, as in production: attempts are counted, not sends.)"""
            eventually(lambda: (n := thank_you()) is not None and n.attempts >= attempts)
            eventually(lambda: ("deliver_notice", (thank_you().id,)) in loop.queued())
            return thank_you().next_attempt_at - datetime.now(UTC) + timedelta(seconds=1)

        clock.shift(retried_after(1))
        back_off = retried_after(2)  # retried after the back-off; the server was still down
        with SmtpServer(port) as server:
            clock.shift(back_off)
            eventually(lambda: thank_you().state == NoticeState.SENT)
            (message,) = server.messages
    assert message["To"] == CONTACT["email"] and thank_you().attempts >= 3


def test_retention_is_applied(embedded):
    with time_machine.travel(START, tick=True) as clock:
        item = submit_feedback(  # before the loop starts: processed inline
            Submission(
                text="The library account login fails.",
                channel="api",
                eservice="library-account",
                contact=ContactDetails(**CONTACT),
            )
        ).feedback
        set_local_status(item.ticket, "done")  # a handler resolves the problem
        assert item.status == FeedbackStatus.RESOLVED
        contact_id = item.contact_id
        with running(embedded):
            scheduled("apply_retention")
            clock.shift(timedelta(days=91))  # RETENTION_CONTACT_DAYS after the resolution
            eventually(lambda: db.session.get(Contact, contact_id).erased_at is not None)
    assert db.session.get(Contact, contact_id).email is None


def test_a_deadline_reminder_is_sent(embedded):
    with time_machine.travel(START, tick=True) as clock:
        item = report("late")  # before the loop starts: processed inline
        with running(embedded):
            scheduled("send_deadline_reminders")
            assert sent() == []
            clock.shift(HANDLING + timedelta(days=2, hours=1))
            eventually(sent)
    assert sent() == [("reminder", "feedback", item.id)]


def test_two_processes_never_run_one_periodic_job_at_once(embedded):
    minute = timedelta(seconds=60)
    with time_machine.travel(START, tick=False) as clock:
        assert claim_periodic_run("reconcile", 60, "a") == START + minute  # first due then
        clock.shift(minute)
        assert claim_periodic_run("reconcile", 60, "a") is None
        assert claim_periodic_run("reconcile", 60, "b") == START + 2 * minute
        clock.shift(minute)
        # Due again, but "a" still runs it: "b" waits for the lease.
        assert claim_periodic_run("reconcile", 60, "b") is not None
        release_periodic_run("reconcile", "a")
        assert claim_periodic_run("reconcile", 60, "b") is None


def test_two_loops_on_one_database_run_a_periodic_job_once(embedded, monkeypatch):
    runs = []

    def reconcile() -> None:
        runs.append(threading.current_thread().name)
        time.sleep(0.3)

    replace_job(monkeypatch, "reconcile", reconcile)
    with time_machine.travel(START, tick=False) as clock, running(embedded) as first:
        second = EmbeddedLoop(embedded, threads=1, tick=0.05)  # as another process would
        second.start(load_models=False)
        scheduled("reconcile")
        clock.shift(timedelta(seconds=60))
        eventually(lambda: runs)
        time.sleep(0.5)  # both schedulers have looked several times meanwhile
        second.stop()
        assert first.holder != second.holder
    assert len(runs) == 1


def test_models_load_in_the_background_and_healthz_tells(embedded, monkeypatch):
    loaded = threading.Event()
    monkeypatch.setattr("app.embedded.load_models", lambda app: loaded.wait(30))
    client = embedded.test_client()
    with running(embedded, wait_for_models=False):
        assert client.get("/healthz").get_json()["models"] == "loading"
        item = post_item(embedded)  # taken at once; its processing waits for the models
        assert item["status"] == "received"
        loaded.set()
        eventually(lambda: client.get("/healthz").get_json()["models"] == "ready")
        eventually(lambda: stored(item).status != "received")
    assert client.get("/healthz").get_json()["queue"] == "inline"  # stopped


def test_the_loop_runs_when_serving_not_for_other_commands():
    assert serving()  # a WSGI server: no command
    with click.Context(click.Command("run"), info_name="run"):
        assert serving()
    with click.Context(click.Command("upgrade"), info_name="upgrade"):
        assert not serving()
