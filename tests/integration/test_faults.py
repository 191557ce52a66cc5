"""Parts fail, nothing is lost: Redis down while items arrive, PostgreSQL gone under
requests, a worker killed with SIGKILL in the middle of a job. On real parts; the outages
are real lost connections through a proxy, so the shared servers are never touched."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Feedback, FeedbackEvent, Notice, NoticeState
from app.services.reconcile import reconcile
from tests.conftest import real_app_for
from tests.support.factories import bearer, only_notice, user_with_token
from tests.support.proxy import TcpProxy
from tests.support.web import csrf_token
from tests.support.worker import WorkerProcess, committed, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def through(proxy: TcpProxy, url: str) -> str:
    """``url`` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    address = f"127.0.0.1:{proxy.port}"
    return urlunsplit(
        parts._replace(netloc=f"{netloc[0]}@{address}" if len(netloc) == 2 else address)
    )


def upstream(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port


def submit(client, token: str, n: int, **extra):
    body = {"text": f"Bygglovsansökan går inte att skicka ({n}).", "source_ref": f"r{n}", **extra}
    return client.post("/api/v1/feedback", json=body, headers=bearer(token))


def behind_redis_proxy(real_config: dict, redis_proxy: TcpProxy, redis_url: str) -> dict:
    """Settings whose Redis (queues and rate limits) goes through ``redis_proxy``, with
    stored items due for the reconciler at once."""
    return {
        **real_config,
        "REDIS_URL": through(redis_proxy, redis_url),
        "RATELIMIT_STORAGE_URI": through(redis_proxy, redis_url),
        "RECONCILE_GRACE_SECONDS": 0,
    }


@contextmanager
def api_behind_redis_proxy(
    real_config: dict, redis_url: str
) -> Iterator[tuple[dict, FlaskClient, str, TcpProxy]]:
    """Settings, an API client and its token, with Redis reached through a proxy to cut."""
    with TcpProxy(*upstream(redis_url)) as redis_proxy:
        config = behind_redis_proxy(real_config, redis_proxy, redis_url)
        app = real_app_for(config)
        with app.app_context():
            _, token = user_with_token()
            yield config, app.test_client(), token, redis_proxy
            db.session.remove()


PROCESSED = select(func.count(Feedback.id)).where(Feedback.processed_at.is_not(None))


def test_redis_down_while_items_arrive_loses_nothing(real_config, redis_url, tmp_path):
    with api_behind_redis_proxy(real_config, redis_url) as (config, client, token, redis_proxy):
        redis_proxy.down()
        responses = [submit(client, token, n) for n in range(5)]
        assert [r.status_code for r in responses] == [201] * 5  # stored, answered
        # The public form's rate limit lives in Redis too: it falls back, never fails.
        page = client.get("/feedback").get_data(as_text=True)
        form_ref = re.search(r'name="form_ref" type="hidden" value="([^"]+)"', page).group(1)
        form = {
            "text": "Lomake ei toimi.",
            "form_ref": form_ref,
            "csrf_token": csrf_token(page),
        }
        assert client.post("/feedback", data=form).status_code == 302
        assert committed(select(func.count(Feedback.id))).one() == 6

        redis_proxy.up()
        with WorkerProcess(config, "--no-cron", log=tmp_path / "worker.log") as worker:
            report = reconcile()  # what the scheduled reconciler does every minute
            assert report.feedback == 6
            wait_until(
                lambda: committed(PROCESSED).one() == 6,
                what="every item processed",
                worker=worker,
            )
        # Each item was processed once: one forwarded/triage event each, one attempt.
        attempts = db.session.scalars(select(Feedback.processing_attempts)).all()
        assert attempts == [1] * 6
        events = committed(
            select(func.count(FeedbackEvent.id)).where(FeedbackEvent.status != "received")
        ).one()
        assert events >= 6


def test_the_scheduled_reconciler_finds_what_arrived_while_redis_was_down(
    real_config, redis_url, tmp_path
):
    """No one calls reconcile() here: the worker's own scheduler does, and the worker and
    scheduler both outlast the outage (RQ quits on a lost connection; they start again)."""
    with api_behind_redis_proxy(real_config, redis_url) as (config, client, token, redis_proxy):
        with WorkerProcess(config, log=tmp_path / "worker.log") as worker:  # with cron
            redis_proxy.down()
            responses = [submit(client, token, n) for n in range(3)]
            assert [r.status_code for r in responses] == [201] * 3
            redis_proxy.up()
            wait_until(
                lambda: committed(PROCESSED).one() == 3,
                timeout=120,
                what="the scheduled reconciler to queue the items",
                worker=worker,
            )
            assert worker.process.poll() is None  # still serving


def test_postgres_gone_gives_503_and_recovers_without_a_restart(real_config, pg_url):
    with TcpProxy(*upstream(pg_url)) as pg_proxy:
        config = {**real_config, "SQLALCHEMY_DATABASE_URI": through(pg_proxy, pg_url)}
        app = real_app_for(config)
        with app.app_context():
            client = app.test_client()
            _, token = user_with_token()
            created = submit(client, token, 1)
            assert created.status_code == 201
            item_url = f"/api/v1/feedback/{created.get_json()['id']}"
            db.session.remove()

            pg_proxy.down()
            for response in (
                client.get(item_url, headers=bearer(token)),
                submit(client, token, 2),
                client.get("/healthz"),
            ):
                assert response.status_code == 503, response.get_data(as_text=True)
                body = response.get_json()
                assert body.get("errors") or body.get("ok") is False
            page = client.get("/feedback")  # a page: the e-service list comes from the database
            assert page.status_code == 503 and b"Traceback" not in page.data
            assert client.get(item_url, headers=bearer(token)).headers["Retry-After"] == "5"

            pg_proxy.up()
            assert client.get(item_url, headers=bearer(token)).status_code == 200
            assert submit(client, token, 3).status_code == 201
            assert client.get("/healthz").status_code == 200
            db.session.remove()


def test_a_worker_killed_mid_job_leaves_its_work_to_be_done_once(
    real_config, smtp_server, tmp_path
):
    config = {**real_config, "RECONCILE_GRACE_SECONDS": 0}
    app = real_app_for(config)
    with app.app_context():
        client = app.test_client()
        _, token = user_with_token()
        smtp_server.stall()  # the thank-you job will hang mid-send
        first = WorkerProcess(config, "--no-cron", log=tmp_path / "first.log").start().wait_ready()
        contact = {"email": "liisa@example.fi", "language": "fi", "consent": True}
        assert submit(client, token, 1, contact=contact).status_code == 201
        wait_until(lambda: smtp_server.waiting >= 1, what="the send to start", worker=first)

        first.kill()
        smtp_server.resume()
        notice = only_notice()
        db.session.rollback()
        assert notice.state == NoticeState.PENDING  # the killed send changed nothing
        assert smtp_server.messages == []

        with WorkerProcess(config, "--no-cron", log=tmp_path / "second.log") as second:
            # RQ's handling of the abandoned job or the reconciler, whichever comes first,
            # finds the notice again from the database; either way it goes out once.
            reconcile()
            smtp_server.wait_for(1)
            wait_until(
                lambda: (
                    committed(
                        select(func.count(Notice.id)).where(Notice.state == NoticeState.SENT)
                    ).one()
                    == 1
                ),
                what="the notice marked sent",
                worker=second,
            )
            reconcile()  # a second pass finds nothing more to do
            client.get("/healthz")
        assert len(smtp_server.messages) == 1
        assert (
            committed(
                select(func.count(Feedback.id)).where(Feedback.processed_at.is_not(None))
            ).one()
            == 1
        )
        db.session.remove()
