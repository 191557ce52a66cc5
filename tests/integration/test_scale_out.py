"""The production shape: several workers on the same queues share the work, and every piece
of it happens once (PostgreSQL, Redis, two real RQ worker processes, real SMTP)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Feedback, FeedbackEvent, Notice, NoticeState
from tests.conftest import real_app_for
from tests.support.factories import bearer, user_with_token
from tests.support.worker import WorkerProcess, committed, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

TEXTS = (
    "Päiväkotihakemuksen liite ei lataudu",
    "Bygglovsansökan går inte att skicka",
    "The library renewal button does nothing",
    "Søknaden om barnehageplass forsvinner",
    "Pysäköintitunnuksen maksu ei mene läpi",
)
ITEMS = 30


def test_two_workers_share_the_queue_and_do_each_thing_once(real_config, smtp_server, tmp_path):
    app = real_app_for(real_config)
    with app.app_context():
        client = app.test_client()
        _, token = user_with_token()
        logs = (tmp_path / "first.log", tmp_path / "second.log")
        with (
            WorkerProcess(real_config, "--no-cron", log=logs[0]) as first,
            WorkerProcess(real_config, "--no-cron", log=logs[1]),
        ):
            for n in range(ITEMS):
                body = {
                    "text": f"{TEXTS[n % len(TEXTS)]} ({n})",
                    "source_ref": f"call-{n}",
                    "contact": {"email": f"c{n}@example.org", "language": "fi", "consent": True},
                }
                response = client.post("/api/v1/feedback", json=body, headers=bearer(token))
                assert response.status_code == 201
            processed = select(func.count(Feedback.id)).where(Feedback.processed_at.is_not(None))
            wait_until(
                lambda: committed(processed).one() == ITEMS, 90, "every item processed", first
            )
            smtp_server.wait_for(ITEMS, timeout=60)

        # Both workers took part, and nothing was done twice.
        assert all("process_feedback" in log.read_text() for log in logs)
        # An item one worker claimed for its batch may be counted once more by its own job
        # on the other worker, in the moment before the batch locks it; only one of the two
        # processes it (one notice each, below).
        attempts = db.session.scalars(select(Feedback.processing_attempts)).all()
        assert len(attempts) == ITEMS and set(attempts) <= {1, 2}, attempts
        routed = committed(
            select(func.count(FeedbackEvent.id)).where(FeedbackEvent.status != "received")
        ).one()
        assert routed >= ITEMS
        sent = select(func.count(Notice.id)).where(Notice.state == NoticeState.SENT)
        assert committed(sent).one() == ITEMS
        recipients = [message["To"] for message in smtp_server.messages]
        assert sorted(recipients) == sorted(f"c{n}@example.org" for n in range(ITEMS))
        db.session.remove()
