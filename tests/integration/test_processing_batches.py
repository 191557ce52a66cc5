"""Under a backlog a worker processes the received items never tried together (embedded in
one call, written in one transaction), as it would one by one; an item that failed, or a
batch that failed, is processed alone, and the jobs of items processed together leave the
queue."""

from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job as QueuedJob
from sqlalchemy import event, select

import app.services.processing as processing
from app import jobs
from app.extensions import db
from app.models import Feedback, FeedbackStatus
from app.services.grouping import lock_for_grouping
from app.services.processing import process_feedback
from app.services.understanding import stored_embedding
from tests.conftest import real_app_for
from tests.support.factories import stored_item

ATTACHMENT = (
    "Päiväkotihakemuksen liite ei lataudu, lataus pysähtyy aina.",
    "Liitteen lataus päiväkotihakemukseen jumittaa joka kerta.",
)
OTHERS = (
    "Bygglovsansökan går inte att skicka, knappen gör ingenting.",
    "Pysäköintitunnuksen maksu ei mene läpi, maksu keskeytyy.",
    "The library renewal button does nothing when I click it.",
)


def received(*texts: str, attempts: int = 0) -> list[int]:
    items = [stored_item(text, processing_attempts=attempts) for text in texts]
    db.session.commit()
    return [item.id for item in items]


def item(feedback_id: int) -> Feedback:
    return db.session.get(Feedback, feedback_id, populate_existing=True)


def understood(feedback: Feedback) -> tuple:
    return (
        feedback.language,
        feedback.sentiment,
        feedback.kind,
        feedback.about_digital,
        feedback.department_id,
        feedback.eservice_id,
        feedback.routing_method,
        feedback.routing_confidence,
    )


def test_a_backlog_is_processed_together_as_it_would_be_one_by_one(app):
    app.config["PROCESSING_BATCH"] = 3
    tried = received("Lomake ei aukea.", attempts=1)[0]  # failed once: processed alone
    first, second, third, fourth = received(*ATTACHMENT, *OTHERS[:2])

    processed = process_feedback(first)

    assert processed.items == (first, second, third)
    for feedback_id in processed.items:
        done = item(feedback_id)
        assert done.status != FeedbackStatus.RECEIVED
        assert done.processed_at is not None and done.processing_attempts == 1
        assert stored_embedding(done) is not None and done.department is not None
    # The second report met the group the first one started within the same transaction.
    assert item(first).ticket is not None and item(second).ticket == item(first).ticket
    assert item(first).ticket.profile_members == 2
    # The same reports processed one at a time are understood and routed the same way.
    app.config["PROCESSING_BATCH"] = 1
    alone = received(*ATTACHMENT, OTHERS[0])
    for feedback_id in alone:
        assert process_feedback(feedback_id).items == (feedback_id,)
    assert [understood(item(one)) for one in alone] == [
        understood(item(together)) for together in (first, second, third)
    ]
    for waiting, attempts in ((fourth, 0), (tried, 1)):
        assert (item(waiting).status, item(waiting).processing_attempts) == ("received", attempts)


def test_an_item_tried_before_is_processed_alone(app):
    app.config["PROCESSING_BATCH"] = 8
    retried = received(ATTACHMENT[0], attempts=1)[0]
    waiting = received(*OTHERS)

    assert process_feedback(retried).items == (retried,)
    assert all(item(other).status == FeedbackStatus.RECEIVED for other in waiting)


def test_when_items_fail_together_the_one_asked_for_is_processed_alone(app, monkeypatch):
    app.config["PROCESSING_BATCH"] = 3
    first, broken, third = received(ATTACHMENT[0], OTHERS[0], OTHERS[1])
    route = processing.route_feedback

    def failing_for_one(feedback: Feedback) -> object:
        if feedback.id == broken:
            raise RuntimeError("routing service crashed")
        return route(feedback)

    monkeypatch.setattr(processing, "route_feedback", failing_for_one)

    assert process_feedback(first).items == (first,)
    # The others are left to their own jobs, which process each alone: tried once already.
    assert [item(other).status for other in (broken, third)] == ["received", "received"]
    assert process_feedback(third).items == (third,)
    assert item(third).processing_attempts == 2
    with pytest.raises(RuntimeError):
        process_feedback(broken)


@pytest.mark.parametrize("app", ["postgresql"], indirect=True)  # SQLite has one writer
def test_a_batch_takes_its_groups_locks_at_once_departments_then_e_services_by_id(app):
    items = [item(feedback_id) for feedback_id in received(*OTHERS, *ATTACHMENT)]
    for routed in items:
        processing.route_feedback(routed)
        routed.kind = "complaint"
    items[0].department = items[0].eservice = None  # left to triage: its likeliest department
    db.session.flush()
    sent: list[str] = []

    def note(conn, cursor, statement: str, *args: object) -> None:  # noqa: ANN001
        sent.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        lock_for_grouping(items)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)

    locks = [statement for statement in sent if "FOR NO KEY UPDATE" in statement]
    assert [statement.split()[1] for statement in locks] == ["department.id", "eservice.id"]
    assert all("ORDER BY" in statement for statement in locks)


@pytest.mark.postgres
@pytest.mark.redis
def test_the_jobs_of_items_processed_together_leave_the_queue(real_config):
    app = real_app_for(real_config)
    with app.app_context():
        app.config["PROCESSING_BATCH"] = 8
        ids = received(*ATTACHMENT, *OTHERS)
        # As intake queues them (with its thank-yous, in one round trip), and as the
        # reconciler does.
        jobs.enqueue_now([("process_feedback", (feedback_id,)) for feedback_id in ids[:3]])
        for feedback_id in ids[3:]:
            jobs.enqueue("process_feedback", feedback_id)
        redis = Redis.from_url(real_config["REDIS_URL"])
        queued = [jobs.queued_id("process_feedback", (feedback_id,)) for feedback_id in ids]
        assert all(QueuedJob.exists(job_id, connection=redis) for job_id in queued)

        jobs.run_job("process_feedback", ids[0])  # as the worker runs the first job

        assert not any(QueuedJob.exists(job_id, connection=redis) for job_id in queued[1:])
        assert FeedbackStatus.RECEIVED not in committed_statuses(ids)
        # The worker passes over the withdrawn ids: only the first job is left to run, and
        # it finds its item processed.
        worker = SimpleWorker([Queue("intake", connection=redis)], connection=redis)
        assert worker.work(burst=True)
        assert Queue("intake", connection=redis).count == 0
        db.session.remove()


def committed_statuses(ids: list[int]) -> set[str]:
    db.session.commit()
    return set(db.session.scalars(select(Feedback.status).where(Feedback.id.in_(ids))))
