"""Hand background work to RQ, or, when no Redis is configured, to the embedded loop
(app/embedded.py) after the response; with neither (a CLI command, a test) run it now.

Jobs only carry ids: the work itself is derived from database state, so a job
that is lost (Redis down, worker killed) is found again by the reconciler.

Each job is declared where it is defined (workers/jobs.py) with ``@job(queue)``; importing
that module fills the registry here. Only the composition roots import it (``create_app``
and the RQ worker, workers/__main__.py), so the services that queue jobs import nothing
that imports them back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from flask import Flask, current_app, g, has_request_context

from app.extensions import db

if TYPE_CHECKING:
    from app.embedded import EmbeddedLoop

log = logging.getLogger(__name__)
EMBEDDED_LOOP = "civicloop.embedded_loop"  # the app's EmbeddedLoop in app.extensions, if running
_AFTER_RESPONSE = "_civicloop_jobs_after_response"

QUEUES = ("intake", "tracker", "mail", "scheduled")
DEFAULT_TIMEOUT = 180  # seconds; RQ stops a job that runs longer

Body = TypeVar("Body", bound=Callable[..., None])


@dataclass(frozen=True)
class Job:
    """A job as declared: the queue it goes to, how long it may run, and its body."""

    name: str
    queue: str
    timeout: int
    body: Callable[..., None]
    keyed: bool = False

    @property
    def path(self) -> str:
        """The dotted name RQ's worker imports the body by."""
        return f"{self.body.__module__}.{self.body.__qualname__}"

    def queued_id(self, args: tuple) -> str | None:
        """The RQ job id it is queued under: its name and ids when keyed, else RQ's own."""
        return queued_id(self.name, args) if self.keyed else None


def queued_id(name: str, args: tuple) -> str:
    """The RQ job id of a keyed job ``name`` with ``args`` (ids)."""
    return "-".join([name, *map(str, args)])


DECLARED: dict[str, Job] = {}


class UnknownJobError(LookupError):
    """A job name no ``@job`` declares: a mistake in the code, not a passing failure."""


def job(
    queue: str, *, timeout: int = DEFAULT_TIMEOUT, keyed: bool = False
) -> Callable[[Body], Body]:
    """Declare the decorated function a job, queued on ``queue`` by its name; the function
    itself is left as it is (RQ's worker imports and calls it). A ``keyed`` job is queued
    under an id made of its name and arguments, so that another job that did its work can
    ``withdraw`` it."""
    if queue not in QUEUES:
        raise ValueError(f"job queue {queue!r} is none of {QUEUES}")

    def declare(body: Body) -> Body:
        new = Job(body.__name__, queue, timeout, body, keyed)
        earlier = DECLARED.get(new.name)
        if earlier is not None and earlier.path != new.path:
            raise ValueError(f"job {new.name!r} declared twice: {earlier.path}, {new.path}")
        DECLARED[new.name] = new
        return body

    return declare


def declared(name: str) -> Job:
    try:
        return DECLARED[name]
    except KeyError:
        raise UnknownJobError(f"no job is declared as {name!r} (workers/jobs.py)") from None


@lru_cache(maxsize=4)
def redis_connection(url: str):  # noqa: ANN201  (redis.Redis)
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def enqueue(name: str, *args: object, delay: float | None = None) -> None:
    """Queue the job declared as ``name`` with ``args``; raises UnknownJobError for a name no
    job declares, and nothing else, because the database already holds everything the job
    needs and the reconciler will queue it again."""
    declared_job = declared(name)
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        _run_embedded(name, args, delay)
        return
    from rq import Queue

    try:
        rq_queue = Queue(declared_job.queue, connection=redis_connection(redis_url))
        options = {"job_timeout": declared_job.timeout, "job_id": declared_job.queued_id(args)}
        if delay:
            rq_queue.enqueue_in(timedelta(seconds=delay), declared_job.path, *args, **options)
        else:
            rq_queue.enqueue(declared_job.path, *args, **options)
    except Exception as error:  # Redis down: the reconciler will find the work later
        log.warning("could not queue %s%r: %s", name, args, error)


def enqueue_now(calls: list[tuple[str, tuple]]) -> None:
    """Queue several jobs ``(name, args)`` at once: with Redis, in one round trip (an
    intake request's processing and thank-you); raises as ``enqueue``."""
    declared_jobs = [(declared(name), args) for name, args in calls]
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        for name, args in calls:
            _run_embedded(name, args, None)
        return
    from rq import Queue

    connection = redis_connection(redis_url)
    try:
        with connection.pipeline() as pipeline:
            for declared_job, args in declared_jobs:
                Queue(declared_job.queue, connection=connection).enqueue_call(
                    declared_job.path,
                    args,
                    timeout=declared_job.timeout,
                    job_id=declared_job.queued_id(args),
                    pipeline=pipeline,
                )
            pipeline.execute()
    except Exception as error:  # Redis down: the reconciler will find the work later
        log.warning("could not queue %r: %s", calls, error)


def withdraw(name: str, calls: list[tuple]) -> None:
    """Take the queued keyed jobs ``name`` with each of ``calls``' arguments off the queue:
    their work is done. RQ passes over a queued id whose job is gone, so deleting each job
    is enough. Raises nothing: a job left queued finds its work done."""
    if not declared(name).keyed:
        raise ValueError(f"job {name!r} is not keyed: its queued id is RQ's own")
    redis_url = current_app.config.get("REDIS_URL")
    if not (calls and redis_url):  # the embedded loop's job finds its item processed
        return
    from rq.job import Job as QueuedJob

    try:
        redis_connection(redis_url).delete(
            *(QueuedJob.key_for(queued_id(name, args)) for args in calls)
        )
    except Exception as error:  # Redis down: each job finds its item processed
        log.warning("could not withdraw %s%r: %s", name, calls, error)


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
    """Run a job here and now, in the app context there is (the request's, the CLI
    command's or the embedded loop's)."""
    body = declared(job).body
    try:
        body(*args)
    except Exception:
        # The caller's transaction is already committed; the work stays due in the database.
        db.session.rollback()
        log.exception("job %s%r failed; it stays due for the reconciler", job, args)
