"""Soak: mixed load with injected faults for a bounded time, ending with counts that must
reconcile exactly. `make soak` (not in CI; SOAK_MINUTES, default 10).

    .venv/bin/python bench/soak.py [--minutes 10] [--clients 4]

On a fresh PostgreSQL database (BENCH_DATABASE_URL, default `soak`): gunicorn (2 processes)
and two RQ workers (one also queues the periodic jobs, the reconciler among them), with
Redis (db 13) and an aiosmtpd server each behind a TCP proxy that the run takes down. Clients
post feedback (half with a consenting contact, in five languages) and read status pages; the
built-in tracker's open tickets are resolved every 90 s. Every 60 s one fault, in turn:
a worker killed with SIGKILL mid-work and started again; Redis unreachable for 15 s; the
mail server unreachable for 15 s.

Then the load stops and the run waits for the loop to settle, and checks:
- items in (answered 201) = items stored = items processed;
- notices due (a thank-you per consenting item, a resolution per consenting item of a
  resolved ticket) = notices in the outbox = notices sent = messages received, none twice.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import database  # noqa: E402
from bench.intake import serve  # noqa: E402
from bench.report import result  # noqa: E402
from tests.support.mail import SmtpServer  # noqa: E402
from tests.support.proxy import TcpProxy  # noqa: E402
from tests.support.worker import WorkerProcess  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/soak")
REDIS_DB = 13
FAULT_EVERY_SECONDS = 60
OUTAGE_SECONDS = 15
RESOLVE_EVERY_SECONDS = 90
SETTLE_SECONDS = 600
LANGUAGES = ("fi", "sv", "en", "da", "nb")


class Load:
    """Clients posting feedback and reading status pages until stopped."""

    def __init__(self, port: int, token: str, texts: list[dict]) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.token = token
        self.texts = texts
        self.accepted: list[str] = []  # public ids answered 201
        self.answers: Counter[int] = Counter()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.serial = itertools.count()

    def _post(self, n: int) -> None:
        sample = random.choice(self.texts)
        body = {"text": f"{sample['text']} ({n})", "eservice": sample.get("eservice")}
        if n % 2 == 0:
            language = LANGUAGES[n % 5]
            body["contact"] = {"email": f"c{n}@example.org", "language": language, "consent": True}
        request = urllib.request.Request(
            f"{self.base}/api/v1/feedback",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, answer = response.status, json.load(response)
        except urllib.error.HTTPError as error:
            status, answer = error.code, None
        except OSError:
            status, answer = 0, None
        with self.lock:
            self.answers[status] += 1
            if status == 201:
                self.accepted.append(answer["id"])

    def _client(self) -> None:
        while not self.stopping.is_set():
            n = next(self.serial)
            self._post(n)
            if n % 5 == 0 and self.accepted:
                try:
                    urllib.request.urlopen(f"{self.base}/api/v1/feedback/{self.accepted[-1]}")
                except OSError:
                    pass  # reads are load here, not checked
            time.sleep(random.uniform(0.05, 0.2))

    def start(self, clients: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]
        for thread in threads:
            thread.start()
        return threads


def resolve_open_tickets(app) -> int:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Ticket, TicketState
    from app.services.tickets import set_local_status

    with app.app_context():
        open_ids = db.session.scalars(
            select(Ticket.id).where(
                Ticket.state == TicketState.OPEN, Ticket.status_category.is_distinct_from("done")
            )
        ).all()
        for ticket_id in open_ids:
            try:
                set_local_status(db.session.get(Ticket, ticket_id), "done")
            except Exception as error:  # noqa: BLE001  (a fault may hit it; retried next round)
                db.session.rollback()
                print(f"  resolving ticket {ticket_id} failed for now: {error}", flush=True)
        return len(open_ids)


def counts(app, accepted: list[str]) -> dict[str, int]:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Contact, Feedback, Notice, NoticeKind, NoticeState, Ticket

    with app.app_context():
        scalar = db.session.scalar
        consenting = Feedback.contact_id.in_(select(Contact.id).where(Contact.consent.is_(True)))
        done = Feedback.ticket_id.in_(select(Ticket.id).where(Ticket.status_category == "done"))
        return {
            "in": len(accepted),
            "in, distinct": len(set(accepted)),
            "stored": scalar(select(func.count()).select_from(Feedback)),
            "stored of those in": scalar(
                select(func.count()).where(Feedback.public_id.in_(accepted))
            ),
            "processed": scalar(select(func.count()).where(Feedback.processed_at.is_not(None))),
            "thank-yous due": scalar(select(func.count()).where(consenting)),
            "resolutions due": scalar(select(func.count()).where(consenting, done)),
            "thank-yous in outbox": scalar(
                select(func.count()).where(Notice.kind == NoticeKind.THANK_YOU)
            ),
            "resolutions in outbox": scalar(
                select(func.count()).where(Notice.kind == NoticeKind.RESOLUTION)
            ),
            "sent": scalar(select(func.count()).where(Notice.state == NoticeState.SENT)),
            "not sent": scalar(select(func.count()).where(Notice.state != NoticeState.SENT)),
        }


def notices_received(smtp: SmtpServer) -> list:
    """The citizens' notices among the messages (app/services/notices.py gives each a
    Message-ID of its own); the rest is staff mail such as spike alerts."""
    return [message for message in smtp.messages if message["Message-ID"].startswith("<notice-")]


def settled(now: dict[str, int], received: int) -> bool:
    return (
        now["processed"] == now["stored"]
        and now["thank-yous in outbox"] == now["thank-yous due"]
        and now["resolutions in outbox"] == now["resolutions due"]
        and now["not sent"] == 0
        and received == now["sent"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", 10)))
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    from redis import Redis

    from app import create_app

    logs = ROOT / "instance" / "soak"
    logs.mkdir(parents=True, exist_ok=True)
    Redis(port=6379, db=REDIS_DB).flushdb()
    with SmtpServer() as smtp, TcpProxy("127.0.0.1", 6379) as redis, TcpProxy(
        smtp.host, smtp.port
    ) as mail:
        settings = database.settings(
            PG_URL,
            f"redis://127.0.0.1:{redis.port}/{REDIS_DB}",
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(mail.port),
            MAIL_FROM="civicloop@example.org",
            PUBLIC_BASE_URL="http://127.0.0.1",
            API_RATE_LIMIT="10000000 per minute",
            NOTICE_RETRY_BASE_SECONDS="5",
            NOTICE_MAX_ATTEMPTS="50",  # outages are short: nothing should be given up
            RECONCILE_GRACE_SECONDS="30",
        )
        os.environ.update(settings)
        database.prepare(PG_URL, settings)
        database.flask(settings, "users", "create", "soak@example.org", "--role", "agent")
        token = database.flask(settings, "tokens", "create", "soak@example.org").split()[-1]
        app = create_app()
        # The workers' settings: the tests' helper passes these on and no SMTP_* of ours.
        config = {"SQLALCHEMY_DATABASE_URI": PG_URL, "SMTP_HOST": "127.0.0.1",
                  "SMTP_PORT": str(mail.port)}  # fmt: skip
        workers = [
            WorkerProcess(config, log=logs / "worker-0.log"),
            WorkerProcess(config, "--no-cron", log=logs / "worker-1.log"),
        ]
        for worker in workers:
            worker.start().wait_ready()
        server, port = serve("wsgi:app", 2, settings)
        texts = [json.loads(line) for line in (ROOT / "tests/data/holdout_feedback.jsonl").open()]
        load = Load(port, token, texts)
        threads = load.start(args.clients)
        started = time.monotonic()
        faults = itertools.cycle(("worker", "redis", "mail"))
        next_fault, next_resolve = FAULT_EVERY_SECONDS, RESOLVE_EVERY_SECONDS
        try:
            while (elapsed := time.monotonic() - started) < args.minutes * 60:
                if elapsed >= next_fault:
                    fault = next(faults)
                    print(f"{elapsed:5.0f} s  fault: {fault}", flush=True)
                    if fault == "worker":
                        victim = random.choice(workers)
                        victim.kill()
                        victim.start().wait_ready()
                    else:
                        proxy = redis if fault == "redis" else mail
                        proxy.down()
                        time.sleep(OUTAGE_SECONDS)
                        proxy.up()
                    next_fault += FAULT_EVERY_SECONDS
                if elapsed >= next_resolve:
                    resolved = resolve_open_tickets(app)
                    print(f"{elapsed:5.0f} s  resolved {resolved} tickets", flush=True)
                    next_resolve += RESOLVE_EVERY_SECONDS
                time.sleep(1)
            load.stopping.set()
            for thread in threads:
                thread.join()
            print(f"load stopped; answers {dict(load.answers)}; settling", flush=True)
            deadline = time.monotonic() + SETTLE_SECONDS
            while True:
                now = counts(app, load.accepted)
                received = len(notices_received(smtp))
                if settled(now, received) or time.monotonic() > deadline:
                    break
                time.sleep(5)
        finally:
            server.terminate()
            server.wait()
            for worker in workers:
                worker.stop()

        message_ids = Counter(message["Message-ID"] for message in notices_received(smtp))
        twice = sum(1 for seen in message_ids.values() if seen > 1)
        for name, value in now.items():
            print(f"{name:24} {value:8,}")
        print(f"{'notices received':24} {received:8,}  (sent twice: {twice})")
        staff = len(smtp.messages) - received
        print(f"{'staff mail received':24} {staff:8,}  (spike alerts, reminders: not notices)")
        items_ok = now["in"] == now["in, distinct"] == now["stored of those in"] == now[
            "stored"
        ] == now["processed"]  # fmt: skip
        notices_ok = settled(now, received) and twice == 0
        result(
            "soak: items in = stored = processed",
            f"{now['in']:,} = {now['stored']:,} = {now['processed']:,}",
            "equal",
            items_ok,
        )
        result(
            "soak: notices due = sent = received, none twice",
            f"{now['thank-yous due'] + now['resolutions due']:,} = {now['sent']:,} = "
            f"{received:,}, {twice} twice",
            "equal, 0 twice",
            notices_ok,
        )
    return 0 if items_ok and notices_ok else 1


if __name__ == "__main__":
    sys.exit(main())
