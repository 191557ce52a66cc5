"""Benchmark: a blind file through the running product, read back as an outside client reads
it, so the figures of `bench/analysis.py` and `bench/grouping.py` (which call the services
directly) are checked against what a deployment actually decides.

    .venv/bin/python bench/loop.py [--file held-out|tuning|second|…|sixth] [--workers 1]

On a fresh PostgreSQL database (BENCH_DATABASE_URL, default `bench_loop`) with the demo
catalog: `flask routing train`, gunicorn, and ``--workers`` RQ worker processes (`python -m
workers`; Redis at BENCH_REDIS_URL, default db 12). Each item of the blind file is posted to
`POST /api/v1/feedback` in the file's order, with its text and the API channel its style
comes through (an agent's call note by the agent form, an e-mail as an e-mail, a web form or
survey comment by the API); nothing else of its labels. When every item has been processed,
each is read back with `GET /api/v1/feedback/<id>` and scored against its labels:

- language, triage, department and e-service among routed items, sentiment and kind macro-F1,
  about a digital service, as `bench/analysis.py` defines them;
- grouping: pairwise precision and recall of "same ticket" over the items labelled with a
  grouped kind and a department, as `bench/grouping.py` counts them. Unlike that benchmark,
  an item the product does not group (triage, or a kind it does not group) is a ticket of its
  own here, as it is for a city until a handler acts;
- what the problem pages then offer as probably the same problem (read from the database),
  and the grouping once a handler merged every offered pair whose reports mostly carry one
  problem label.

The files and halves are the blind ones of `bench/datasets.py`: only the tuning half (and the
second file, read in an earlier session) may be tuned on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app.services.analysis.evaluation import macro_f1  # noqa: E402
from app.services.grouping import ACTIONABLE_KINDS  # noqa: E402
from bench import database  # noqa: E402
from bench.datasets import (  # noqa: E402
    BLIND,
    BLIND_FIFTH,
    BLIND_FOURTH,
    BLIND_SECOND,
    BLIND_SIXTH,
    BLIND_THIRD,
    blind_split,
    in_city_convention,
    load_rows,
    shown,
)
from bench.intake import serve  # noqa: E402
from bench.report import machine, result  # noqa: E402
from tests.support.worker import WorkerProcess  # noqa: E402

PG_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_loop"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
FILES = {
    "held-out": BLIND,
    "tuning": BLIND,
    "second": BLIND_SECOND,
    "third": BLIND_THIRD,
    "fourth": BLIND_FOURTH,
    "fifth": BLIND_FIFTH,
    "sixth": BLIND_SIXTH,
}
# The API channel each style of the blind files comes through.
CHANNELS = {"call_note": "agent_form", "email": "email", "web_form": "api", "survey": "api"}
SETTLE_SECONDS = 1800


def rows_of(name: str) -> list[dict[str, Any]]:
    rows = load_rows(FILES[name])
    return blind_split(rows)[name] if FILES[name] == BLIND else rows


class Client:
    """The product's public API, as a third party calls it."""

    def __init__(self, port: int, token: str) -> None:
        self.base = f"http://127.0.0.1:{port}/api/v1"
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=self.headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def post(self, row: dict[str, Any]) -> str:
        body = {"text": row["text"], "channel": CHANNELS.get(row.get("channel"), "api")}
        return self.call("/feedback", body)["id"]


