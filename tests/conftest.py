"""Fixtures for real parts: PostgreSQL, Redis, an SMTP server and a stand-in Jira.

In CI (CI=true) a missing PostgreSQL or Redis fails the run; elsewhere those
tests skip with the reason.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import flask_babel
import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from app.models import User
from app.services import accounts
from tests.support.factories import staff_user
from tests.support.imap import DovecotServer, dovecot_installed
from tests.support.mail import SmtpServer
from tests.support.worker import WorkerProcess

IN_CI = os.environ.get("CI", "").lower() == "true"
# `make test` runs the suite in several processes (pytest-xdist: gw0, gw1, …); each has a
# database and a Redis database of its own, as each empties them between tests.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_NUMBER = int(WORKER.removeprefix("gw") or 0)
_PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CATALOG = Path(__file__).parent.parent / "app" / "data" / "demo_catalog.json"
# What the whole session shares: the migrated SQLite schema and the trained seed models.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="civicloop-tests-"))
atexit.register(shutil.rmtree, _SESSION_DIR, ignore_errors=True)
_SQLITE_TEMPLATE = _SESSION_DIR / "migrated.db"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _own_redis_database(url: str) -> str:
    """The worker's Redis database: the given one for the first worker, the ones below it for
    the others (15, 14, … by default)."""
    parsed = urlparse(url)
    number = int(parsed.path.strip("/") or 0) - WORKER_NUMBER
    if number < 0:
        raise pytest.UsageError(f"{url}: too few Redis databases below it for worker {WORKER}")
    return parsed._replace(path=f"/{number}").geturl()


REDIS_URL = _own_redis_database(_REDIS_URL)


@functools.cache
def _own_postgresql_database(url: str) -> str:
    """The worker's database on the PostgreSQL server of ``url``: the given one for the first
    worker (and a run in one process), else one named after the worker beside it (test_gw1),
    made on first use."""
    if WORKER_NUMBER == 0:
        return url
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    given = make_url(url)
    own = given.set(database=f"{given.database}_{WORKER}")
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


def unavailable(message: str) -> None:
    """A server or browser the tests need is missing: a failure in CI, which must provide
    it; a skip on a developer's machine without it (`make test` installs what it can)."""
    if IN_CI:
        pytest.fail(f"{message}; CI must provide it")
    pytest.skip(message)


def require_server(url: str, default_port: int, what: str) -> str:
    if not _reachable(url, default_port):
        unavailable(f"{what} is not reachable at {url}")
    return url


def require_postgresql() -> str:
    """This process's PostgreSQL database (``_own_postgresql_database``)."""
    return _own_postgresql_database(require_server(_PG_URL, 5432, "PostgreSQL"))


def base_config(tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        # The models trained from the shipped history, shared by the session's apps and the
        # worker and server processes it starts, as by an installation's processes.
        "MODEL_CACHE_DIR": str(_SESSION_DIR / "models"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'civicloop.db'}",
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "INBOX_DIR": str(tmp_path / "inbox"),
        "REDIS_URL": None,
        "JIRA_URL": None,
        "SMTP_HOST": None,
        "JIRA_WEBHOOK_SECRET": "webhook-secret",
        "PUBLIC_BASE_URL": "http://civicloop.test",
        "WTF_CSRF_ENABLED": True,
    }


def migrate_fresh(app) -> None:
    """The schema as the migrations build it, so the migrations are tested too.

    Running all of them costs most of a second, and about 1,300 tests start from a fresh
    schema: the migrations build it once a session per database, and each later test starts
    from a copy of that (SQLite) or from its emptied tables (PostgreSQL)."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _fresh_postgresql_schema()
        else:
            _fresh_sqlite_file()
        db.session.remove()


def _fresh_sqlite_file() -> None:
    from flask_migrate import upgrade

    target = Path(db.engine.url.database)
    db.engine.dispose()
    if not _SQLITE_TEMPLATE.exists():
        target.unlink(missing_ok=True)
        upgrade()
        db.engine.dispose()  # the last connection's close leaves one complete file to copy
        shutil.copyfile(target, _SQLITE_TEMPLATE)
        return
    for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(_SQLITE_TEMPLATE, target)


# The state the migrations left on PostgreSQL this session: (head revision, tables).
_migrated_postgresql: tuple[str, frozenset[str]] | None = None


def _fresh_postgresql_schema() -> None:
    """Empty the migrated tables if the schema is still exactly what the migrations built
    (a test may downgrade, or fail half-way through one); otherwise migrate from nothing."""
    global _migrated_postgresql
    from flask_migrate import upgrade
    from sqlalchemy import text

    with db.engine.connect() as connection:
        found = _postgresql_schema_state(connection)
    if _migrated_postgresql is not None and found == _migrated_postgresql:
        # TRUNCATE, not DELETE: a table's rows come back in the order they were written, as
        # in a new schema, so a missing ORDER BY shows the same way in every run.
        tables = ", ".join(f'"{name}"' for name in sorted(found[1] - {"alembic_version"}))
        _terminate_other_sessions()  # a dead test's open transaction would block TRUNCATE
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return
    _terminate_other_sessions()
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade()
    with db.engine.connect() as connection:
        _migrated_postgresql = _postgresql_schema_state(connection)


def _postgresql_schema_state(connection) -> tuple[str, frozenset[str]]:
    from sqlalchemy import text

    tables = frozenset(
        connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        .scalars()
        .all()
    )
    if "alembic_version" not in tables:
        return "", tables
    head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return head or "", tables


def _terminate_other_sessions() -> None:
    """Connections of earlier tests' apps and workers that are still idle in a transaction."""
    from sqlalchemy import text

    with db.engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname ="
                " current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in%'"
            )
        )


