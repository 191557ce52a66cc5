"""What became of a problem, in words for citizens: the team's "what we changed" text, the
honest outcomes a handler closes a problem with when it was not fixed (and the tracker
issue told of them), and the public "you said, we did" list of closed problems."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import (
    EService,
    Feedback,
    FeedbackStatus,
    NoticeKind,
    Ticket,
    TicketOutcome,
    TicketState,
    User,
)
from app.models.types import utcnow
from app.services.audit import record
from app.services.followup import TELL_RETRY_FOR
from app.services.history import change_status
from app.services.notices import dispatch_notices, queue_notices, round_occasion
from app.services.privacy import redact
from app.services.tickets import current_tracker
from app.services.translations import CitizenText, release_held, text_for
from integrations.tracker import CATEGORY_DONE, TrackerError

log = logging.getLogger(__name__)

MAX_CHANGE_TEXT = 2000
MAX_EXPLANATION = 2000
MAX_BODY_NAME = 200
_SERVICE_PREFIX = re.compile(r"^\[[^\]]*\] ")


@dataclass(frozen=True)
class ResolvedProblem:
    summary: str
    eservice: EService | None
    citizens: int
    resolved_at: datetime | None
    what_we_changed: CitizenText | None  # in the reader's language, or the original
    outcome: str | None = None
    explanation: CitizenText | None = None
    responsible_body: str | None = None
    duplicate_of: str | None = None  # the other problem's summary


class OutcomeError(ValueError):
    """A closing the rules refuse, with the form field it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(str(message))
        self.field = field


def _public_text(text: str | None, limit: int) -> str | None:
    """Tidied and redacted, as everything citizens see."""
    return redact(" ".join((text or "").split()), [])[:limit] or None


def _without_prefix(summary: str) -> str:
    # The summary starts with the e-service's English name, for the tracker; citizens' pages
    # name the e-service in the reader's language instead.
    return _SERVICE_PREFIX.sub("", summary)


def close_with_outcome(
    ticket: Ticket,
    outcome: str,
    explanation: str,
    actor: User,
    *,
    responsible_body: str | None = None,
    duplicate_of: Ticket | None = None,
) -> Ticket:
    """A handler closes an open problem without a fix: its items are closed and each citizen
    is told which outcome and why (the round's closing notice, so a later "done" from the
    tracker sends nothing more). Raises OutcomeError; commits."""
    if outcome not in TicketOutcome.HONEST:
        raise OutcomeError("outcome", _l("Choose how the problem ended."))
    if ticket.state in (TicketState.MERGED, TicketState.GONE) or ticket.outcome is not None:
        raise OutcomeError("outcome", _l("This problem is already closed."))
    explanation = _public_text(explanation, MAX_EXPLANATION)
    if explanation is None:
        raise OutcomeError("explanation", _l("Write why, for the citizens."))
    responsible_body = _public_text(responsible_body, MAX_BODY_NAME)
    if outcome == TicketOutcome.NOT_OURS and responsible_body is None:
        raise OutcomeError("responsible_body", _l("Name the body that is responsible."))
    if outcome == TicketOutcome.DUPLICATE:
        if duplicate_of is None or duplicate_of.state in (TicketState.MERGED, TicketState.GONE):
            raise OutcomeError("duplicate_of", _l("No such problem."))
        if duplicate_of.id == ticket.id:
            raise OutcomeError("duplicate_of", _l("A problem cannot duplicate itself."))
    ticket.outcome = outcome
    ticket.outcome_explanation = explanation
    ticket.responsible_body = responsible_body if outcome == TicketOutcome.NOT_OURS else None
    ticket.duplicate_of = duplicate_of if outcome == TicketOutcome.DUPLICATE else None
    ticket.resolved_at = utcnow()
    occasion = round_occasion(ticket.round)
    items = db.session.scalars(select(Feedback).where(Feedback.ticket_id == ticket.id)).all()
    for item in items:
        change_status(item, FeedbackStatus.RESOLVED)
        item.resolved_at = ticket.resolved_at
    notices = queue_notices(items, NoticeKind.RESOLUTION, occasion=occasion)
    record(
        actor,
        "problem_group.closed",
        ticket,
        outcome=outcome,
        round=ticket.round,
        duplicate_of=ticket.duplicate_of_id,
    )
    db.session.commit()
    dispatch_notices([notice.id for notice in notices])
    if outcome_untold(ticket):
        jobs.enqueue("tell_tracker_outcome", ticket.id)
    return ticket


# How the tracker comment names each honest outcome (in English, like the issue itself).
_OUTCOME_WORDS = {
    TicketOutcome.WONT_FIX: "won't fix",
    TicketOutcome.NOT_OURS: "not the city's responsibility",
    TicketOutcome.DUPLICATE: "a duplicate",
    TicketOutcome.NO_ACTION: "no action needed",
}


def outcome_untold(ticket: Ticket) -> bool:
    """Whether the ticket's tracker issue still has to hear that a handler closed it
    (the same rule as ``untold_outcomes``, for a ticket at hand)."""
    return (
        ticket.outcome in TicketOutcome.HONEST
        and ticket.key is not None
        and ticket.state == TicketState.OPEN
        and ticket.outcome_told_at is None
    )


