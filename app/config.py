"""Every setting, read from the environment, with the embedded defaults of DESIGN.md.

Nothing configured means: SQLite under instance/, jobs run inline, the built-in
tracker and mail written as .eml files, so a newcomer gets a working service.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("CIVICLOOP_INSTANCE", PROJECT_DIR / "instance")).resolve()


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _flag(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance: Path) -> str:
    """A key made once per installation, so sessions and signed links survive restarts."""
    configured = _env("SECRET_KEY")
    if configured:
        return configured
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _routing_threshold() -> float:
    """ROUTING_THRESHOLD, else the models' own, chosen with their other settings on the blind
    set (bench/results/analysis.md), so the two are never set apart by hand."""
    # Imported here, not at the top: the models pull in scikit-learn, which every process
    # that serves or works loads anyway, but this module is read before any of that.
    from app.services.analysis.models import DEFAULT_THRESHOLD

    return float(_env("ROUTING_THRESHOLD", str(DEFAULT_THRESHOLD)))


@dataclass
class Settings:
    INSTANCE_PATH: str = str(INSTANCE_DIR)
    SQLALCHEMY_DATABASE_URI: str = field(
        default_factory=lambda: _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'civicloop.db'}")
    )
    REDIS_URL: str | None = field(default_factory=lambda: _env("REDIS_URL"))
    # Where the models trained from the shipped history are kept for the installation's other
    # processes (default: instance/models).
    MODEL_CACHE_DIR: str | None = field(default_factory=lambda: _env("MODEL_CACHE_DIR"))
    SECRET_KEY: str = field(default_factory=lambda: _secret_key(INSTANCE_DIR))
    PUBLIC_BASE_URL: str = field(
        # Unset: where `make run` (PORT) serves, so links in e-mails reach it.
        default_factory=lambda: _env(
            "PUBLIC_BASE_URL", f"http://127.0.0.1:{_env('PORT', '5000')}"
        ).rstrip("/")
    )
    TIME_ZONE: str = field(default_factory=lambda: _env("TIME_ZONE", "Europe/Helsinki"))
    DEFAULT_LANGUAGE: str = field(default_factory=lambda: _env("DEFAULT_LANGUAGE", "fi"))
    # The country whose national phone numbers ("040 123 4567") need no country code.
    PHONE_REGION: str = field(default_factory=lambda: _env("PHONE_REGION", "FI").upper())
    JIRA_URL: str | None = field(default_factory=lambda: _env("JIRA_URL"))
    JIRA_USER: str | None = field(default_factory=lambda: _env("JIRA_USER"))
    JIRA_API_TOKEN: str | None = field(default_factory=lambda: _env("JIRA_API_TOKEN"))
    JIRA_WEBHOOK_SECRET: str | None = field(default_factory=lambda: _env("JIRA_WEBHOOK_SECRET"))
    JIRA_TIMEOUT: float = field(default_factory=lambda: float(_env("JIRA_TIMEOUT", "10")))
    SMTP_HOST: str | None = field(default_factory=lambda: _env("SMTP_HOST"))
    SMTP_PORT: int = field(default_factory=lambda: int(_env("SMTP_PORT", "25")))
    SMTP_USER: str | None = field(default_factory=lambda: _env("SMTP_USER"))
    SMTP_PASSWORD: str | None = field(default_factory=lambda: _env("SMTP_PASSWORD"))
    SMTP_STARTTLS: bool = field(default_factory=lambda: _flag("SMTP_STARTTLS"))
    SMTP_TIMEOUT: float = field(default_factory=lambda: float(_env("SMTP_TIMEOUT", "10")))
    MAIL_FROM: str = field(default_factory=lambda: _env("MAIL_FROM", "civicloop@localhost"))
    OUTBOX_DIR: str = field(
        default_factory=lambda: _env("OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    )
    # Replies and bounces (README): notices carry Reply-To <local>+<token>@<domain> of this
    # mailbox (MAIL_FROM when unset); civicloop reads it by IMAP when IMAP_HOST is set, and
    # always reads the .eml files dropped into INBOX_DIR.
    MAIL_REPLY_ADDRESS: str | None = field(default_factory=lambda: _env("MAIL_REPLY_ADDRESS"))
    INBOX_DIR: str = field(default_factory=lambda: _env("INBOX_DIR", str(INSTANCE_DIR / "inbox")))
    IMAP_HOST: str | None = field(default_factory=lambda: _env("IMAP_HOST"))
    IMAP_SSL: bool = field(default_factory=lambda: _flag("IMAP_SSL", default=True))
    # 0: the protocol's port, 993 with IMAP_SSL and 143 without.
    IMAP_PORT: int = field(default_factory=lambda: int(_env("IMAP_PORT", "0")))
    IMAP_USER: str | None = field(default_factory=lambda: _env("IMAP_USER"))
    IMAP_PASSWORD: str | None = field(default_factory=lambda: _env("IMAP_PASSWORD"))
    IMAP_FOLDER: str = field(default_factory=lambda: _env("IMAP_FOLDER", "INBOX"))
    # Where read messages are moved once stored; unset: they stay, flagged \Seen.
    IMAP_DONE_FOLDER: str | None = field(default_factory=lambda: _env("IMAP_DONE_FOLDER"))
    IMAP_TIMEOUT: float = field(default_factory=lambda: float(_env("IMAP_TIMEOUT", "30")))
    # Notices: how often and how long a failing delivery is retried.
    NOTICE_MAX_ATTEMPTS: int = field(default_factory=lambda: int(_env("NOTICE_MAX_ATTEMPTS", "8")))
    NOTICE_RETRY_BASE_SECONDS: int = field(
        default_factory=lambda: int(_env("NOTICE_RETRY_BASE_SECONDS", "60"))
    )
    # "Did this fix it for you?" (app/services/followup.py): asked this many days after a
    # fix's resolution notice (0: in that notice); this many "no" answers in one round reopen
    # the problem (one is enough from a handler's key case); the answer links work this long.
    FOLLOWUP_DELAY_DAYS: int = field(default_factory=lambda: int(_env("FOLLOWUP_DELAY_DAYS", "0")))
    FOLLOWUP_REOPEN_THRESHOLD: int = field(
        default_factory=lambda: int(_env("FOLLOWUP_REOPEN_THRESHOLD", "2"))
    )
    FOLLOWUP_LINK_MAX_AGE_DAYS: int = field(
        default_factory=lambda: int(_env("FOLLOWUP_LINK_MAX_AGE_DAYS", "90"))
    )
    # Without Redis: threads of the serving process that run the jobs (app/embedded.py).
    EMBEDDED_JOB_THREADS: int = field(
        default_factory=lambda: int(_env("EMBEDDED_JOB_THREADS", "2"))
    )
    # Work older than this without progress is re-queued by the reconciler.
    RECONCILE_GRACE_SECONDS: int = field(
        default_factory=lambda: int(_env("RECONCILE_GRACE_SECONDS", "60"))
    )
    # Under a backlog a worker processes up to this many received items together, embedded
    # in one call and written in one transaction: about a fifth less time per item
    # (bench/results/processing.md). 1: each item alone.
    PROCESSING_BATCH: int = field(default_factory=lambda: int(_env("PROCESSING_BATCH", "8")))
    # Department confidence below which an item that names no e-service with confidence
    # waits in triage (the e-service's own threshold is ModelSettings.eservice_threshold).
    ROUTING_THRESHOLD: float = field(default_factory=_routing_threshold)
    # Problem groups (app/services/grouping.py, bench/results/grouping.md): the pair scorer's
    # probability of "the same problem" an item needs to join an open group, and to have it
    # suggested to handlers; the items a group needs before its ticket is opened
    # (outages open at once; 0: only when a handler decides); the shortest time between two
    # pushes of a ticket's affected count to the tracker.
    GROUPING_THRESHOLD: float = field(
        default_factory=lambda: float(_env("GROUPING_THRESHOLD", "0.55"))
    )
    SUGGESTION_THRESHOLD: float = field(
        default_factory=lambda: float(_env("SUGGESTION_THRESHOLD", "0.05"))
    )
    # A lone report is moved into a group that has since grown from this probability, when
    # that group is the likeliest of all for it (grouping._gather_stragglers). Lower than
    # joining: the grown group's members say more of its problem than its first report did
    # (bench/results/grouping.md).
    GATHERING_THRESHOLD: float = field(
        default_factory=lambda: float(_env("GATHERING_THRESHOLD", "0.45"))
    )
    # Two open groups of one department are offered to handlers as probably one problem, to
    # merge or tell apart, from this likelihood (grouping.likely_same_problems).
    MERGE_SUGGESTION_THRESHOLD: float = field(
        default_factory=lambda: float(_env("MERGE_SUGGESTION_THRESHOLD", "0.1"))
    )
    # An item too unsure to route joins an open problem of a likely department from this
    # probability, and an item routed unsurely one of another likely e-service (weighed by
    # that e-service's likelihood): higher than joining within a routed e-service, since the
    # problems of several e-services compete (bench/results/grouping.md).
    TRIAGE_JOINING_THRESHOLD: float = field(
        default_factory=lambda: float(_env("TRIAGE_JOINING_THRESHOLD", "0.8"))
    )
    TICKET_MIN_ITEMS: int = field(default_factory=lambda: int(_env("TICKET_MIN_ITEMS", "1")))
    TRACKER_COUNT_SYNC_SECONDS: int = field(
        default_factory=lambda: int(_env("TRACKER_COUNT_SYNC_SECONDS", "600"))
    )
    # How many proxies in front of the web processes set X-Forwarded-For and -Proto (the TLS
    # proxy: 1). Only that many hops are believed, so each client gets its own rate-limit
    # bucket and nobody can pick theirs by sending the header; 0 trusts none.
    TRUSTED_PROXIES: int = field(default_factory=lambda: int(_env("TRUSTED_PROXIES", "0")))
    # When set, /metrics needs "Authorization: Bearer <token>".
    METRICS_TOKEN: str | None = field(default_factory=lambda: _env("METRICS_TOKEN"))
    # Tracker webhooks: largest body read, and the oldest signed timestamp taken (0: any;
    # replays are refused by the signed body's digest either way).
    WEBHOOK_MAX_BYTES: int = field(
        default_factory=lambda: int(_env("WEBHOOK_MAX_BYTES", str(1024 * 1024)))
    )
    JIRA_WEBHOOK_MAX_AGE_SECONDS: int = field(
        default_factory=lambda: int(_env("JIRA_WEBHOOK_MAX_AGE_SECONDS", "0"))
    )
    # Retention (README, Data protection): a citizen's contact details are erased this many
    # days after the last of their items is resolved; feedback texts are anonymised (the
    # stored text replaced by its redacted copy) this many months after they arrived.
    RETENTION_CONTACT_DAYS: int = field(
        default_factory=lambda: int(_env("RETENTION_CONTACT_DAYS", "90"))
    )
    RETENTION_TEXT_MONTHS: int = field(
        default_factory=lambda: int(_env("RETENTION_TEXT_MONTHS", "24"))
    )
    # Spike alerts (app/services/spikes.py): negative items about one e-service in the last
    # SPIKE_WINDOW_MINUTES alert its department when there are more than SPIKE_MIN_COUNT and
    # more than SPIKE_FACTOR times the mean per window of the SPIKE_BASELINE_DAYS before.
    SPIKE_WINDOW_MINUTES: int = field(
        default_factory=lambda: int(_env("SPIKE_WINDOW_MINUTES", "60"))
    )
    SPIKE_BASELINE_DAYS: int = field(default_factory=lambda: int(_env("SPIKE_BASELINE_DAYS", "7")))
    SPIKE_MIN_COUNT: int = field(default_factory=lambda: int(_env("SPIKE_MIN_COUNT", "5")))
    SPIKE_FACTOR: float = field(default_factory=lambda: float(_env("SPIKE_FACTOR", "3")))
    # Deadlines (app/services/deadlines.py): targets where a department sets none, in hours
    # to an item's first handling and days to a problem group's resolution; an item or group
    # overdue by DEADLINE_REMIND_AFTER_DAYS reminds its department, and by
    # DEADLINE_ESCALATE_AFTER_DAYS is escalated to the department's head.
    DEADLINE_FIRST_HANDLING_HOURS: int = field(
        default_factory=lambda: int(_env("DEADLINE_FIRST_HANDLING_HOURS", "72"))
    )
    DEADLINE_RESOLUTION_DAYS: int = field(
        default_factory=lambda: int(_env("DEADLINE_RESOLUTION_DAYS", "30"))
    )
    DEADLINE_REMIND_AFTER_DAYS: int = field(
        default_factory=lambda: int(_env("DEADLINE_REMIND_AFTER_DAYS", "2"))
    )
    DEADLINE_ESCALATE_AFTER_DAYS: int = field(
        default_factory=lambda: int(_env("DEADLINE_ESCALATE_AFTER_DAYS", "7"))
    )
    # The benchmark exchange (app/services/benchmark, README "Comparing with other cities"):
    # who this city is in its exports and whether its name may be shown beside its figures;
    # the fewest responses or items a figure is shared from; the key exports are signed with.
    BENCHMARK_CITY_CODE: str = field(default_factory=lambda: _env("BENCHMARK_CITY_CODE", "city"))
    BENCHMARK_CITY_NAME: str = field(
        default_factory=lambda: _env("BENCHMARK_CITY_NAME", "Example City")
    )
    BENCHMARK_SHOW_NAME: bool = field(default_factory=lambda: _flag("BENCHMARK_SHOW_NAME", True))
    BENCHMARK_MIN_CELL: int = field(default_factory=lambda: int(_env("BENCHMARK_MIN_CELL", "10")))
    BENCHMARK_KEY_FILE: str = field(
        default_factory=lambda: _env("BENCHMARK_KEY_FILE", str(INSTANCE_DIR / "benchmark_key.pem"))
    )
    BENCHMARK_FETCH_TIMEOUT: float = field(
        default_factory=lambda: float(_env("BENCHMARK_FETCH_TIMEOUT", "20"))
    )
    MAX_CONTENT_LENGTH: int = field(
        default_factory=lambda: int(_env("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024)))
    )
    CALL_LOG_MAX_BYTES: int = field(
        default_factory=lambda: int(_env("CALL_LOG_MAX_BYTES", str(1024 * 1024 * 1024)))
    )
    SESSION_COOKIE_SECURE: bool = field(
        default_factory=lambda: _env("PUBLIC_BASE_URL", "").startswith("https://")
    )
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SQLALCHEMY_ENGINE_OPTIONS: dict = field(default_factory=lambda: {"pool_pre_ping": True})
    # Rate limits on public routes; counted in Redis when configured, so all processes agree.
    PUBLIC_RATE_LIMIT: str = field(
        default_factory=lambda: _env("PUBLIC_RATE_LIMIT", "20 per minute;200 per hour")
    )
    # Password guessing: sign-in attempts per client address.
    # Requests per API token (or per address without one) on /api/v1 and Open311.
    API_RATE_LIMIT: str = field(default_factory=lambda: _env("API_RATE_LIMIT", "6000 per minute"))
    LOGIN_RATE_LIMIT: str = field(
        default_factory=lambda: _env("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    )
    RATELIMIT_STORAGE_URI: str = field(
        default_factory=lambda: _env("RATELIMIT_STORAGE_URI") or _env("REDIS_URL") or "memory://"
    )
    # Off: on every answer they would also set Retry-After, a 503's included (app/errors.py).
    RATELIMIT_HEADERS_ENABLED: bool = False
    # With Redis down, limits fall back to each process's memory instead of failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED: bool = True
    RATELIMIT_SWALLOW_ERRORS: bool = True
    WTF_CSRF_ENABLED: bool = True
    TESTING: bool = False

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def load_settings(overrides: dict | None = None) -> dict:
    """The settings as a Flask config mapping; ``overrides`` win (tests, scripts)."""
    values = Settings().as_dict()
    values.update(overrides or {})
    return values
