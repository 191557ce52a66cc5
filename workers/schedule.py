"""Periodic work. Each entry only queues a job; the job finds its work in the database."""

from __future__ import annotations

RECONCILE_EVERY_SECONDS = 60
TRACKER_SYNC_EVERY_SECONDS = 300
ROUTER_TRAINING_EVERY_SECONDS = 24 * 3600  # handlers' decisions of the day teach the router

SCHEDULE = (
    ("workers.jobs.reconcile", "scheduled", RECONCILE_EVERY_SECONDS),
    ("workers.jobs.sync_tracker", "scheduled", TRACKER_SYNC_EVERY_SECONDS),
    ("workers.jobs.train_router", "scheduled", ROUTER_TRAINING_EVERY_SECONDS),
)
