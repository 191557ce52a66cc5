"""The benchmarks' databases: made anew for each run, migrated, with the demo catalog."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(ROOT / ".venv" / "bin" / "flask")


def settings(url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmark's processes: this one's, plus the benchmark's
    database, Redis and instance folder, and ``extra``."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench",
        "CIVICLOOP_INSTANCE": str(ROOT / "instance" / "bench"),
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def plain(url: str) -> str:
    """The SQLAlchemy URL as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def flask(env: dict[str, str], *args: str) -> str:
    """`flask --app wsgi ARGS` with the benchmark's settings; its output."""
    command = [FLASK, "--app", "wsgi", *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def prepare(url: str, env: dict[str, str]) -> None:
    """Drop and create the database at ``url``, migrate it and load the demo catalog."""
    import psycopg

    base, name = plain(url).rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    flask(env, "db", "upgrade")
    flask(env, "catalog", "load", "app/data/demo_catalog.json")


def fresh_app(url: str):  # noqa: ANN201  (flask.Flask)
    """The app on a new database at ``url`` (made as ``prepare`` does), jobs inline."""
    from app import create_app

    os.environ.update(settings(url, "redis://127.0.0.1:6379/11"))
    prepare(url, dict(os.environ))
    return create_app({"REDIS_URL": None, "WTF_CSRF_ENABLED": True})
