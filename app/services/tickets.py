"""Development tickets: one per problem, opened idempotently, kept in sync with the tracker."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Feedback, FeedbackStatus, NoticeKind, Ticket, TicketOutcome, TicketState
from app.models.local_issue import LocalIssue
from app.models.ticket import affected_select
from app.models.types import utcnow
from app.services.history import change_status
from app.services.notices import (
    dispatch_notices,
    queue_in_development_notices,
    queue_notices,
    round_occasion,
)
from app.services.translations import department_language
from integrations import tracker_from_config
from integrations.tracker import (
    CATEGORY_DONE,
    CATEGORY_IN_PROGRESS,
    CATEGORY_NEW,
    IssueDraft,
    Tracker,
    TrackerError,
    TrackerIssue,
    affected_note,
)

log = logging.getLogger(__name__)

ITEM_STATUS_BY_CATEGORY = {
    CATEGORY_NEW: FeedbackStatus.FORWARDED,
    CATEGORY_IN_PROGRESS: FeedbackStatus.IN_DEVELOPMENT,
    CATEGORY_DONE: FeedbackStatus.RESOLVED,
}
LABEL_PREFIX = "civicloop-"
SUMMARY_LENGTH = 90
EXAMPLES_IN_DESCRIPTION = 3
# A create whose answer was lost may not show in Jira Cloud's search for a while.
MIN_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
COUNT_PUSH_BATCH = 200


def current_tracker() -> Tracker:
    return tracker_from_config(current_app.config, db.session)


def ticket_summary(item: Feedback) -> str:
    """The issue's summary: the service and the start of the first report, redacted."""
    text = " ".join(item.redacted_text.split())
    if len(text) > SUMMARY_LENGTH:
        text = text[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    # Named in the department's language: its team reads the tracker.
    language = department_language(item.department)
    service = item.eservice or item.department
    return f"[{service.name_in(language)}] {text}"


def _affected(ticket: Ticket) -> int:
    """Citizens of the items linked now (not the ticket's loaded ``affected_count``, which
    may be stale)."""
    return db.session.scalar(affected_select(ticket.id))


def issue_draft(ticket: Ticket) -> IssueDraft:
    """The tracker issue, built only from redacted text (invariant 5)."""
    examples = db.session.scalars(
        select(Feedback.redacted_text)
        .where(Feedback.ticket_id == ticket.id)
        .order_by(Feedback.id)
        .limit(EXAMPLES_IN_DESCRIPTION)
    ).all()
    sentiments = db.session.execute(
        select(Feedback.sentiment, func.count(Feedback.id))
        .where(Feedback.ticket_id == ticket.id)
        .group_by(Feedback.sentiment)
        .order_by(Feedback.sentiment)
    ).all()
    lines = [
        affected_note(_affected(ticket)),
        "Sentiment: " + ", ".join(f"{name or 'unknown'} {count}" for name, count in sentiments),
        f"E-service: {ticket.eservice.name_in('en') if ticket.eservice else '-'}",
        f"Supplier: {ticket.eservice.supplier.name if ticket.eservice and ticket.eservice.supplier else '-'}",  # noqa: E501
        f"Department: {ticket.department.name_in('en') if ticket.department else '-'}",
        f"In civicloop: {current_app.config['PUBLIC_BASE_URL']}/staff/problems/{ticket.id}",
        "",
        "What citizens said (personal data removed):",
        *(f"- {' '.join(text.split())}" for text in examples),
    ]
    project = ticket.department.tracker_project if ticket.department else None
    return IssueDraft(
        project=project or ticket.department.code,
        summary=ticket.summary,
        description="\n".join(lines),
        label=LABEL_PREFIX + ticket.cluster_key,
    )


def open_ticket(ticket_id: int) -> float | None:
    """Open the tracker issue for a pending ticket, at most once (invariant 3).

    The intent is already stored; the label is looked up before creating, so a
    retry after a lost answer adopts the first issue. Returns seconds until a
    retry when the tracker failed, else None.
    """
    ticket = db.session.scalars(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update()
    ).first()
    if ticket is None or ticket.state != TicketState.PENDING:
        db.session.rollback()
        return None
    tracker = current_tracker()
    draft = issue_draft(ticket)
    ticket.create_attempts += 1
    try:
        issue = tracker.find_by_label(draft.label) or tracker.create_issue(draft)
    except TrackerError as error:
        delay = min(
            MAX_RETRY_SECONDS,
            max(error.retry_after or 0, MIN_RETRY_SECONDS * 2 ** (ticket.create_attempts - 1)),
        )
        ticket.last_error = str(error)[:1000]
        ticket.next_attempt_at = utcnow() + timedelta(seconds=delay)
        db.session.commit()
        log.warning("ticket %s: tracker failed (%s); retry in %ss", ticket.id, error, delay)
        return float(delay)
    ticket.state = TicketState.OPEN
    ticket.key = issue.key
    ticket.url = issue.url
    ticket.opened_at = utcnow()
    ticket.count_synced = _affected(ticket)
    ticket.next_attempt_at = None
    ticket.last_error = None
    notices = _apply_issue_state(ticket, issue)
    db.session.commit()
    dispatch_notices(notices)
    return None


def _apply_issue_state(ticket: Ticket, issue: TrackerIssue) -> list[int]:
    """Bring the ticket and its items to the tracker's state; returns notices to send."""
    was_done = ticket.status_category == CATEGORY_DONE
    started = (
        issue.status_category == CATEGORY_IN_PROGRESS
        and ticket.status_category != CATEGORY_IN_PROGRESS
    )
    ticket.status = issue.status
    ticket.status_category = issue.status_category
    if issue.updated_at is not None:
        ticket.tracker_updated_at = issue.updated_at
    item_status = ITEM_STATUS_BY_CATEGORY.get(issue.status_category, FeedbackStatus.FORWARDED)
    done = issue.status_category == CATEGORY_DONE
    if ticket.outcome in TicketOutcome.HONEST or (done and was_done and ticket.outcome is None):
        # Closed by a handler without a fix, or reopened by its citizens while the issue stayed
        # done (its workflow had no way back): the tracker's state changes nothing citizens see
        # until the issue moves again.
        db.session.flush()
        return []
    if done and not was_done:
        ticket.resolved_at = utcnow()
    elif not done:
        ticket.resolved_at = None
    ticket.outcome = TicketOutcome.FIXED if done else None
    # Once per (item, kind, round): a replay or a second "done" of this round sends nothing,
    # the resolution after a reopening (a new round) is owed again.
    occasion = round_occasion(ticket.round)
    delay = current_app.config["FOLLOWUP_DELAY_DAYS"]
    notices = queue_in_development_notices(ticket) if started else []
    items = db.session.scalars(
        select(Feedback)
        .where(Feedback.ticket_id == ticket.id)
        .options(selectinload(Feedback.contact))  # thousands of citizens: one query
    ).all()
    for item in items:
        change_status(item, item_status)
        item.resolved_at = ticket.resolved_at
    if done:
        notices += queue_notices(items, NoticeKind.RESOLUTION, occasion=occasion)
        if delay:
            due_at = (ticket.resolved_at or utcnow()) + timedelta(days=delay)
            notices += queue_notices(items, NoticeKind.FOLLOWUP, occasion=occasion, due_at=due_at)
    db.session.flush()
    return [notice.id for notice in notices]


def apply_tracker_update(issue: TrackerIssue) -> Ticket | None:
    """The one path for every tracker change (webhook, poll, staff action); idempotent.

    A delivery older than what we already applied is ignored, because Jira may deliver
    webhooks late and out of order.
    """
    ticket = db.session.scalars(
        select(Ticket).where(Ticket.key == issue.key).with_for_update()
    ).first()
    if ticket is None:
        label = next((lb for lb in issue.labels if lb.startswith(LABEL_PREFIX)), None)
        if label is None:
            return None
        ticket = db.session.scalars(
            select(Ticket)
            .where(Ticket.cluster_key == label.removeprefix(LABEL_PREFIX))
            .with_for_update()
        ).first()
        if ticket is None:
            return None
        # The issue was moved to another project and has a new key, or was just created.
        ticket.key, ticket.url, ticket.state = issue.key, issue.url, TicketState.OPEN
    if older_than_applied(ticket, issue):
        # Committed, not rolled back: the caller's record of the delivery stays.
        db.session.commit()
        return ticket
    notices = _apply_issue_state(ticket, issue)
    db.session.commit()
    dispatch_notices(notices)
    return ticket


def older_than_applied(ticket: Ticket, issue: TrackerIssue) -> bool:
    """Whether ``issue`` is an older state than the one ``ticket`` already has."""
    return (
        issue.updated_at is not None
        and ticket.tracker_updated_at is not None
        and issue.updated_at < ticket.tracker_updated_at
    )


def mark_issue_deleted(key: str) -> None:
    ticket = db.session.scalars(select(Ticket).where(Ticket.key == key)).first()
    if ticket is not None:
        ticket.state = TicketState.GONE
        db.session.commit()


def sync_from_tracker() -> int:
    """Poll the tracker for changes since the newest one we saw (with the tracker's overlap).

    The watermark is derived from the tickets themselves, so nothing else has to be stored.
    Returns the number of issues applied.
    """
    tracker = current_tracker()
    since = db.session.scalar(
        select(func.max(Ticket.tracker_updated_at)).where(Ticket.tracker == tracker.name)
    ) or db.session.scalar(select(func.min(Ticket.created_at)))
    if since is None:
        return 0
    applied = 0
    for issue in tracker.changed_since(since - timedelta(minutes=1)):
        if apply_tracker_update(issue) is not None:
            applied += 1
    return applied


@dataclass(frozen=True)
class TrackerComment:
    at: datetime | None
    body: str


def local_issue_comments(key: str) -> list[TrackerComment]:
    """The comments on a built-in tracker issue, oldest first."""
    issue = db.session.scalars(select(LocalIssue).where(LocalIssue.key == key)).first()
    return [
        TrackerComment(
            datetime.fromisoformat(comment["at"]) if comment.get("at") else None, comment["body"]
        )
        for comment in (issue.comments if issue else [])
    ]


def set_local_status(ticket: Ticket, category: str) -> Ticket:
    """A staff member moves a built-in tracker ticket (e.g. resolves it)."""
    tracker = current_tracker()
    tracker.transition_to(ticket.key, category)
    db.session.flush()
    return apply_tracker_update(tracker.get_issue(ticket.key))


def schedule_count_push(ticket: Ticket) -> None:
    """The group's size changed: push it to the tracker issue once the throttle window ends.

    Only the first change of a window sets the time, so a burst of items costs one call.
    """
    if ticket.count_due_at is None:
        seconds = current_app.config["TRACKER_COUNT_SYNC_SECONDS"]
        ticket.count_due_at = utcnow() + timedelta(seconds=seconds)


def _merged_comment(ticket: Ticket, closed: bool) -> str:
    """The tracker comment of an issue whose lone report civicloop moved to the group of its
    problem (``grouping.group_feedback``)."""
    target = ticket.merged_into
    where = target.key if target is not None and target.key else "a problem group in civicloop"
    return (
        f"civicloop found that this issue's report tells the same problem as {where}, which "
        "other citizens reported since, and moved it there; that issue counts its citizens.\n\n"
        + (
            "civicloop moved this issue to done as a duplicate."
            if closed
            else "The workflow has no transition to done: please close the issue as a duplicate."
        )
    )


def _tell_merged(tracker: Tracker, ticket: Ticket) -> None:
    """Close a gathered group's issue as a duplicate, with a comment naming the other.
    Raises TrackerError; a retry after a failed comment does not move the issue twice."""
    issue = tracker.get_issue(ticket.key)
    if issue is None:  # deleted in the tracker: nothing to close
        return
    closed = issue.status_category == CATEGORY_DONE or tracker.close(ticket.key)
    tracker.add_comment(ticket.key, _merged_comment(ticket, closed))


def push_affected_counts() -> int:
    """Show the current affected count on every open issue whose count push is due, and close
    the issue of a group civicloop gathered into another (its count is now that one's).

    Scheduled; each ticket is committed on its own, so a tracker failure leaves the rest
    done and that one due again later. Returns the number of issues updated.
    """
    tracker = current_tracker()
    due = db.session.scalars(
        select(Ticket.id)
        .where(
            Ticket.state.in_((TicketState.OPEN, TicketState.MERGED)),
            Ticket.key.is_not(None),
            Ticket.count_due_at <= utcnow(),
        )
        .order_by(Ticket.count_due_at)
        .limit(COUNT_PUSH_BATCH)
    ).all()
    pushed = 0
    for ticket_id in due:
        ticket = db.session.scalars(
            select(Ticket).where(Ticket.id == ticket_id).with_for_update()
        ).one()
        count = _affected(ticket)
        if count != ticket.count_synced:
            try:
                if ticket.state == TicketState.MERGED:
                    _tell_merged(tracker, ticket)
                else:
                    tracker.update_affected(ticket.key, count)
            except TrackerError as error:
                retry = max(error.retry_after or 0, MIN_RETRY_SECONDS)
                ticket.count_due_at = utcnow() + timedelta(seconds=retry)
                db.session.commit()
                log.warning("ticket %s: count push failed (%s)", ticket.id, error)
                if error.retry_after:  # rate limited: the other tickets wait too
                    break
                continue
            ticket.count_synced = count
            pushed += 1
        ticket.count_due_at = None
        db.session.commit()
    db.session.rollback()
    return pushed
