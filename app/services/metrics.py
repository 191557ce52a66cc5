"""Operational figures in Prometheus' text format: backlog, queues, failures. No personal data."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Feedback, Notice, NoticeState, Ticket
from app.models.types import utcnow


def _gauge(name: str, help_text: str, samples: dict[str, float], label: str | None) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for key, value in sorted(samples.items()):
        lines.append(f'{name}{{{label}="{key}"}} {value}' if label else f"{name} {value}")
    return lines


def _counts(column, model) -> dict[str, float]:  # noqa: ANN001
    return dict(db.session.execute(select(column, func.count(model.id)).group_by(column)).all())


def prometheus_metrics(config: dict) -> str:
    lines: list[str] = []
    lines += _gauge(
        "civicloop_feedback_items", "Feedback items by status.",
        _counts(Feedback.status, Feedback), "status",
    )  # fmt: skip
    lines += _gauge(
        "civicloop_notices", "Notices by outbox state.", _counts(Notice.state, Notice), "state"
    )
    due = db.session.scalar(
        select(func.count(Notice.id)).where(
            Notice.state == NoticeState.PENDING, Notice.next_attempt_at <= utcnow()
        )
    )
    lines += _gauge("civicloop_notice_backlog", "Notices due and not yet sent.", {"": due}, None)
    lines += _gauge(
        "civicloop_tickets", "Tickets by civicloop's state.", _counts(Ticket.state, Ticket), "state"
    )
    if config.get("REDIS_URL"):
        lines += _queue_metrics(config["REDIS_URL"])
    return "\n".join(lines) + "\n"


def _queue_metrics(redis_url: str) -> list[str]:
    from rq import Queue

    from app.jobs import QUEUES, redis_connection

    connection = redis_connection(redis_url)
    try:
        queues = [Queue(name, connection=connection) for name in QUEUES]
        depth = {queue.name: len(queue) for queue in queues}
        failed = {queue.name: len(queue.failed_job_registry) for queue in queues}
    except Exception:  # Redis down: say so as a metric rather than failing the scrape
        return _gauge("civicloop_queue_up", "Whether Redis answered.", {"": 0}, None)
    return (
        _gauge("civicloop_queue_up", "Whether Redis answered.", {"": 1}, None)
        + _gauge("civicloop_queue_depth", "Jobs waiting per queue.", depth, "queue")
        + _gauge("civicloop_failed_jobs", "Failed jobs kept by RQ per queue.", failed, "queue")
    )
