"""The loop on real parts: PostgreSQL, Redis with a real RQ worker process, a real SMTP
server, and (for Jira) a stand-in Jira REST server driven through the real `jira` library."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Feedback, Notice, NoticeKind, NoticeState, Ticket
from tests.conftest import real_app_for
from tests.support.factories import bearer, user_with_token
from tests.support.web import post_form, sign_in
from tests.support.worker import WorkerProcess, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PERSONAL = ("Liisa", "Virtanen", "040 123 4567", "liisa.virtanen@example.fi")


@pytest.fixture
def loop(real_config, tmp_path):
    app = real_app_for(real_config)
    with app.app_context():
        with WorkerProcess(real_config, "--no-cron", log=tmp_path / "worker.log") as worker:
            yield app, worker
        db.session.remove()


def fresh(query):
    db.session.rollback()  # see what the worker committed
    return db.session.scalars(query)


def sent(kind: str) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count(Notice.id)).where(Notice.kind == kind, Notice.state == NoticeState.SENT)
    )


def test_loop_on_postgres_redis_worker_and_smtp(loop, smtp_server):
    app, worker = loop
    client = app.test_client()
    _, token = user_with_token()
    response = client.post(
        "/api/v1/feedback",
        json={
            "text": "Varhaiskasvatushakemus kaatuu liitteen kohdalla. Soita 040 123 4567.",
            "eservice": "daycare-application",
            "source_ref": "call-1",
            "contact": {
                "email": "liisa.virtanen@example.fi",
                "name": "Liisa Virtanen",
                "language": "fi",
                "consent": True,
            },
        },
        headers=bearer(token),
    )
    # Committed and answered before any work is done: the worker does the rest.
    assert response.status_code == 201, response.get_json()
    public_id = response.get_json()["id"]

    ticket = wait_until(
        lambda: fresh(select(Ticket).where(Ticket.key.is_not(None))).first(),
        what="the worker to open the ticket",
        worker=worker,
    )
    (thanks,) = smtp_server.wait_for(1)
    assert thanks["To"] == "liisa.virtanen@example.fi"
    assert thanks["Subject"] == "Kiitos palautteestasi"
    assert response.get_json()["status_url"] in thanks.get_body(("plain",)).get_content()

    from app.models import LocalIssue

    issue = fresh(select(LocalIssue)).one()
    for personal in PERSONAL:
        assert personal not in issue.summary + issue.description

    # A handler resolves it on the staff site; the worker sends one resolution notice.
    from app.services.accounts import create_user

    create_user("handler@example.org", "handler", "correct horse battery staple")
    db.session.commit()
    sign_in(client, "handler@example.org")
    url, page = f"/staff/tickets/{ticket.key}/status", f"/staff/tickets/{ticket.key}"
    assert post_form(client, url, {"category": "done"}, page).status_code == 302
    wait_until(lambda: sent(NoticeKind.RESOLUTION) == 1, what="the resolution notice")
    smtp_server.wait_for(2)
    item = fresh(select(Feedback).where(Feedback.public_id == public_id)).one()
    assert item.status == "resolved"

    # Resolving again after a reopen sends nothing new.
    post_form(client, url, {"category": "new"}, page)
    post_form(client, url, {"category": "done"}, page)
    client.get("/healthz")  # a round trip, giving the worker time to act on anything queued
    wait_until(lambda: fresh(select(Feedback)).one().status == "resolved", what="resolved")
    assert sent(NoticeKind.RESOLUTION) == 1
    assert len(smtp_server.messages) == 2
