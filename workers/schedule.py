"""Periodic work. Each entry only queues a job; the job finds its work in the database."""

from __future__ import annotations

RECONCILE_EVERY_SECONDS = 60
TRACKER_SYNC_EVERY_SECONDS = 300

SCHEDULE = (
    ("workers.jobs.reconcile", "scheduled", RECONCILE_EVERY_SECONDS),
    ("workers.jobs.sync_tracker", "scheduled", TRACKER_SYNC_EVERY_SECONDS),
)