def settle(client: Client, ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every item read back once none is still waiting to be processed and every ticket has
    been opened in the tracker (its key is the group's identity here)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        items = [client.call(f"/feedback/{public_id}") for public_id in ids]
        waiting = sum(
            item["status"] == "received" or bool(item["ticket"] and not item["ticket"]["key"])
            for item in items
        )
        if not waiting:
            return items
        if time.monotonic() > deadline:
            raise RuntimeError(f"{waiting} items still unsettled after {SETTLE_SECONDS} s")
        time.sleep(5)


def ticket_of(item: dict[str, Any]) -> str | None:
    """The item's ticket in the tracker (built in here), if it was grouped."""
    ticket = item["ticket"]
    return ticket["key"] if ticket else None


def understanding(rows: Sequence[dict[str, Any]], items: Sequence[dict[str, Any]]) -> None:
    """The analysis's figures as `bench/analysis.py` defines them, from what the API shows."""
    pairs = list(zip(rows, items, strict=True))
    routed = [(row, item) for row, item in pairs if item["department"] is not None]

    def accuracy(name: str, among: Sequence[tuple[dict, dict]]) -> float:
        labelled = [(row, item) for row, item in among if row[name] is not None]
        return sum(row[name] == item[name] for row, item in labelled) / max(len(labelled), 1)

    def f1(name: str, among: Sequence[tuple[dict, dict]] = pairs) -> float:
        labelled = [(row, item) for row, item in among if row[name]]
        return macro_f1([row[name] for row, _ in labelled], [i[name] or "" for _, i in labelled])

    print(f"  language accuracy    {accuracy('language', pairs):.3f}")
    print(f"  triage               {1 - len(routed) / len(pairs):.3f}")
    print(f"  department (routed)  {accuracy('department', routed):.3f}")
    print(f"  e-service (routed)   {accuracy('eservice', routed):.3f}")
    print(f"  sentiment macro-F1   {f1('sentiment'):.3f}")
    city = [(in_city_convention(row), item) for row, item in pairs]
    print(f"    in the dev history's convention (a fault is negative): {f1('sentiment', city):.3f}")
    print(f"  kind macro-F1        {f1('kind'):.3f}")
    print(f"  about digital        {accuracy('about_digital', pairs):.3f}")


def grouping(
    rows: Sequence[dict[str, Any]], items: Sequence[dict[str, Any]]
) -> tuple[float, float]:
    """Pairwise precision and recall of "same ticket" over the labelled grouped items."""
    labelled = [
        (row, item)
        for row, item in zip(rows, items, strict=True)
        if row["kind"] in ACTIONABLE_KINDS and row["department"]
    ]
    grouped = [(row["problem"], ticket_of(item) or f"alone:{item['id']}") for row, item in labelled]
    precision, recall = pairwise(grouped)
    alone = [item for _, item in labelled if not item["ticket"]]
    triage = sum(item["department"] is None for item in alone)
    problems = len({problem for problem, _ in grouped if problem})
    tickets = len({ticket for _, ticket in grouped})
    print(f"  grouping: {len(grouped)} items of the grouped kinds, {problems} problems → "
          f"{tickets} tickets; not grouped: {triage} in triage, "
          f"{len(alone) - triage} of a kind not grouped")  # fmt: skip
    print(f"  pairwise precision {precision:.3f}  recall {recall:.3f}")
    print("  pairs of one problem kept apart, by why: " + ", ".join(
        f"{why} {count}" for why, count in lost_pairs(labelled).most_common()))  # fmt: skip
    return precision, recall


def pairwise(grouped: Sequence[tuple[str | None, str]]) -> tuple[float, float]:
    """Pairwise precision and recall of (problem label, ticket) pairs; an item without a
    problem label is a problem of its own."""
    both = together = true_pairs = 0
    for (problem_a, ticket_a), (problem_b, ticket_b) in itertools.combinations(grouped, 2):
        same = problem_a is not None and problem_a == problem_b
        true_pairs += same
        together += ticket_a == ticket_b
        both += same and ticket_a == ticket_b
    return both / together if together else 0.0, both / true_pairs


def offered_merges(settings: dict[str, str]) -> set[frozenset[str]]:
    """The pairs of problems (tracker keys) that the problem pages offer as probably one
    problem (``grouping.likely_same_problems``), read from the benchmark's database with the
    scorer its `routing train` stored, as handlers' pages show them."""
    from sqlalchemy import select, true

    from app import create_app
    from app.extensions import db
    from app.models import Ticket
    from app.services.grouping import likely_duplicates, likely_same_problems

    os.environ.update({"CIVICLOOP_INSTANCE": settings["CIVICLOOP_INSTANCE"]})
    app = create_app({"SQLALCHEMY_DATABASE_URI": PG_URL, "REDIS_URL": None})
    offered: set[frozenset[str]] = set()
    with app.app_context():
        tickets = db.session.scalars(select(Ticket).where(Ticket.key.is_not(None))).all()
        for ticket in tickets:
            offered |= {frozenset((ticket.key, o.key)) for o, _ in likely_same_problems(ticket)}
        db.session.expire_all()
        started = time.perf_counter()
        listed = likely_duplicates(true())
        took = time.perf_counter() - started
        same = {frozenset((pair.larger.key, pair.smaller.key)) for pair in listed} == offered
        db.session.rollback()
    print(f"  the likely duplicates list (an admin's, every department): {len(listed)} pairs, "
          f"{'the same as' if same else 'NOT the same as'} the problem pages offer, "
          f"in {1000 * took:.0f} ms, among {len(tickets)} tickets")  # fmt: skip
    return offered


def merged_by_handlers(
    rows: Sequence[dict[str, Any]], items: Sequence[dict[str, Any]], offered: set[frozenset[str]]
) -> None:
    """Pairwise precision and recall once a handler merged every offered pair of problems
    whose reports mostly carry one problem label, and dismissed the others."""
    labelled = [
        (row, item)
        for row, item in zip(rows, items, strict=True)
        if row["kind"] in ACTIONABLE_KINDS and row["department"]
    ]
    told: dict[str, list[str | None]] = {}
    for row, item in zip(rows, items, strict=True):
        if (key := ticket_of(item)) is not None:
            told.setdefault(key, []).append(row["problem"])
    problem = {key: Counter(labels).most_common(1)[0][0] for key, labels in told.items()}
    merged_into: dict[str, str] = {}

    def final(key: str) -> str:
        while key in merged_into:
            key = merged_into[key]
        return key

    # Right: both problems' reports mostly carry one and the same problem label.
    right = [pair for pair in offered if len({problem[key] for key in pair}) == 1]
    right = [pair for pair in right if None not in {problem[key] for key in pair}]
    for first, second in (sorted(pair) for pair in right):
        if final(first) != final(second):
            merged_into[final(first)] = final(second)
    grouped = [
        (row["problem"], final(key) if (key := ticket_of(item)) else f"alone:{item['id']}")
        for row, item in labelled
    ]
    precision, recall = pairwise(grouped)
    print(f"  problem pages offer {len(offered)} pairs of problems as probably one, "
          f"{len(right)} right; merging those: P {precision:.3f}  R {recall:.3f}")  # fmt: skip


def lost_pairs(labelled: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> Counter[str]:
    """Why each pair of reports of one problem is not in one ticket: one of them is not
    grouped, the two were routed to different departments or e-services, or they are in
    different tickets of one e-service (the pair scorer's part)."""
    reasons: Counter[str] = Counter()
    for (row_a, item_a), (row_b, item_b) in itertools.combinations(labelled, 2):
        if not row_a["problem"] or row_a["problem"] != row_b["problem"]:
            continue
        ticket_a, ticket_b = ticket_of(item_a), ticket_of(item_b)
        if ticket_a and ticket_a == ticket_b:
            continue
        if not (ticket_a and ticket_b):
            reasons["not grouped"] += 1
        elif item_a["department"] != item_b["department"]:
            reasons["other department"] += 1
        elif item_a["eservice"] != item_b["eservice"]:
            reasons["other e-service"] += 1
        else:
            reasons["split in one e-service"] += 1
    return reasons


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", choices=sorted(FILES), default="held-out")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--dump", type=Path, help="write each item's labels and what the API shows to this file"
    )
    args = parser.parse_args()
    from redis import Redis

    rows = rows_of(args.file)
    print(f"machine: {machine()}; {args.workers} worker(s)")
    print(f"== {shown(FILES[args.file])}{' (held-out half)' if args.file == 'held-out' else ''}:"
          f" {len(rows)} items posted through the API")  # fmt: skip
    Redis.from_url(REDIS_URL).flushdb()
    settings = database.settings(
        PG_URL,
        REDIS_URL,
        PUBLIC_BASE_URL="http://127.0.0.1",
        API_RATE_LIMIT="10000000 per minute",
    )
    logs = ROOT / "instance" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    database.prepare(PG_URL, settings)
    print("  " + database.flask(settings, "routing", "train").strip())
    database.flask(settings, "users", "create", "loop@example.org", "--role", "agent")
    token = database.flask(settings, "tokens", "create", "loop@example.org").split()[-1]
    workers = [
        WorkerProcess(
            {"SQLALCHEMY_DATABASE_URI": PG_URL, "REDIS_URL": settings["REDIS_URL"]},
            *(() if n == 0 else ("--no-cron",)),
            log=logs / f"loop-worker-{n}.log",
        )
        for n in range(args.workers)
    ]
    server, port = serve("wsgi:app", 2, settings)
    try:
        for worker in workers:
            worker.start().wait_ready()
        client = Client(port, token)
        started = time.monotonic()
        ids = [client.post(row) for row in rows]
        items = settle(client, ids)
        print(f"  posted and processed in {time.monotonic() - started:.0f} s")
    finally:
        server.terminate()
        for worker in workers:
            worker.stop()
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for row, item in zip(rows, items, strict=True):
                out.write(json.dumps({"labels": row, "shown": item}, ensure_ascii=False) + "\n")
    understanding(rows, items)
    precision, recall = grouping(rows, items)
    merged_by_handlers(rows, items, offered_merges(settings))
    what = "through the product: grouping"
    result(f"{what} precision", f"{precision:.3f}", ">= 0.90", precision >= 0.9)
    result(f"{what} recall", f"{recall:.3f}", ">= 0.75", recall >= 0.75)
    return 0


if __name__ == "__main__":
    sys.exit(main())
