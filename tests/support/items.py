"""Feedback items stored at explicit times, for the tests of the figures (no clocks)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import Feedback, Ticket
from tests.support.factories import eservice


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


def item(
    received: str | datetime,
    code: str | None = "parking-permit",
    *,
    channel: str = "api",
    sentiment: str | None = None,
    digital: bool | None = None,
    ticket: Ticket | None = None,
    resolved: str | None = None,
) -> Feedback:
    service = eservice(code) if code else None
    row = Feedback(
        channel=channel,
        received_at=at(received) if isinstance(received, str) else received,
        text="Lupa-asiointi ei toimi",
        redacted_text="Lupa-asiointi ei toimi",
        eservice=service,
        department_id=service.department_id if service else None,
        sentiment=sentiment,
        about_digital=digital,
        ticket=ticket,
        resolved_at=at(resolved) if resolved else None,
    )
    db.session.add(row)
    return row
