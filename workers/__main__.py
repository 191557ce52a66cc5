"""`python -m workers [--queues intake,tracker,mail,scheduled] [--no-cron]`

Starts an RQ worker (with RQ's scheduler for delayed retries) and, unless
--no-cron, a child process that queues the periodic jobs. Run one process with
cron per installation and as many plain workers as the load needs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import multiprocessing
import sys
import time
from collections.abc import Callable

from flask import Flask
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from rq.exceptions import StopRequested
from rq.executions import Execution
from rq.job import Job

from app import create_app
from app.jobs import QUEUES, redis_connection
from workers.schedule import SCHEDULE

log = logging.getLogger("workers")
RESTART_SECONDS = 5


def keep_running(run: Callable[[], bool], what: str) -> None:
    """Run ``run`` until it ends as asked (it returns True), starting it again whenever RQ
    gives up on an error instead: RQ's worker and cron scheduler quit when Redis goes away
    under them (e.g. while a finished job is recorded). What they would have done is in the
    database, so starting again loses nothing."""
    while True:
        try:
            if run():
                return
            reason = "it gave up on an error"
        except (RedisConnectionError, RedisTimeoutError) as error:
            reason = f"lost Redis: {error}"
        except StopRequested:  # a stop signal while waiting to start again
            return
        log.warning("%s stopped (%s); again in %s s", what, reason, RESTART_SECONDS)
        try:
            time.sleep(RESTART_SECONDS)
        except StopRequested:
            return


class AppWorker(SimpleWorker):
    """RQ's worker that runs each job in an app context of its own, as the embedded loop
    does: the job bodies (workers/jobs.py) expect one and build no app themselves."""

    def __init__(self, app: Flask, queues: list[Queue], connection: Redis) -> None:
        super().__init__(queues, connection=connection)
        self.app = app

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        with self.app.app_context():
            return super().perform_job(job, queue, execution)


def work(app: Flask, queues: list[Queue], connection: Redis, burst: bool) -> bool:
    """One RQ worker's life; True when it ended as asked (a signal; burst: queues empty)."""
    worker = AppWorker(app, queues, connection)
    worker.work(with_scheduler=True, burst=burst)
    # RQ returns alike after a stop signal and after an error it gave up on; only the
    # signal handler notes the time of the request.
    return burst or worker._shutdown_requested_date is not None


def cron_scheduler(redis_url: str) -> CronScheduler:
    """RQ's cron scheduler with every periodic job of SCHEDULE registered (RQ takes the
    functions themselves, not their dotted names)."""
    cron = CronScheduler(connection=redis_connection(redis_url))
    for name, queue, interval in SCHEDULE:
        module, _, function = name.rpartition(".")
        func = getattr(importlib.import_module(module), function)
        cron.register(func, queue_name=queue, interval=interval)
    return cron


def run_cron(redis_url: str) -> None:
    def schedule() -> bool:
        cron_scheduler(redis_url).start()  # returns on a stop signal only
        return True

    keep_running(schedule, "the cron scheduler")


def _preload_analysis(app: Flask) -> None:
    from app.embedded import load_models
    from app.extensions import db

    load_models(app)
    with app.app_context():
        db.engine.dispose()  # no pooled connection may cross into the cron child's fork


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__.split("\n")[2])
    parser.add_argument("--queues", default=",".join(QUEUES), help="comma-separated, by priority")
    parser.add_argument("--no-cron", action="store_true", help="do not queue periodic jobs")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    # Built once: jobs run in this process and share the app, its pools and its caches.
    app = create_app()
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        print(
            "REDIS_URL is not set: without it jobs run inline in the web process.", file=sys.stderr
        )
        return 2
    _preload_analysis(app)
    connection = redis_connection(redis_url)
    cron = None
    if not args.no_cron:
        cron = multiprocessing.Process(target=run_cron, args=(redis_url,), daemon=True)
        cron.start()
    queues = [Queue(name, connection=connection) for name in args.queues.split(",") if name]
    # SimpleWorker runs jobs in this process instead of forking a work horse per job: a fork
    # would lose the warm caches (compiled rules, stems) and open a new database connection
    # for every job, which cost ~15x the work itself (bench/results/processing.md). Job
    # timeouts still apply (SIGALRM); a crash loses the job, which the reconciler re-finds.
    try:
        keep_running(lambda: work(app, queues, connection, args.burst), "the worker")
    finally:
        if cron is not None:
            cron.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
