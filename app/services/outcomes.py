"""What became of a problem, in words for citizens: the team's "what we changed" text, and
the public "you said, we did" list of resolved problems."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import EService, Ticket, TicketState, User
from app.services.audit import record
from app.services.privacy import redact
from integrations.tracker import CATEGORY_DONE

MAX_CHANGE_TEXT = 2000
_SERVICE_PREFIX = re.compile(r"^\[[^\]]*\] ")


@dataclass(frozen=True)
class ResolvedProblem:
    summary: str
    eservice: EService | None
    citizens: int
    resolved_at: datetime | None
    what_we_changed: str | None


def describe_change(ticket: Ticket, text: str, actor: User) -> Ticket:
    """Keep the team's words on what was changed; redacted, as everything citizens see."""
    text = redact(" ".join(text.split()), [])[:MAX_CHANGE_TEXT] or None
    record(actor, "ticket.change_described", ticket, before=ticket.what_we_changed, after=text)
    ticket.what_we_changed = text
    db.session.commit()
    return ticket


def you_said_we_did(eservice: str | None = None, limit: int = 100) -> list[ResolvedProblem]:
    """Resolved problems, newest first, with how many citizens reported each."""
    query = (
        select(Ticket)
        .where(Ticket.status_category == CATEGORY_DONE)
        .where(Ticket.state.not_in((TicketState.MERGED, TicketState.GONE)))
        .order_by(Ticket.resolved_at.desc().nulls_last(), Ticket.id.desc())
        .limit(limit)
    )
    if eservice:
        query = query.join(EService, Ticket.eservice_id == EService.id).where(
            EService.code == eservice
        )
    return [
        ResolvedProblem(
            # The summary starts with the e-service's English name, for the tracker; the
            # page names the e-service in the reader's language instead.
            summary=_SERVICE_PREFIX.sub("", ticket.summary),
            eservice=ticket.eservice,
            citizens=ticket.affected_count,
            resolved_at=ticket.resolved_at,
            what_we_changed=ticket.what_we_changed,
        )
        for ticket in db.session.scalars(query)
    ]
