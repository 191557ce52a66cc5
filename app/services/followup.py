"""After a fix: "Did this fix it for you?", and reopening a problem its citizens dispute.

Each fix's resolution notice (or a notice FOLLOWUP_DELAY_DAYS later) asks the citizen with a
signed link per item and resolution round (app/services/links.py). Answers are stored one per
item and round. When the "no" answers of the group's current round reach
FOLLOWUP_REOPEN_THRESHOLD, or one comes from an item a handler marked as a key case, the
group is reopened: its round goes up (so its next resolution is owed to every citizen again),
its items go back to the team, the tracker issue gets one comment with the count and the
redacted comments and is moved back where the workflow allows, and the department is told.

The reopening is committed (a ``ProblemReopening`` row, unique per round) before the tracker
and the department are told, so a failure there is retried by the scheduled review and the
same answers never reopen a problem twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from app import jobs
from app.extensions import db
from app.models import (
    Feedback,
    FeedbackStatus,
    FollowupAnswer,
    FollowupAnswerValue,
    ProblemReopening,
    Ticket,
    TicketOutcome,
    TicketState,
    User,
)
from app.models.types import utcnow
from app.services.audit import record
from app.services.history import change_status
from app.services.links import followup_token
from app.services.privacy import redact
from app.services.rows import added, insert_or_find
from app.services.staff_mail import send_staff_mail, staff_language, staff_message
from app.services.tickets import apply_tracker_update, current_tracker
from integrations.mailer import Message
from integrations.tracker import CATEGORY_DONE, TrackerError

log = logging.getLogger(__name__)

MAX_COMMENT = 1000
# A reopening the tracker or the department could not be told about is retried this long.
TELL_RETRY_FOR = timedelta(days=7)
REVIEW_BATCH = 200


def record_followup_answer(
    item: Feedback, round_: int, answer: str, comment: str | None = None
) -> FollowupAnswer:
    """Store the citizen's answer for ``round_`` (replacing an earlier one, audited), with the
    comment redacted; a "no" has the group reviewed for reopening. Commits."""
    if answer not in FollowupAnswerValue.ALL:
        raise ValueError(f"unknown answer {answer!r}")
    names = [item.contact.name] if item.contact is not None and item.contact.name else []
    comment = redact(" ".join((comment or "").split()), names)[:MAX_COMMENT] or None

    def stored_answer() -> FollowupAnswer | None:
        return db.session.scalars(
            select(FollowupAnswer)
            .where(FollowupAnswer.feedback_id == item.id, FollowupAnswer.round == round_)
            .with_for_update()
        ).first()

    stored, created = stored_answer(), False
    if stored is None:  # the first answer posted twice at once: one is stored, then replaced
        stored, created = insert_or_find(
            lambda: added(
                FollowupAnswer(feedback=item, round=round_, answer=answer, comment=comment)
            ),
            stored_answer,
        )
    if created:
        record(None, "followup.answered", item, round=round_, answer=answer)
    else:
        record(
            None, "followup.answer_replaced", item, round=round_, before=stored.answer, after=answer
        )
        stored.answer, stored.comment, stored.answered_at = answer, comment, utcnow()
    db.session.commit()
    if answer == FollowupAnswerValue.NO and item.ticket_id is not None:
        jobs.enqueue("review_followup", item.ticket_id)
    return stored


def mark_key_case(item: Feedback, key_case: bool, actor: User) -> Feedback:
    """A handler marks (or unmarks) an item whose one "no" is enough to reopen its problem."""
    if item.key_case == key_case:
        return item
    item.key_case = key_case
    record(actor, "feedback.key_case_marked" if key_case else "feedback.key_case_unmarked", item)
    db.session.commit()
    if key_case and item.ticket_id is not None:
        jobs.enqueue("review_followup", item.ticket_id)
    return item


def _round_answers(*conditions: ColumnElement[bool]) -> Select:
    """Answers about the current round of the Ticket of the enclosing query (correlated)."""
    return (
        select(func.count(FollowupAnswer.id))
        .join(Feedback, Feedback.id == FollowupAnswer.feedback_id)
        .where(Feedback.ticket_id == Ticket.id, FollowupAnswer.round == Ticket.round, *conditions)
    )


_NO = FollowupAnswer.answer == FollowupAnswerValue.NO
_KEY_CASE = Feedback.key_case.is_(True)


@dataclass(frozen=True)
class Dispute:
    no_answers: int
    key_case: bool

    def reopens(self, threshold: int) -> bool:
        return self.key_case or (threshold > 0 and self.no_answers >= threshold)


def dispute(ticket: Ticket) -> Dispute:
    """The "no" answers on the group's current round, and whether a key case is among them."""
    noes, key_cases = db.session.execute(
        select(
            _round_answers(_NO).scalar_subquery(),
            _round_answers(_NO, _KEY_CASE).scalar_subquery(),
        ).where(Ticket.id == ticket.id)
    ).one()
    return Dispute(noes, key_cases > 0)


