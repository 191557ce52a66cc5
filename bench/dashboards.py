"""Benchmark: the dashboards on a year of a large city's data.

    .venv/bin/python bench/dashboards.py [--items 1000000] [--responses 500000] [--runs 7]

A fresh PostgreSQL database (BENCH_DATABASE_URL, default `bench_dashboards`) with the demo
catalog gets, spread over the last 365 days, ``--items`` processed feedback items (every
channel, e-service, sentiment; one in twenty linked to one of 1,900 problem groups, most of
them resolved), ``--responses`` survey responses of the common frame and a transaction count
per e-service and day. Then each dashboard is requested ``--runs`` times through the app (as
an analyst, a supplier and a supplier's API token would), after one warm-up request, and the
median and slowest response times are recorded. Target: median under 300 ms.

Item counts come from the daily roll-up (app/services/rollups.py); the seed bypasses the ORM,
so the benchmark counts the whole year into it once, as the workers' recount would, and
records how long that took.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import database  # noqa: E402
from bench.report import arguments, result  # noqa: E402

PG_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_dashboards"
)
TARGET_MS = 300.0
GROUPS_PER_ESERVICE = 100

# One statement per table, all in the database: a million rows arrive in about a minute.
_SEED_GROUPS = """
INSERT INTO ticket (tracker, cluster_key, state, key, status, status_category, summary,
                    department_id, eservice_id, created_at, opened_at, resolved_at,
                    create_attempts, term_profile, error_codes)
SELECT 'local', 'bench-' || g, 'open', 'CL-' || g,
       CASE WHEN g % 5 < 3 THEN 'Done' ELSE 'In Progress' END,
       CASE WHEN g % 5 < 3 THEN 'done' ELSE 'indeterminate' END,
       'Problem ' || g, e.department_id, e.id, created, created + interval '3 hours',
       CASE WHEN g % 5 < 3 THEN created + (1 + g % 40) * interval '1 day' END,
       1, '{}', '[]'
FROM (SELECT row_number() OVER (ORDER BY id) - 1 AS position, id, department_id
      FROM eservice) AS e
CROSS JOIN generate_series(1, :per_eservice) AS n
CROSS JOIN LATERAL (SELECT e.position * :per_eservice + n AS g,
                           now() - (n * 3.6) * interval '1 day' AS created) AS made
"""

_SEED_ITEMS = """
WITH eservices AS (
    SELECT row_number() OVER (ORDER BY id) - 1 AS position, id, department_id FROM eservice
), counted AS (SELECT count(*) AS n FROM eservices)
INSERT INTO feedback (public_id, channel, received_at, text, redacted_text, language,
                      sentiment, kind, about_digital, eservice_id, department_id,
                      routing_method, routing_confidence, status, status_token,
                      processed_at, processing_attempts, ticket_id, resolved_at)
SELECT md5('item' || i), channels[1 + i % 7], received, 'Benchmark text ' || i,
       'Benchmark text ' || i, languages[1 + i % 5],
       sentiments[1 + (i * 7) % 5], kinds[1 + (i * 3) % 4], i % 10 < 7, e.id,
       e.department_id, 'model', 0.9,
       CASE WHEN linked AND t.resolved_at IS NOT NULL THEN 'resolved' ELSE 'forwarded' END,
       md5('token' || i), received + interval '2 seconds', 1,
       CASE WHEN linked THEN t.id END,
       CASE WHEN linked THEN t.resolved_at END
FROM generate_series(1::bigint, :items) AS i
CROSS JOIN counted
CROSS JOIN LATERAL (SELECT now() - ((i * 7919) % 525600) * interval '1 minute' AS received,
                           i % 20 = 0 AS linked) AS made
JOIN eservices AS e ON e.position = (i * 31) % counted.n
LEFT JOIN ticket AS t
       ON t.cluster_key = 'bench-' || (e.position * :per_eservice + 1 + (i / 20) % :per_eservice)
CROSS JOIN (SELECT ARRAY['agent_form', 'api', 'call_log', 'web_form', 'survey', 'open311',
                         'email'] AS channels,
                   ARRAY['fi', 'sv', 'en', 'da', 'nb'] AS languages,
                   ARRAY['negative', 'negative', 'neutral', 'positive', 'negative'] AS sentiments,
                   ARRAY['complaint', 'question', 'suggestion', 'praise'] AS kinds) AS words
"""

_SEED_RESPONSES = """
WITH eservices AS (SELECT row_number() OVER (ORDER BY id) - 1 AS position, id FROM eservice),
     counted AS (SELECT count(*) AS n FROM eservices)
INSERT INTO survey_response (eservice_id, frame_id, client_ref, received_at, language,
                             answers, satisfaction, ease, task_done, help_available,
                             understood, completed)
