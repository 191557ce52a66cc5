"""Benchmark: exporting a year of a large city's benchmark files (issue 20).

    .venv/bin/python bench/benchmark_export.py [--items 1000000] [--responses 500000]

A fresh PostgreSQL database (BENCH_DATABASE_URL, default `bench_benchmark`) gets the data of
bench/dashboards.py (the demo catalog, its 19 e-services mapped to service types; a year of
items, problem groups, survey responses and transaction counts), rolled up into days. Then
the signed file of each of the last twelve whole months is built (`signed_export`, what
`benchmark export` and the API run) and timed; the target is under 10 s for the twelve.

The ceiling, measured in the same run: the bare SQL that reads the same rows (the year's
survey responses, roll-up rows, resolved items and fixed groups, grouped by e-service) with
nothing else around it.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_benchmark"
)
os.environ["BENCH_DATABASE_URL"] = PG_URL  # bench/dashboards.py's seed uses it too
from bench import database  # noqa: E402
from bench.dashboards import database_connection, roll_up, seed  # noqa: E402
from bench.report import result  # noqa: E402

TARGET_SECONDS = 10.0

_CEILING = (
    "SELECT eservice_id, count(*), sum(satisfaction), sum(ease), sum(understood) "
    "FROM survey_response WHERE received_at >= %(since)s GROUP BY eservice_id",
    "SELECT eservice_id, sum(items), sum(digital), sum(negative) FROM feedback_day "
    "WHERE day >= %(since)s GROUP BY eservice_id",
    "SELECT eservice_id, extract(epoch FROM resolved_at - received_at) FROM feedback "
    "WHERE received_at >= %(since)s AND resolved_at IS NOT NULL",
    "SELECT eservice_id, count(*) FROM ticket WHERE outcome = 'fixed' "
    "AND resolved_at >= %(since)s GROUP BY eservice_id",
)


def last_twelve_months(today: date) -> list[str]:
    year, month = today.year, today.month
    months = []
    for _ in range(12):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.append(f"{year:04d}-{month:02d}")
    return sorted(months)


def ceiling(first: str) -> float:
    """Seconds the bare aggregates take over the same year."""
    started = time.perf_counter()
    with database_connection() as connection:
        for statement in _CEILING:
            connection.execute(statement, {"since": f"{first}-01"}).fetchall()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--responses", type=int, default=500_000)
    args = parser.parse_args()
    os.environ.update(database.settings(PG_URL, "redis://127.0.0.1:6379/11"))
    database.prepare(PG_URL, dict(os.environ))
    from app import create_app
    from app.services.benchmark.export import signed_export
    from app.services.benchmark.signing import generate_key

    key = Path(tempfile.mkdtemp()) / "benchmark_key.pem"
    generate_key(key)
    app = create_app({"REDIS_URL": None, "BENCHMARK_KEY_FILE": str(key)})
    started = time.perf_counter()
    seed(app, args.items, args.responses)
    seconds = time.perf_counter() - started
    print(f"seeded {args.items:,} items, {args.responses:,} responses in {seconds:.0f} s")
    print(f"rolled a year up into days in {roll_up(app):.1f} s")

    months = last_twelve_months(date.today())
    timings = []
    with app.app_context():
        for period in months:
            began = time.perf_counter()
            envelope = signed_export(period)
            timings.append(time.perf_counter() - began)
            cells = envelope["document"]["service_types"]
            print(f"{period}: {len(cells)} service types in {timings[-1] * 1000:.0f} ms")
    total = sum(timings)
    bare = ceiling(months[0])
    print(f"twelve months: {total:.2f} s (slowest month {max(timings) * 1000:.0f} ms)")
    print(f"ceiling, the bare aggregates over the year: {bare:.2f} s")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    result(
        f"benchmark export: a year ({args.items:,} items)",
        f"{total:.2f} s",
        f"< {TARGET_SECONDS:.0f} s",
        total < TARGET_SECONDS,
    )
    shutil.rmtree(key.parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