def undisputed_fix() -> ColumnElement[bool]:
    """A condition on Ticket: fixed, and not disputed by a majority of "no" answers in its
    current round (a fix nobody answered about counts as not disputed)."""
    noes = _round_answers(_NO).scalar_subquery()
    return and_(
        Ticket.outcome == TicketOutcome.FIXED, noes * 2 <= _round_answers().scalar_subquery()
    )


def _disputed(threshold: int) -> ColumnElement[bool]:
    """A condition on Ticket: a fix its citizens dispute enough to reopen it."""
    key_case = _round_answers(_NO, _KEY_CASE).scalar_subquery() > 0
    if threshold <= 0:
        return and_(Ticket.outcome == TicketOutcome.FIXED, key_case)
    noes = _round_answers(_NO).scalar_subquery()
    return and_(Ticket.outcome == TicketOutcome.FIXED, or_(noes >= threshold, key_case))


def reopen_if_disputed(ticket_id: int) -> ProblemReopening | None:
    """Reopen a fixed group its citizens dispute, once per round, then tell the tracker and
    the department; None when there is nothing to reopen."""
    ticket = db.session.scalars(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update()
    ).first()
    if ticket is None or ticket.outcome != TicketOutcome.FIXED:
        db.session.rollback()
        return None
    found = dispute(ticket)
    if not found.reopens(current_app.config["FOLLOWUP_REOPEN_THRESHOLD"]):
        db.session.rollback()
        return None
    reopening = ProblemReopening(
        ticket=ticket, round=ticket.round, no_answers=found.no_answers, key_case=found.key_case
    )
    db.session.add(reopening)
    ticket.round += 1
    ticket.outcome = None
    ticket.resolved_at = None
    for item in db.session.scalars(select(Feedback).where(Feedback.ticket_id == ticket.id)):
        change_status(item, FeedbackStatus.FORWARDED)
        item.resolved_at = None
    record(
        None,
        "problem_group.reopened",
        ticket,
        round=reopening.round,
        no_answers=found.no_answers,
        key_case=found.key_case,
    )
    db.session.commit()
    tell_about_reopening(reopening)
    return reopening


def reopening_comment(reopening: ProblemReopening, moved_back: bool) -> str:
    """The one tracker comment of a reopening: the count and what citizens said, redacted."""
    ticket = reopening.ticket
    comments = db.session.scalars(
        select(FollowupAnswer.comment)
        .join(Feedback, Feedback.id == FollowupAnswer.feedback_id)
        .where(
            Feedback.ticket_id == ticket.id,
            FollowupAnswer.round == reopening.round,
            FollowupAnswer.answer == FollowupAnswerValue.NO,
            FollowupAnswer.comment.is_not(None),
        )
        .order_by(FollowupAnswer.id)
    ).all()
    lines = [
        f'Reopened by civicloop: {reopening.no_answers} citizen(s) answered "no" to '
        '"Did this fix it for you?" after the fix was announced.',
    ]
    if reopening.key_case:
        lines.append('A report a handler marked as a key case is among the "no" answers.')
    if comments:
        lines += ["", "What they said (personal data removed):", *(f"- {c}" for c in comments)]
    lines += [
        "",
        "The issue was moved back to work."
        if moved_back
        else "The workflow has no transition back from done: please reopen the issue.",
        f"In civicloop: {current_app.config['PUBLIC_BASE_URL']}/staff/problems/{ticket.id}",
    ]
    return "\n".join(lines)