SELECT e.id, :frame, 'r' || i, now() - ((i * 6007) % 525600) * interval '1 minute',
       'fi', '{}', 1 + i % 5, 1 + (i * 3) % 5,
       (ARRAY['yes', 'yes', 'partly', 'no'])[1 + i % 4],
       (ARRAY['yes', 'no', 'not_needed'])[1 + i % 3], 1 + (i * 7) % 5, i % 10 <> 0
FROM generate_series(1::bigint, :responses) AS i
CROSS JOIN counted
JOIN eservices AS e ON e.position = (i * 13) % counted.n
"""

_SEED_TRANSACTIONS = """
INSERT INTO transaction_count (eservice_id, day, started, completed)
SELECT e.id, current_date - d, 400 + (e.id * 37 + d) % 300, 350 + (e.id * 37 + d) % 250
FROM eservice AS e CROSS JOIN generate_series(0, 364) AS d
"""


def seed(app, items: int, responses: int) -> None:
    from sqlalchemy import text

    from app.extensions import db
    from app.services.accounts import create_user
    from app.services.surveys import ensure_common_frame

    with app.app_context():
        frame = ensure_common_frame()
        create_user("analyst@bench.example", "analyst", "bench password")
        create_user("supplier@bench.example", "supplier", "bench password", supplier_code="kivi")
        db.session.commit()
        db.session.execute(text(_SEED_GROUPS), {"per_eservice": GROUPS_PER_ESERVICE})
        db.session.execute(
            text(_SEED_ITEMS), {"items": items, "per_eservice": GROUPS_PER_ESERVICE}
        )
        db.session.execute(text(_SEED_RESPONSES), {"frame": frame.id, "responses": responses})
        db.session.execute(text(_SEED_TRANSACTIONS))
        db.session.commit()
    with database_connection() as connection:
        connection.execute("VACUUM ANALYZE")


def roll_up(app) -> float:
    """Count the year into the daily roll-up as the workers would (the seed bypassed the
    ORM, which marks changed days); seconds taken."""
    from app.services.rollups import mark_stale, recount_stale_days

    with app.app_context():
        mark_stale(date.today() - timedelta(days=n) for n in range(-1, 367))
        started = time.perf_counter()
        recount_stale_days()
        return time.perf_counter() - started


def database_connection():  # noqa: ANN201  (psycopg.Connection)
    import psycopg

    return psycopg.connect(database.plain(PG_URL), autocommit=True)


def signed_in(app, email: str):  # noqa: ANN001, ANN201  (FlaskClient)
    from tests.support.web import sign_in

    client = app.test_client()
    sign_in(client, email, "bench password")
    return client


def supplier_token(app) -> str:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User
    from app.services.accounts import create_token

    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "supplier@bench.example")).one()
        token = create_token(user, ("supplier",))
        db.session.commit()
        return token


def timed(request, runs: int) -> list[float]:  # noqa: ANN001
    """Milliseconds of each of ``runs`` requests, after one that warms the caches."""
    response = request()
    assert response.status_code == 200, (response.status_code, response.get_data()[:300])
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = request()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times


def main() -> int:
    args = arguments(__doc__, items=1_000_000, responses=500_000, runs=7)
    app = database.fresh_app(PG_URL)
    started = time.perf_counter()
    seed(app, args.items, args.responses)
    print(
        f"seeded {args.items:,} items and {args.responses:,} survey responses "
        f"in {time.perf_counter() - started:.0f} s"
    )

    print(f"rolled a year up into days in {roll_up(app):.1f} s")

    year = {"since": (date.today() - timedelta(days=364)).isoformat(),
            "until": date.today().isoformat()}  # fmt: skip
    analyst = signed_in(app, "analyst@bench.example")
    supplier = signed_in(app, "supplier@bench.example")
    token = supplier_token(app)
    dashboards = {
        "insight, last 30 days": lambda: analyst.get("/staff/insight"),
        "insight, a year": lambda: analyst.get("/staff/insight", query_string=year),
        "insight of one e-service, a year": lambda: analyst.get(
            "/staff/insight", query_string={**year, "eservice": "parking-permit"}
        ),
        "surveys, a year": lambda: analyst.get("/staff/insight/surveys", query_string=year),
        "volume per e-service CSV, a year": lambda: analyst.get(
            "/staff/insight/volume-eservice.csv", query_string=year
        ),
        "supplier view, a year": lambda: supplier.get("/staff/supplier", query_string=year),
        "supplier API, a year": lambda: supplier.get(
            "/api/v1/supplier/insight",
            query_string=year,
            headers={"Authorization": f"Bearer {token}"},
        ),
    }
    rows = []
    for name, request in dashboards.items():
        times = timed(request, args.runs)
        median = statistics.median(times)
        rows.append((name, median, max(times)))
        print(f"{name:38} median {median:7.1f} ms   slowest {max(times):7.1f} ms")
        result(
            f"dashboard: {name} ({args.items:,} items)",
            f"{median:.0f} ms median",
            f"< {TARGET_MS:.0f} ms",
            median < TARGET_MS,
        )
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
