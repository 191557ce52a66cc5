"""The embedded loop: without Redis, the serving process runs the background work itself.

What RQ's workers and cron scheduler do in production is done here, smaller. Jobs a request
queues run after its response on a small pool of threads, each in an app context of its own,
started in the order they were queued; a delayed job (a retry with back-off) runs when due,
as RQ's scheduler runs it. The periodic jobs are workers/schedule.py's table, the one RQ's
cron scheduler runs; each run is claimed under a database lease (app/models/schedule.py),
so two processes (gunicorn's workers, a second `flask run`) never run one job at once.
The analysis models load in the background at start (/healthz says when they are ready);
jobs wait for them, requests never do.
"""

from __future__ import annotations

import atexit
import heapq
import itertools
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app import jobs
from app.extensions import db
from app.models import PeriodicRun
from app.models.types import utcnow
from workers.schedule import SCHEDULE

log = logging.getLogger(__name__)
# A process that dies holding a periodic job keeps it from the others this long at most;
# a live one gives it back when the job ends.
LEASE = timedelta(minutes=15)


@dataclass(order=True)
class _Job:
    due: float  # time.time() when it may start; ties keep the order of queueing
    order: int
    name: str = field(compare=False)
    args: tuple = field(compare=False)
    periodic: bool = field(compare=False, default=False)


class EmbeddedLoop:
    def __init__(self, app: Flask, threads: int, tick: float) -> None:
        self.app = app
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.models_ready = threading.Event()
        self._tick = tick
        self._queue: list[_Job] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._work, name=f"civicloop-job-{n}", daemon=True)
            for n in range(threads)
        ]
        self._threads.append(
            threading.Thread(target=self._schedule, name="civicloop-schedule", daemon=True)
        )
        # workers/schedule.py's table by job name; a name no job declares fails here, at start.
        self._periodic = [
            (jobs.declared(dotted_name.rpartition(".")[2]).name, every)
            for dotted_name, _queue, every in SCHEDULE
        ]

    def start(self, load_models: bool) -> None:
        if load_models:
            threading.Thread(target=self._load_models, name="civicloop-models", daemon=True).start()
        else:
            self.models_ready.set()
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Let running jobs finish and start no more; what was still queued is in the
        database and found again by the reconciler."""
        self.app.extensions.pop(jobs.EMBEDDED_LOOP, None)  # jobs queued from now run inline
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self.models_ready.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))

    def submit(self, name: str, args: tuple, delay: float | None = None) -> None:
        self._push(_Job(time.time() + (delay or 0), next(self._order), name, args))

    def queued(self) -> list[tuple[str, tuple]]:
        """The jobs waiting to start, the delayed ones included."""
        with self._changed:
            return [(job.name, job.args) for job in sorted(self._queue)]

    def _push(self, job: _Job) -> None:
        with self._changed:
            heapq.heappush(self._queue, job)
            self._changed.notify()

    def _load_models(self) -> None:
        try:
            load_models(self.app)
        except Exception:  # jobs then load what they need themselves
            log.exception("could not load the analysis models at start")
        finally:
            self.models_ready.set()

    def _next_due(self) -> _Job | None:
        with self._changed:
            while not self._stopping:
                if self._queue and self._queue[0].due <= time.time():
                    return heapq.heappop(self._queue)
                # The clock is read again every tick: a delayed job needs no timer of its own.
                self._changed.wait(self._tick)
            return None

    def _work(self) -> None:
        self.models_ready.wait()
        while (job := self._next_due()) is not None:
            with self.app.app_context():
                jobs.run_job(job.name, *job.args)
                if job.periodic:
                    _guarded(release_periodic_run, job.name, self.holder)

    def _schedule(self) -> None:
        look_again: dict[str, float] = {}
        while not self._stopped_within(self._tick):
            for name, every in self._periodic:
                if look_again.get(name, 0.0) > time.time():
                    continue
                with self.app.app_context():
                    next_look = _guarded(claim_periodic_run, name, every, self.holder)
                if next_look is None:
                    self._push(_Job(time.time(), next(self._order), name, (), periodic=True))
                    look_again[name] = time.time() + every
                else:
                    look_again[name] = next_look.timestamp()

    def _stopped_within(self, seconds: float) -> bool:
        with self._changed:
            if not self._stopping:
                self._changed.wait(seconds)
            return self._stopping


def _guarded(operation, *args):  # noqa: ANN001, ANN202  (the lease operations below)
    """A lease operation that failed (the database busy or away) is tried again next tick."""
    try:
        return operation(*args)
    except Exception as error:
        db.session.rollback()
        log.warning("periodic job lease %s%r failed: %s", operation.__name__, args, error)
        return utcnow()


def claim_periodic_run(job: str, every: float, holder: str) -> datetime | None:
    """Take the due run of a periodic job: None when this process has it (and must give it
    back with ``release_periodic_run``), else when it may be due next."""
    now = utcnow()
    if db.session.get(PeriodicRun, job) is None:
        # First due a period after the job first appears: a new installation has nothing to
        # reconcile, retain or learn from yet (and a restart keeps the row's due time).
        db.session.add(PeriodicRun(job=job, due_at=now + timedelta(seconds=every)))
        try:
            db.session.commit()
        except IntegrityError:  # another process added it first
            db.session.rollback()
    taken = db.session.execute(
        update(PeriodicRun)
        .where(
            PeriodicRun.job == job,
            PeriodicRun.due_at <= now,
            or_(PeriodicRun.leased_until.is_(None), PeriodicRun.leased_until <= now),
        )
        .values(due_at=now + timedelta(seconds=every), holder=holder, leased_until=now + LEASE)
    ).rowcount
    db.session.commit()
    if taken:
        return None
    due_at = db.session.scalar(select(PeriodicRun.due_at).where(PeriodicRun.job == job))
    db.session.rollback()
    # Due but held: its holder may give it back any time, or die and leave it to the lease.
    return due_at if due_at > now else now + timedelta(seconds=min(every, 60))


def release_periodic_run(job: str, holder: str) -> None:
    db.session.execute(
        update(PeriodicRun)
        .where(PeriodicRun.job == job, PeriodicRun.holder == holder)
        .values(leased_until=None)
    )
    db.session.commit()


def load_models(app: Flask) -> None:
    """Load the language detector, the grouping's embedding model, redaction's name lists
    and the router's models once, before the first job, so no job pays for loading them."""
    from app.services.analysis import preload_language_detector
    from app.services.analysis.problems import preload_embedding_model
    from app.services.privacy import preload_redaction
    from app.services.understanding import current_models

    preload_language_detector()
    preload_embedding_model()
    preload_redaction()
    with app.app_context():
        current_models()


def serving() -> bool:
    """Whether this process is to serve requests: under a WSGI server such as gunicorn, or
    `flask run`; not under any other flask command (db upgrade, demo, …)."""
    command = click.get_current_context(silent=True)
    return command is None or command.info_name == "run"


def start_embedded_loop(
    app: Flask, *, tick: float = 1.0, load_models: bool = True
) -> EmbeddedLoop | None:
    """Run the background work in this process, unless Redis is configured (then RQ's
    workers and cron scheduler do it: `python -m workers`)."""
    if app.config.get("REDIS_URL"):
        return None
    loop = EmbeddedLoop(app, app.config["EMBEDDED_JOB_THREADS"], tick)
    app.extensions[jobs.EMBEDDED_LOOP] = loop
    loop.start(load_models)
    atexit.register(loop.stop)
    return loop