def _department_message(reopening: ProblemReopening) -> Message:
    """The department's e-mail, in the city's language (as spike alerts are)."""
    ticket = reopening.ticket
    with force_locale(staff_language()):
        return staff_message(
            ticket.department.email,
            _("A problem was reopened: citizens say the fix did not work"),
            [
                ticket.summary,
                _(
                    "%(count)d citizens answered that the announced fix did not work for them, "
                    "so the problem has been reopened.",
                    count=reopening.no_answers,
                ),
                _(
                    "See the problem: %(link)s",
                    link=f"{current_app.config['PUBLIC_BASE_URL']}/staff/problems/{ticket.id}",
                ),
            ],
            key=f"reopening-{reopening.id}",
        )


def _tell_tracker(reopening: ProblemReopening) -> None:
    ticket = reopening.ticket
    tracker = current_tracker()
    issue = tracker.get_issue(ticket.key)
    if issue is None:  # deleted in the tracker: nobody there to tell
        reopening.last_error = f"{ticket.key} no longer exists in the tracker"
        db.session.commit()
        return
    # Checked first: a retry after a failed comment must not move the issue twice.
    moved_back = issue.status_category == CATEGORY_DONE and tracker.reopen(ticket.key)
    tracker.add_comment(ticket.key, reopening_comment(reopening, moved_back))
    reopening.tracker_told_at = utcnow()
    db.session.commit()
    if moved_back:  # the items follow the issue's new status at once, not at the next sync
        issue = tracker.get_issue(ticket.key)
        if issue is not None:
            apply_tracker_update(issue)


def tell_about_reopening(reopening: ProblemReopening) -> bool:
    """Comment on (and move back) the tracker issue and e-mail the department, each once;
    returns False when something failed and is left for the scheduled review."""
    ticket = reopening.ticket
    done = True
    if reopening.tracker_told_at is None and ticket.key and ticket.state == TicketState.OPEN:
        try:
            _tell_tracker(reopening)
        except TrackerError as error:
            db.session.rollback()
            reopening.last_error = str(error)[:1000]
            db.session.commit()
            log.warning("reopening %s: tracker not told, retried later: %s", reopening.id, error)
            done = False
    department = ticket.department
    if reopening.department_told_at is None and department is not None and department.email:
        if not send_staff_mail(_department_message(reopening)):
            reopening.last_error = "the department's e-mail was not accepted"
            db.session.commit()
            return False
        reopening.department_told_at = utcnow()
        db.session.commit()
    return done


def review_followups() -> int:
    """Scheduled: reopen every disputed fix a lost job left, and tell what is still untold.
    Returns the number of groups reopened."""
    threshold = current_app.config["FOLLOWUP_REOPEN_THRESHOLD"]
    disputed = select(Ticket.id).where(_disputed(threshold)).order_by(Ticket.id).limit(REVIEW_BATCH)
    reopened = sum(
        reopen_if_disputed(ticket_id) is not None
        for ticket_id in db.session.scalars(disputed).all()
    )
    untold = db.session.scalars(
        select(ProblemReopening)
        .where(
            ProblemReopening.created_at > utcnow() - TELL_RETRY_FOR,
            or_(
                ProblemReopening.tracker_told_at.is_(None),
                ProblemReopening.department_told_at.is_(None),
            ),
        )
        .order_by(ProblemReopening.id)
        .limit(REVIEW_BATCH)
    ).all()
    for reopening in untold:
        tell_about_reopening(reopening)
    return reopened


def followup_answers(item: Feedback) -> list[FollowupAnswer]:
    """The citizen's answers for their item, one per resolution round, oldest first: the
    item page shows them, a "no" with its comment being why the problem reopened."""
    return list(
        db.session.scalars(
            select(FollowupAnswer)
            .where(FollowupAnswer.feedback_id == item.id)
            .order_by(FollowupAnswer.round)
        )
    )


@dataclass(frozen=True)
class FollowupState:
    """What the status page shows about the question: whether it is asked, the signed token
    to answer it with, and the citizen's answer so far."""

    asked: bool
    token: str | None = None
    answer: FollowupAnswer | None = None


def followup_state(item: Feedback) -> FollowupState:
    ticket = item.ticket
    if ticket is None or ticket.outcome != TicketOutcome.FIXED:
        return FollowupState(asked=False)
    answer = db.session.scalars(
        select(FollowupAnswer).where(
            FollowupAnswer.feedback_id == item.id, FollowupAnswer.round == ticket.round
        )
    ).first()
    return FollowupState(True, followup_token(item, ticket.round), answer)
