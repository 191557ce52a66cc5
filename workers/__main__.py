"""`python -m workers [--queues intake,tracker,mail,scheduled] [--no-cron]`

Starts an RQ worker (with RQ's scheduler for delayed retries) and, unless
--no-cron, a child process that queues the periodic jobs. Run one process with
cron per installation and as many plain workers as the load needs.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import sys
import time
from collections.abc import Callable

from flask import Flask
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler

from app.jobs import QUEUES, redis_connection
from workers.jobs import worker_app
from workers.schedule import SCHEDULE

log = logging.getLogger("workers")
REDIS_RETRY_SECONDS = 5


def through_redis_outages(run: Callable[[], object], what: str) -> None:
    """Run ``run`` and start it again whenever Redis goes away under it. RQ's worker and
    cron scheduler quit on a lost connection (e.g. while recording a finished job); what
    they would have done is in the database, so starting again loses nothing."""
    while True:
        try:
            run()
            return
        except (RedisConnectionError, RedisTimeoutError) as error:
            log.warning("%s lost Redis (%s); again in %s s", what, error, REDIS_RETRY_SECONDS)
            time.sleep(REDIS_RETRY_SECONDS)


def run_cron(redis_url: str) -> None:
    def schedule() -> None:
        cron = CronScheduler(connection=redis_connection(redis_url))
        for func, queue, interval in SCHEDULE:
            cron.register(func, queue_name=queue, interval=interval)
        cron.start()

    through_redis_outages(schedule, "the cron scheduler")


def _preload_analysis(app: Flask) -> None:
    """Load the language detector, the grouping's embedding model and the router's models
    once, before the first job, so no job pays for loading them."""
    from app.extensions import db
    from app.services.analysis import preload_language_detector
    from app.services.grouping import preload_embedding_model
    from app.services.understanding import current_models

    preload_language_detector()
    preload_embedding_model()
    with app.app_context():
        current_models()
        db.engine.dispose()  # no pooled connection may cross into the cron child's fork


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__.split("\n")[2])
    parser.add_argument("--queues", default=",".join(QUEUES), help="comma-separated, by priority")
    parser.add_argument("--no-cron", action="store_true", help="do not queue periodic jobs")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    # Built once: jobs run in this process and share the app, its pools and its caches.
    app = worker_app()
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
        through_redis_outages(
            lambda: SimpleWorker(queues, connection=connection).work(
                with_scheduler=True, burst=args.burst
            ),
            "the worker",
        )
    finally:
        if cron is not None:
            cron.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
