"""Hand background work to RQ, or, when no Redis is configured, to the embedded loop
(app/embedded.py) after the response; with neither (a CLI command, a test) run it now.

Jobs only carry ids: the work itself is derived from database state, so a job
that is lost (Redis down, worker killed) is found again by the reconciler.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from flask import Flask, current_app, g, has_request_context

from app.extensions import db

if TYPE_CHECKING:
    from app.embedded import EmbeddedLoop

log = logging.getLogger(__name__)
EMBEDDED_LOOP = "civicloop.embedded_loop"  # the app's EmbeddedLoop in app.extensions, if running
_AFTER_RESPONSE = "_civicloop_jobs_after_response"

QUEUES = ("intake", "tracker", "mail", "scheduled")
_JOB_QUEUES = {
    "process_feedback": "intake",
    "process_feedback_batch": "intake",
    "deliver_notice_batch": "mail",
    "open_ticket": "tracker",
    "deliver_notice": "mail",
    "run_call_import": "scheduled",
    "reconcile": "scheduled",
    "sync_tracker": "scheduled",
    "train_router": "scheduled",
    "review_followup": "tracker",
    "tell_tracker_outcome": "tracker",
    "review_followups": "scheduled",
    "poll_inbound_mail": "scheduled",
}
# A million-row import runs for minutes; everything else is short.
_JOB_TIMEOUTS = {"run_call_import": 4 * 3600, "process_feedback_batch": 3600}


@lru_cache(maxsize=4)
def redis_connection(url: str):  # noqa: ANN201  (redis.Redis)
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def enqueue(job: str, *args: object, queue: str | None = None, delay: float | None = None) -> None:
    """Queue ``workers.jobs.<job>(*args)``; never raises, because the database already
    holds everything the job needs and the reconciler will queue it again."""
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        _run_embedded(job, args, delay)
        return
    from rq import Queue

    try:
        rq_queue = Queue(queue or _JOB_QUEUES[job], connection=redis_connection(redis_url))
        options = {"job_timeout": _JOB_TIMEOUTS.get(job, 180)}
        if delay:
            rq_queue.enqueue_in(timedelta(seconds=delay), f"workers.jobs.{job}", *args, **options)
        else:
            rq_queue.enqueue(f"workers.jobs.{job}", *args, **options)
    except Exception as error:  # Redis down: the reconciler will find the work later
        log.warning("could not queue %s%r: %s", job, args, error)


def enqueue_now(calls: list[tuple[str, tuple, str | None]]) -> None:
    """Queue several jobs ``(job, args, queue or None)`` at once: with Redis, in one round
    trip (an intake request's processing and thank-you); never raises, as ``enqueue``."""
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        for job, args, _queue in calls:
            _run_embedded(job, args, None)
        return
    from rq import Queue

    connection = redis_connection(redis_url)
    try:
        with connection.pipeline() as pipeline:
            for job, args, queue in calls:
                Queue(queue or _JOB_QUEUES[job], connection=connection).enqueue_call(
                    f"workers.jobs.{job}",
                    args,
                    timeout=_JOB_TIMEOUTS.get(job, 180),
                    pipeline=pipeline,
                )
            pipeline.execute()
    except Exception as error:  # Redis down: the reconciler will find the work later
        log.warning("could not queue %r: %s", calls, error)


def _run_embedded(job: str, args: tuple, delay: float | None) -> None:
    loop = current_app.extensions.get(EMBEDDED_LOOP)
    if loop is not None and has_request_context():
        g.setdefault(_AFTER_RESPONSE, []).append((job, args, delay))
    else:
        _hand_over(loop, job, args, delay)


def _hand_over(loop: EmbeddedLoop | None, job: str, args: tuple, delay: float | None) -> None:
    if loop is not None:
        loop.submit(job, args, delay)
    elif not delay:  # no timer without the loop: the serving app's reconciler retries it
        run_job(job, *args)


def _hand_over_after_response(error: BaseException | None) -> None:
    """The response is made: its request's jobs go to the embedded loop, so the client
    never waits for them (they were committed before, so they go even after an error)."""
    loop = current_app.extensions.get(EMBEDDED_LOOP)
    for job, args, delay in g.pop(_AFTER_RESPONSE, ()):
        _hand_over(loop, job, args, delay)


def init_app(app: Flask) -> None:
    app.teardown_request(_hand_over_after_response)


def run_job(job: str, *args: object) -> None:
    from workers import jobs as worker_jobs

    try:
        getattr(worker_jobs, job)(*args)
    except Exception:
        # The caller's transaction is already committed; the work stays due in the database.
        db.session.rollback()
        log.exception("job %s%r failed; it stays due for the reconciler", job, args)
