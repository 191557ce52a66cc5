"""Benchmark: import a generated contact-centre export into PostgreSQL.

    .venv/bin/python bench/call_import.py [--rows 1000000] [--runs 3]

Generates a CSV of realistic call notes (five languages, some personal data, some
wrong numbers, some repeated call ids), imports it with `flask calls import`'s service
into a fresh schema on TEST_DATABASE_URL (queue: Redis on TEST_REDIS_URL, so processing
is only queued), and reports rows/s and the peak memory of the importing process,
beside a raw PostgreSQL COPY of the same rows into a bare table as the ceiling.
Each run is a separate process, so peak memory is the import's own.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.datasets import DEV  # noqa: E402
from bench.report import result  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
HEADER = [
    "call_id", "started_at", "queue", "agent", "wrap_up_code", "caller_phone",
    "caller_email", "caller_name", "language", "follow_up_consent", "eservice", "notes",
]  # fmt: skip


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    dev = [json.loads(line) for line in DEV.open(encoding="utf-8")]
    texts = [item["text"] for item in dev] or [
        "Lomake ei toimi kun lisään liitteen.",
        "Ansökan om skolskjuts fungerar inte.",
        "The parking permit payment fails.",
        "Tilmeldingen virker ikke.",
        "Søknaden fungerer ikke på mobil.",
    ]
    services = ["daycare-application", "school-transport", "parking-permit", "library-account", ""]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            call_id = f"call-{n if rng.random() > 0.01 else max(0, n - 5)}"
            wrap = "WRONG_NUMBER" if rng.random() < 0.03 else "FEEDBACK"
            text = (
                rng.choice(texts)
                .replace("{PHONE}", f"040 {rng.randrange(10**6, 10**7)}")
                .replace("{EMAIL}", f"someone{n}@example.org")
                .replace("{NAME}", "Anna Virtanen")
                .replace("{NATIONAL_ID}", "131052-308T")
                .replace("{IBAN}", "FI21 1234 5600 0007 85")
            )
            writer.writerow([
                call_id, f"2026-11-{1 + n % 28:02d} {8 + n % 9:02d}:{n % 60:02d}", "Q1",
                f"agent{n % 40}", wrap, f"040{rng.randrange(10**6, 10**7)}",
                f"c{rng.randrange(200_000)}@example.org" if rng.random() < 0.3 else "",
                "", "fi", "yes" if rng.random() < 0.2 else "no", rng.choice(services), text,
            ])  # fmt: skip


def run_import(path: Path) -> dict:
    """One import in a child process; returns rows/s and peak RSS."""
    code = f"""
import json, resource, time
from app import create_app
from app.services.call_import import import_call_log
from integrations.call_logs import CallLogMapping, read_call_log
from tests.conftest import migrate_fresh, load_demo_catalog
config = {{"SQLALCHEMY_DATABASE_URI": {PG_URL!r}, "REDIS_URL": {REDIS_URL!r}, "SECRET_KEY": "b"}}
app = create_app(config)
migrate_fresh(app); load_demo_catalog(app)
from redis import Redis; Redis.from_url({REDIS_URL!r}).flushdb()
with app.app_context():
    mapping = CallLogMapping.load("generic")
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    s = import_call_log(read_call_log({str(path)!r}, mapping), mapping)
    elapsed = time.perf_counter() - started
print(json.dumps({{"rows": s.rows, "stored": s.stored, "known": s.known, "skipped": s.skipped,
    "rejected": s.rejected, "seconds": elapsed, "before_mb": before_mb,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    path_entries = filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path_entries)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, env=env)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_copy(path: Path) -> float:
    """The ceiling: PostgreSQL's own COPY of the same file into a bare table."""
    import psycopg

    url = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_calls")
        columns = ", ".join(f"{name} text" for name in HEADER)
        connection.execute(f"CREATE TABLE bench_calls ({columns})")
        started = time.perf_counter()
        with connection.cursor() as cursor, path.open("rb") as handle:
            with cursor.copy("COPY bench_calls FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        elapsed = time.perf_counter() - started
        connection.execute("DROP TABLE bench_calls")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--file", type=Path, default=Path("/tmp/civicloop-bench-calls.csv"))
    args = parser.parse_args()
    if not args.file.exists() or sum(1 for _ in args.file.open()) != args.rows + 1:
        generate(args.file, args.rows)
    imports = [run_import(args.file) for _ in range(args.runs)]
    copies = [run_copy(args.file) for _ in range(args.runs)]
    seconds = statistics.median(run["seconds"] for run in imports)
    copy_seconds = statistics.median(copies)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"file: {args.rows:,} rows, {args.file.stat().st_size / 1e6:.0f} MB; last run: "
          f"{imports[-1]['stored']:,} stored, {imports[-1]['known']:,} known, "
          f"{imports[-1]['skipped']:,} skipped, {imports[-1]['rejected']:,} rejected")  # fmt: skip
    print(
        f"civicloop import: {args.rows / seconds:,.0f} rows/s (median of {args.runs}: "
        f"{seconds:.1f} s), peak memory {max(r['peak_mb'] for r in imports):.0f} MB, of which "
        f"{max(r['before_mb'] for r in imports):.0f} MB before the import began (the app)"
    )
    print(
        f"PostgreSQL COPY (ceiling): {args.rows / copy_seconds:,.0f} rows/s ({copy_seconds:.1f} s)"
    )
    print(f"ratio: {copy_seconds / seconds:.0%} of the ceiling")
    rate, peak = args.rows / seconds, max(r["peak_mb"] for r in imports)
    result("call-log import", f"{rate:,.0f} rows/s", ">= 20,000 rows/s", rate >= 20_000)
    result("call-log import peak memory", f"{peak:.0f} MB", "< 300 MB", peak < 300)


if __name__ == "__main__":
    main()
