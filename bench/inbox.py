"""Benchmark: the department inbox with citizens' e-mailed replies on a large city's year.

    .venv/bin/python bench/inbox.py [--items 1000000] [--replies 2000] [--runs 7]

A fresh PostgreSQL database (BENCH_DATABASE_URL, default `bench_inbox`) gets the dashboards'
year of items (bench/dashboards.py: one in twenty linked to a problem group, most of those
resolved) and ``--replies`` citizens' replies by e-mail, spread evenly over the items, half
of them answered by a handler since. The inbox's first page
(an admin: the whole city, open items and those awaiting an answer) is then requested
``--runs`` times through the app after a warm-up, and so is the same page without the
replies' condition (the inbox as it was before replies): the ceiling, in the same run.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import database  # noqa: E402
from bench.dashboards import (  # noqa: E402
    _SEED_GROUPS,
    _SEED_ITEMS,
    GROUPS_PER_ESERVICE,
    signed_in,
    timed,
)
from bench.report import arguments, result  # noqa: E402

PG_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_inbox"
)
# The replies' condition may cost at most this much over the inbox without it.
TARGET_EXTRA = 0.25

# Replies to evenly spread items; every other one answered by a handler's reply since.
_SEED_REPLIES = """
INSERT INTO inbound_message (message_id, kind, feedback_id, received_at, text, redacted_text)
SELECT '<bench-' || f.id || '@example.org>', 'reply', f.id, f.received_at + interval '1 day',
       'Still broken', 'Still broken'
FROM feedback AS f WHERE f.id % (:items / :replies) = 0
"""
_SEED_ANSWERS = """
INSERT INTO notice (feedback_id, kind, occasion, body, language, state, attempts, created_at)
SELECT m.feedback_id, 'reply', 'reply-1', 'Thanks', 'fi', 'sent', 1,
       m.received_at + interval '1 hour'
FROM inbound_message AS m WHERE m.id % 2 = 0
"""


def seed(app, items: int, replies: int) -> None:  # noqa: ANN001
    from sqlalchemy import text

    from app.extensions import db
    from app.services.accounts import create_user

    with app.app_context():
        create_user("admin@bench.example", "admin", "bench password")
        db.session.commit()
        db.session.execute(text(_SEED_GROUPS), {"per_eservice": GROUPS_PER_ESERVICE})
        db.session.execute(
            text(_SEED_ITEMS), {"items": items, "per_eservice": GROUPS_PER_ESERVICE}
        )
        db.session.execute(text(_SEED_REPLIES), {"items": items, "replies": replies})
        db.session.execute(text(_SEED_ANSWERS))
        db.session.commit()
    import psycopg

    with psycopg.connect(database.plain(PG_URL), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def main() -> int:
    args = arguments(__doc__, items=1_000_000, replies=2_000, runs=7)
    from sqlalchemy import false

    import app.services.inbox as inbox_service

    app = database.fresh_app(PG_URL)
    started = time.perf_counter()
    seed(app, args.items, args.replies)
    seconds = time.perf_counter() - started
    print(f"seeded {args.items:,} items and {args.replies:,} replies in {seconds:.0f} s")

    admin = signed_in(app, "admin@bench.example")
    with_replies = timed(lambda: admin.get("/staff/inbox"), args.runs)
    condition = inbox_service.awaiting_answer
    inbox_service.awaiting_answer = false  # the inbox as it was before replies
    try:
        before = timed(lambda: admin.get("/staff/inbox"), args.runs)
    finally:
        inbox_service.awaiting_answer = condition
    median, ceiling = statistics.median(with_replies), statistics.median(before)
    print(f"inbox with replies     median {median:7.1f} ms   slowest {max(with_replies):7.1f} ms")
    print(f"inbox without (before) median {ceiling:7.1f} ms   slowest {max(before):7.1f} ms")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    result(
        f"inbox first page with {args.replies:,} replies ({args.items:,} items)",
        f"{median:.0f} ms median ({ceiling:.0f} ms without replies)",
        f"< {1 + TARGET_EXTRA:.2f} x without",
        median < ceiling * (1 + TARGET_EXTRA),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
