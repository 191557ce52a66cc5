"""Benchmark: `POST /api/v1/feedback` under gunicorn on PostgreSQL and Redis.

    .venv/bin/python bench/intake.py [--seconds 15] [--runs 3] [--workers 4]

Starts gunicorn on a fresh database (BENCH_DATABASE_URL, default database `bench_intake`
on the local PostgreSQL) with jobs queued in Redis (BENCH_REDIS_URL; no worker runs, so only
intake is measured), and drives it with wrk from this machine:

1. the highest rate: wrk with 32 connections, requests/s and latency percentiles;
2. latency at half that rate: each connection paced by wrk's delay(), p50 and p99;
3. the ceiling: the same under bench/ceiling_app.py, a bare Flask endpoint that parses the
   same JSON and commits one row;
4. the floor: bench/floor_app.py, intake's own round trips and redaction written plainly
   (no ORM, marshmallow or Flask extensions), and the same writes as one statement: how
   much of the gap the work itself takes.

Both on the realistic body agents send (bench/intake.lua: contact and consent, e-service,
source_ref, personal data, five languages), and civicloop also on the light body
({"text", "channel"}) as a second line.

Median of --runs runs. Needs `wrk` (Debian package; `make bench` installs it).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import database  # noqa: E402
from bench.report import result  # noqa: E402
from tests.support.mail import free_port  # noqa: E402

BIN = ROOT / ".venv" / "bin"
PG_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_intake"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
CONNECTIONS = 32


def env() -> dict[str, str]:
    return database.settings(
        PG_URL,
        REDIS_URL,
        PUBLIC_BASE_URL="http://127.0.0.1",
        API_RATE_LIMIT="10000000 per minute",  # the load comes from one token
    )


def prepare() -> str:
    """A migrated database with the demo catalog, and an API token."""
    database.prepare(PG_URL, env())
    database.flask(env(), "users", "create", "bench@example.org", "--role", "agent")
    output = database.flask(env(), "tokens", "create", "bench@example.org")
    return output.strip().split()[-1]


def serve(
    app: str, workers: int, environment: dict[str, str] | None = None
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [
        str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--log-level", "warning", app,
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=environment or env())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server, port
        except OSError as error:
            if getattr(error, "code", None):  # any HTTP answer means it is up
                return server, port
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"{app} did not start")


def wrk(
    port: int, token: str, seconds: int, delay_ms: float = 0, body: str = "realistic"
) -> dict[str, float]:
    command = [
        "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
        "-s", str(ROOT / "bench" / "intake.lua"), f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    run_env = {
        **os.environ, "TOKEN": token, "DELAY_MS": str(delay_ms), "BODY": body,
        "RUN": f"{time.time_ns()}",
    }  # fmt: skip
    output = subprocess.run(command, env=run_env, check=True, capture_output=True, text=True)
    text = output.stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed requests:\n{text}")

    def latency(percentile: str) -> float:
        value, unit = re.search(rf"\s{percentile}%\s+([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    return {"rate": rate, "p50": latency("50"), "p99": latency("99")}


def measure(
    app: str,
    token: str,
    args: argparse.Namespace,
    paced: bool,
    body: str = "realistic",
    **settings: str,
) -> dict[str, float]:
    server, port = serve(app, args.workers, {**env(), **settings})
    try:
        wrk(port, token, 3, body=body)  # warm-up: imports, connection pools
        runs = [wrk(port, token, args.seconds, body=body) for _ in range(args.runs)]
        peak = statistics.median(r["rate"] for r in runs)
        result = {"rate": peak}
        if paced:
            # Each connection waits so that all together offer about half the peak rate.
            delay_ms = 1000 * CONNECTIONS / (peak / 2)
            runs = [wrk(port, token, args.seconds, delay_ms, body) for _ in range(args.runs)]
            result["half_rate"] = statistics.median(r["rate"] for r in runs)
            result["p50"] = statistics.median(r["p50"] for r in runs)
            result["p99"] = statistics.median(r["p99"] for r in runs)
        return result
    finally:
        server.terminate()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk, or make bench)", file=sys.stderr)
        return 2
    from redis import Redis

    token = prepare()
    import psycopg

    with psycopg.connect(database.plain(PG_URL)) as connection:
        connection.execute("CREATE TABLE ceiling (id bigserial PRIMARY KEY, body jsonb)")
    setup = f"gunicorn -w {args.workers}, wrk -c{CONNECTIONS}, {args.seconds} s x {args.runs}"
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {setup}")
    civicloop = measure("wsgi:app", token, args, paced=True)
    light = measure("wsgi:app", token, args, paced=True, body="light")
    floor = measure("bench.floor_app:app", token, args, paced=False)
    one_statement = measure("bench.floor_app:app", token, args, paced=False, FLOOR="one")
    Redis.from_url(REDIS_URL).flushdb()
    ceiling = measure("bench.ceiling_app:app", token, args, paced=False)
    print(f"ceiling (bare Flask, parse + one row):   {ceiling['rate']:8.0f} requests/s")
    print(
        f"floor (intake's round trips, plainly): {floor['rate']:8.0f} requests/s "
        f"({floor['rate'] / ceiling['rate']:.0%} of the ceiling)"
    )
    print(
        f"floor, the writes in one statement:    {one_statement['rate']:8.0f} requests/s "
        f"({one_statement['rate'] / ceiling['rate']:.0%} of the ceiling)"
    )
    for name, measured in (("realistic body", civicloop), ("light body", light)):
        print(
            f"civicloop, {name + ':':16} {measured['rate']:8.0f} requests/s "
            f"({measured['rate'] / ceiling['rate']:.0%} of the ceiling; target >= 50%); "
            f"at half that rate ({measured['half_rate']:.0f}/s): p50 {measured['p50']:.1f} ms, "
            f"p99 {measured['p99']:.1f} ms (target p99 < 50 ms)"
        )
    Redis.from_url(REDIS_URL).flushdb()
    share = civicloop["rate"] / ceiling["rate"]
    result("intake vs ceiling, realistic body", f"{share:.0%}", ">= 50%", share >= 0.5)
    p99 = civicloop["p99"]
    result("intake p99 at half rate, realistic body", f"{p99:.1f} ms", "< 50 ms", p99 < 50)
    return 0


if __name__ == "__main__":
    sys.exit(main())