def untold_outcomes(closed_before: datetime, limit: int) -> list[int]:
    """Tickets whose tracker issue still has to hear of their outcome, closed before
    ``closed_before`` and within TELL_RETRY_FOR (beyond: a tracker that stays broken)."""
    return list(
        db.session.scalars(
            select(Ticket.id)
            .where(
                Ticket.outcome.in_(TicketOutcome.HONEST),
                Ticket.key.is_not(None),
                Ticket.state == TicketState.OPEN,
                Ticket.outcome_told_at.is_(None),
                Ticket.resolved_at <= closed_before,
                Ticket.resolved_at > utcnow() - TELL_RETRY_FOR,
            )
            .order_by(Ticket.id)
            .limit(limit)
        )
    )


def outcome_comment(ticket: Ticket, closed: bool) -> str:
    """The one tracker comment of a problem closed without a fix: which outcome and why,
    in the public (redacted) words its citizens were given."""
    lines = [f"Closed in civicloop as {_OUTCOME_WORDS[ticket.outcome]}: "
             f"{ticket.outcome_explanation}"]  # fmt: skip
    if ticket.responsible_body:
        lines.append(f"Responsible instead: {ticket.responsible_body}")
    if ticket.duplicate_of is not None:
        other = ticket.duplicate_of
        lines.append(f"Duplicate of {other.key or _without_prefix(other.summary)}")
    lines.append(
        f"Citizens who reported it: {ticket.affected_count}. Those who asked to hear back "
        "are told this outcome; the issue's later status changes tell them nothing more."
    )
    lines.append(
        "civicloop moved this issue to done."
        if closed
        else "The workflow has no transition to done: please close the issue."
    )
    return "\n\n".join(lines)


def tell_tracker_outcome(ticket_id: int) -> bool:
    """Tell the tracker issue of a problem a handler closed without a fix: one comment,
    and the issue moved to done where its workflow allows. Returns False when the tracker
    failed; the reconciler queues it again. Commits."""
    ticket = db.session.scalars(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update()
    ).first()
    if ticket is None or not outcome_untold(ticket):
        db.session.rollback()
        return True
    tracker = current_tracker()
    try:
        issue = tracker.get_issue(ticket.key)
        if issue is None:  # deleted in the tracker: nobody there to tell
            log.warning("outcome of ticket %s: %s no longer exists", ticket.id, ticket.key)
        else:
            # Checked first: a retry after a failed comment must not move the issue twice.
            closed = issue.status_category == CATEGORY_DONE or tracker.close(ticket.key)
            tracker.add_comment(ticket.key, outcome_comment(ticket, closed))
            # The ticket shows the issue's state at once (not "To do" until the next sync);
            # the items stay as the outcome left them (_apply_issue_state ignores it).
            issue = tracker.get_issue(ticket.key) or issue
            ticket.status, ticket.status_category = issue.status, issue.status_category
    except TrackerError as error:
        db.session.rollback()
        log.warning("outcome of ticket %s: tracker not told, retried later: %s", ticket_id, error)
        return False
    ticket.outcome_told_at = utcnow()
    db.session.commit()
    return True


def describe_change(ticket: Ticket, text: str, actor: User) -> Ticket:
    """Keep the team's words on what was changed; redacted, as everything citizens see."""
    text = _public_text(text, MAX_CHANGE_TEXT)
    record(actor, "ticket.change_described", ticket, before=ticket.what_we_changed, after=text)
    ticket.what_we_changed = text
    db.session.commit()
    return ticket


def save_translations(ticket: Ticket, texts: dict[str, dict[str, str]], actor: User) -> Ticket:
    """Keep the handler's translations, ``{language: {field: text}}`` (already tidied and
    redacted by the caller's rules); an empty text removes one. Notices a department held for
    a language now complete are sent. Commits, audited."""
    stored = {field: dict(values) for field, values in (ticket.translations or {}).items()}
    for language, fields in texts.items():
        for field, text in fields.items():
            if text:
                stored.setdefault(field, {})[language] = text
            else:
                stored.get(field, {}).pop(language, None)
    record(actor, "ticket.translated", ticket, before=ticket.translations, after=stored)
    ticket.translations = stored
    released = release_held(ticket)
    db.session.commit()
    if released:
        dispatch_notices(released)
    return ticket


def translate_texts(ticket: Ticket, texts: dict[str, dict[str, str]], actor: User) -> Ticket:
    """Keep a handler's translations of the ticket's words for citizens, ``{language:
    {field: text}}``, tidied and redacted as the originals are. Commits."""
    limits = {"what_we_changed": MAX_CHANGE_TEXT, "outcome_explanation": MAX_EXPLANATION}
    tidied = {
        language: {field: _public_text(text, limits[field]) or "" for field, text in fields.items()}
        for language, fields in texts.items()
    }
    return save_translations(ticket, tidied, actor)


def you_said_we_did(
    language: str, eservice: str | None = None, limit: int = 100
) -> list[ResolvedProblem]:
    """Closed problems, newest first, with how many citizens reported each and how each
    ended (a fix, or the honest outcome and why), the team's words in ``language``."""
    query = (
        select(Ticket)
        .where(Ticket.outcome.is_not(None))
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
            summary=_without_prefix(ticket.summary),
            eservice=ticket.eservice,
            citizens=ticket.affected_count,
            resolved_at=ticket.resolved_at,
            what_we_changed=text_for(ticket, "what_we_changed", language),
            outcome=ticket.outcome,
            explanation=text_for(ticket, "outcome_explanation", language),
            responsible_body=ticket.responsible_body,
            duplicate_of=_without_prefix(ticket.duplicate_of.summary)
            if ticket.duplicate_of
            else None,
        )
        for ticket in db.session.scalars(query)
    ]
