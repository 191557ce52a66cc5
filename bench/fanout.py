"""Benchmark: a problem with 5,000 affected citizens is resolved; how fast do their
resolution notices reach a local SMTP server, and is any sent twice?

    .venv/bin/python bench/fanout.py [--citizens 5000] [--workers 1]

A fresh database (BENCH_DATABASE_URL, default `bench_fanout`) gets one item through intake
(so the built-in tracker opens its ticket), then citizens - 1 more items on the same ticket,
each with its own consenting contact in one of the five languages. Workers
(`python -m workers --no-cron`) run against Redis (BENCH_REDIS_URL) and an aiosmtpd server
in this process. The clock starts when the ticket is marked done and stops when the last
notice has been received.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import database  # noqa: E402
from bench.report import result  # noqa: E402

PG_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_fanout"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


class Inbox:
    """What the SMTP server received: every Message-ID and recipient."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []
        self.recipients: set[str] = set()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802, ANN001, ANN201
        header = envelope.content.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
        message_id = next(
            (line.split(":", 1)[1].strip() for line in header.splitlines()
             if line.lower().startswith("message-id:")), "",
        )  # fmt: skip
        with self.lock:
            self.message_ids.append(message_id)
            self.recipients.update(envelope.rcpt_tos)
        return "250 OK"


def seed(app, citizens: int) -> int:
    """One item through intake, the rest on its ticket in bulk; the ticket's id."""
    from sqlalchemy import text

    from app.extensions import db
    from app.services.intake import ContactDetails, Submission, submit_feedback

    with app.app_context():
        contact = ContactDetails(email="c0@example.org", language="fi", consent=True)
        item = submit_feedback(
            Submission(
                text="Pysäköintitunnuksen maksu ei mene läpi.",
                channel="api",
                eservice="parking-permit",
                contact=contact,
            )
        ).feedback
        # Without Redis, intake processed the item and opened its ticket inline.
        ticket_id, eservice_id, department_id = item.ticket_id, item.eservice_id, item.department_id
        db.session.execute(text("UPDATE notice SET state = 'sent'"))  # the thank-you
        db.session.execute(
            text(
                """
                WITH contacts AS (
                    INSERT INTO contact (email, language, consent, consent_at, consent_channel,
                                         created_at)
                    SELECT 'c' || n || '@example.org',
                           (ARRAY['fi', 'sv', 'en', 'da', 'nb'])[1 + n % 5], true, now(),
                           'api', now()
                    FROM generate_series(1, :more) AS n
                    RETURNING id
                )
                INSERT INTO feedback (public_id, channel, received_at, text, redacted_text,
                    language, status, status_token, processing_attempts, processed_at,
                    contact_id, ticket_id, eservice_id, department_id, routing_method)
                SELECT md5('f' || id), 'api', now(), 'Maksu ei mene läpi.',
                       'Maksu ei mene läpi.', 'fi', 'forwarded', md5('t' || id), 1, now(),
                       id, :ticket, :eservice, :department, 'explicit'
                FROM contacts
                """
            ),
            {
                "more": citizens - 1,
                "ticket": ticket_id,
                "eservice": eservice_id,
                "department": department_id,
            },
        )
        db.session.commit()
        return ticket_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    from aiosmtpd.controller import Controller
    from redis import Redis

    from app import create_app
    from tests.support.mail import free_port

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    mail = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "MAIL_FROM": "civicloop@example.org"}
    os.environ.update(database.settings(PG_URL, REDIS_URL, **mail))
    database.prepare(PG_URL, dict(os.environ))
    Redis.from_url(REDIS_URL).flushdb()
    inline = create_app({"REDIS_URL": None})
    ticket_id = seed(inline, args.citizens)
    inbox.message_ids.clear()
    inbox.recipients.clear()

    env = dict(os.environ)  # the benchmark's settings, PYTHONPATH included
    logs = [ROOT / "instance" / "bench" / f"fanout-worker-{n}.log" for n in range(args.workers)]
    logs[0].parent.mkdir(parents=True, exist_ok=True)
    workers = [
        subprocess.Popen(
            [str(ROOT / ".venv/bin/python"), "-m", "workers", "--no-cron"],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    try:
        # The workers load the language detector and the models before they listen.
        while not all("Listening on" in log.read_text(errors="replace") for log in logs):
            time.sleep(0.2)
        app = create_app()
        with app.app_context():
            from app.extensions import db
            from app.models import Ticket
            from app.services.tickets import set_local_status

            started = time.perf_counter()
            set_local_status(db.session.get(Ticket, ticket_id), "done")
            queued = time.perf_counter() - started
        deadline = time.monotonic() + 900
        while len(inbox.message_ids) < args.citizens and time.monotonic() < deadline:
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        time.sleep(3)  # anything sent twice would arrive now
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait()
        controller.stop()
    received = len(inbox.message_ids)
    duplicates = received - len(set(inbox.message_ids))
    rate = received / seconds
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{args.workers} worker(s)")  # fmt: skip
    print(f"{args.citizens:,} citizens: marked done, notices queued in {queued:.1f} s; "
          f"{received:,} received in {seconds:.1f} s = {rate:.0f} notices/s; "
          f"{len(inbox.recipients):,} recipients, {duplicates} duplicates")  # fmt: skip
    result("resolution fan-out", f"{rate:.0f} notices/s", ">= 200 notices/s", rate >= 200)
    ok = duplicates == 0 and received == args.citizens
    result("fan-out duplicates / lost", f"{duplicates} / {args.citizens - received}", "0 / 0", ok)
    return 0


if __name__ == "__main__":
    sys.exit(main())
