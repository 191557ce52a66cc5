"""Hand background work to RQ, or run it inline when no Redis is configured.

Jobs only carry ids: the work itself is derived from database state, so a job
that is lost (Redis down, worker killed) is found again by the reconciler.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache

from flask import current_app

from app.extensions import db

log = logging.getLogger(__name__)

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
        if delay:
            return  # inline mode has no timer; the reconciler picks it up when due
        _run_inline(job, *args)
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


def _run_inline(job: str, *args: object) -> None:
    from workers import jobs as worker_jobs

    try:
        getattr(worker_jobs, job)(*args)
    except Exception:
        # The caller's transaction is already committed; the work stays due in the database.
        db.session.rollback()
        log.exception("inline job %s%r failed; it stays due for the reconciler", job, args)
