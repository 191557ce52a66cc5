"""Periodic work. Each entry only queues a job; the job finds its work in the database."""

from __future__ import annotations

RECONCILE_EVERY_SECONDS = 60
TRACKER_SYNC_EVERY_SECONDS = 300
# Finds the tickets whose count push is due; the throttle itself is TRACKER_COUNT_SYNC_SECONDS.
AFFECTED_COUNTS_EVERY_SECONDS = 60
INBOUND_MAIL_EVERY_SECONDS = 60  # a citizen's reply reaches the inbox within a minute
ROUTER_TRAINING_EVERY_SECONDS = 24 * 3600  # handlers' decisions of the day teach the router

SCHEDULE = (
    ("workers.jobs.reconcile", "scheduled", RECONCILE_EVERY_SECONDS),
    ("workers.jobs.sync_tracker", "scheduled", TRACKER_SYNC_EVERY_SECONDS),
    ("workers.jobs.push_affected_counts", "scheduled", AFFECTED_COUNTS_EVERY_SECONDS),
    ("workers.jobs.train_router", "scheduled", ROUTER_TRAINING_EVERY_SECONDS),
    # Reports waiting in triage offered the problems that formed since they arrived
    # (app/services/grouping.py).
    ("workers.jobs.suggest_for_triage", "scheduled", 300),
    ("workers.jobs.apply_retention", "scheduled", 24 * 3600),  # app/services/retention.py
    ("workers.jobs.check_spikes", "scheduled", 300),  # app/services/spikes.py
    # Insight pages recount what is left themselves; this keeps that little.
    ("workers.jobs.recount_insight_days", "scheduled", 60),  # app/services/rollups.py
    # app/services/deadlines.py; hourly is fine-grained enough for targets in hours and days.
    ("workers.jobs.send_deadline_reminders", "scheduled", 3600),
    # Disputed fixes a lost job left unreopened, and reopenings not yet told to the tracker
    # or the department (app/services/followup.py).
    ("workers.jobs.review_followups", "scheduled", 300),
    # Citizens' replies and bounces: the IMAP mailbox and instance/inbox (inbound_mail.py).
    ("workers.jobs.poll_inbound_mail", "scheduled", INBOUND_MAIL_EVERY_SECONDS),
    # Last month's files of the peers with an export URL; daily, so a corrected file
    # replaces the first (app/services/benchmark/exchange.py).
    ("workers.jobs.fetch_benchmarks", "scheduled", 24 * 3600),
)
