"""A real RQ worker process (`python -m workers`) for tests on real parts."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).parents[2]


# Flags whose value a worker needs as configured (others are left to their defaults).
_PASSED_FLAGS = ("SMTP_STARTTLS", "IMAP_SSL")


def settings_env(config: dict) -> dict:
    """The environment that gives a separate process the same settings as ``config``."""
    names = {
        "SQLALCHEMY_DATABASE_URI": "DATABASE_URL",
        "INSTANCE_PATH": "CIVICLOOP_INSTANCE",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "SMTP_"))}
    for key, value in config.items():
        if value is None or isinstance(value, dict | bool) and key not in _PASSED_FLAGS:
            continue
        env[names.get(key, key)] = str(value)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return env


class WorkerProcess:
    def __init__(self, config: dict, *args: str, log: Path) -> None:
        self.command = [sys.executable, "-m", "workers", *args]
        self.env = settings_env(config)
        self.log_path = log
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        self._log = open(self.log_path, "wb")  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the worker and every process it started, mid-job: nothing runs on. RQ's
        work horse puts itself in a session of its own, so it is found by parentage."""
        if self.process and self.process.poll() is None:
            for pid in [*_descendants(self.process.pid), self.process.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 120) -> WorkerProcess:
        """Until RQ listens: loading the language detector and models comes first and takes
        seconds, more on a busy machine, and must not eat the time a test gives a job."""
        wait_until(lambda: "Listening on" in self.log(), timeout, "the worker to start", self)
        return self

    def __enter__(self) -> WorkerProcess:
        return self.start().wait_ready()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = [], list(children.get(pid, []))
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(children.get(child, []))
    return found


def committed(query):  # noqa: ANN001, ANN201  (a select; its ScalarResult)
    """``query``'s result as the worker committed it: the test's own transaction, which
    would still show the rows as they were, is ended first."""
    from app.extensions import db

    db.session.rollback()
    return db.session.scalars(query)


def wait_until(
    condition: Callable[[], object],
    timeout: float = 30,
    what: str = "",
    worker: WorkerProcess | None = None,
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    log = f"; worker log:\n{worker.log()}" if worker else ""
    raise AssertionError(f"timed out waiting for {what or condition}{log}")