def load_demo_catalog(app) -> None:
    import json

    from app.services.catalog import load_catalog

    with app.app_context():
        load_catalog(json.loads(CATALOG.read_text(encoding="utf-8")))


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    """argon2 at the product's cost spends tens of milliseconds on every hash and check, and
    the suite makes and signs in thousands of staff users. Tests hash with argon2 at its
    lowest cost; a hash carries its own parameters, so checking it (here or in a worker or
    live-server process) costs as little, and the product's cost is left as it is."""
    patch = pytest.MonkeyPatch()
    patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    patch.undo()


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, tmp_path):
    """Inline jobs, the built-in tracker and the file outbox, on each database civicloop
    supports: the SQLite file of the embedded defaults, and PostgreSQL."""
    config = base_config(tmp_path)
    if request.param == "postgresql":
        config["SQLALCHEMY_DATABASE_URI"] = require_postgresql()
    application = create_app(config)
    migrate_fresh(application)
    load_demo_catalog(application)
    with application.app_context():
        yield application
        db.session.remove()


class _FreshRequestClient(FlaskClient):
    """The ``app`` fixture holds one app context for the test's own database work; Flask
    reuses it for the client's requests, so forget what one request cached for the next
    (here: the page language), as separate requests in production would."""

    def open(self, *args, **kwargs):
        flask_babel.refresh()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = _FreshRequestClient
    return app.test_client()


@pytest.fixture
def handler(app) -> Iterator[User]:
    """A handler of the whole city, reading the services' refusals in English (the source
    language; the city's default is Finnish)."""
    user = staff_user("handler")
    with flask_babel.force_locale("en"):
        yield user


@pytest.fixture(scope="session")
def pg_url() -> str:
    return require_postgresql()


@pytest.fixture(scope="session")
def redis_url() -> str:
    return require_server(REDIS_URL, 6379, "Redis")


@pytest.fixture
def smtp_server():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def imap_server():
    """Debian's dovecot serving one mailbox (`make test` installs it: `make mailserver`)."""
    if not dovecot_installed():
        unavailable("dovecot is not installed (apt-get install dovecot-imapd)")
    with DovecotServer() as server:
        yield server


@pytest.fixture
def real_config(tmp_path, pg_url, redis_url, smtp_server) -> dict:
    """PostgreSQL, Redis and a real SMTP server; the built-in tracker unless a test adds Jira."""
    return {
        **base_config(tmp_path),
        "SQLALCHEMY_DATABASE_URI": pg_url,
        "REDIS_URL": redis_url,
        "SMTP_HOST": smtp_server.host,
        "SMTP_PORT": smtp_server.port,
        "MAIL_FROM": "civicloop@example.org",
    }


def real_app_for(config: dict):
    """An app on the real parts, with a fresh schema and an empty queue."""
    from redis import Redis

    Redis.from_url(config["REDIS_URL"]).flushdb()
    application = create_app(config)
    migrate_fresh(application)
    load_demo_catalog(application)
    return application


@pytest.fixture
def live_worker(real_config, tmp_path):
    """An app on the real parts, and a real RQ worker process serving its queues."""
    app = real_app_for(real_config)
    with app.app_context():
        with WorkerProcess(real_config, "--no-cron", log=tmp_path / "worker.log") as worker:
            yield app, worker
        db.session.remove()
