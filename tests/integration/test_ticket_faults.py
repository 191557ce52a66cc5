"""Opening a ticket when Jira misbehaves: retried with back-off, never two issues (invariant 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import Ticket, TicketState
from app.models.types import utcnow
from app.services.reconcile import reconcile
from app.services.tickets import open_ticket
from tests.support.factories import submitted
from tests.support.jira_standin import JiraStandIn


@pytest.fixture
def jira(app):
    with JiraStandIn() as standin:
        app.config.update(JIRA_URL=standin.url, JIRA_USER="u", JIRA_API_TOKEN="t", JIRA_TIMEOUT=1)
        yield standin


@pytest.fixture
def delayed_jobs(monkeypatch):
    """Record retries instead of dropping them (inline mode has no timer)."""
    retries = []
    real = jobs.enqueue

    def enqueue(job, *args, delay=None):
        if delay:
            retries.append((job, args, delay))
            return
        real(job, *args)

    monkeypatch.setattr(jobs, "enqueue", enqueue)
    return retries


def submit(text="Building permit upload fails with error 413"):
    submitted(text, "building-permit")
    return db.session.scalars(select(Ticket)).one()


def test_rate_limited_create_waits_as_long_as_jira_asks(app, jira, delayed_jobs):
    jira.fail_next(status=429, retry_after=120, path_contains="/search")
    ticket = submit()
    assert ticket.state == TicketState.PENDING and "429" in ticket.last_error
    assert delayed_jobs == [("open_ticket", (ticket.id,), 120.0)]
    assert ticket.next_attempt_at > utcnow() + timedelta(seconds=110)

    app.config["RECONCILE_GRACE_SECONDS"] = 0
    assert reconcile().tickets == 0  # not due yet
    ticket.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert reconcile().tickets == 1
    db.session.refresh(ticket)
    assert ticket.state == TicketState.OPEN and ticket.key == "URB-1"
    assert jira.creates() == 1


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_back_off_exponentially(app, jira, delayed_jobs, status):
    jira.fail_next(count=3, status=status)
    ticket = submit()
    delays = [delayed_jobs[-1][2]]
    for _ in range(2):
        delays.append(open_ticket(ticket.id))
    assert delays == [30.0, 60.0, 120.0]
    assert open_ticket(ticket.id) is None
    db.session.refresh(ticket)
    assert ticket.state == TicketState.OPEN and ticket.create_attempts == 4
    assert jira.creates() == 1


def test_a_lost_create_answer_never_makes_a_second_issue(app, jira, delayed_jobs):
    jira.lose_next_create_response(hold=1.5)  # longer than JIRA_TIMEOUT
    ticket = submit()
    assert ticket.state == TicketState.PENDING and delayed_jobs
    assert open_ticket(ticket.id) is None  # the retry finds the issue by its label
    db.session.refresh(ticket)
    assert ticket.state == TicketState.OPEN and ticket.key == "URB-1"
    assert jira.creates() == 1 and len(jira.issues) == 1


def test_jira_down_leaves_the_item_forwarded_and_the_ticket_due(app, delayed_jobs):
    from tests.support.mail import free_port

    app.config.update(JIRA_URL=f"http://127.0.0.1:{free_port()}", JIRA_TIMEOUT=1)
    ticket = submit()
    assert ticket.state == TicketState.PENDING and "unreachable" in ticket.last_error
    assert ticket.items[0].status == "forwarded"
