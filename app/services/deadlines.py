"""Deadlines: targets for handling items and resolving problems, what is overdue, and the
reminders and escalations about it.

Two targets, set per department and optionally overridden per e-service, with the
configured defaults where neither sets one:

- **First handling** of an item, counted from its arrival. Leaving "received" is not
  handling: processing moves nearly every item on to "forwarded" within seconds, and
  "forwarded" is where it lands in its department untouched by anyone (the department's
  "new"). An item is handled when its status history (FeedbackEvent, app/services/history.py)
  first records it in development or resolved: the department has acted on the problem it
  reports. Only items in a problem group have this step; praise and plain questions open no
  ticket and carry no handling deadline, and items waiting in triage have no department
  yet (the triage queue is their list).
- **Resolution** of a problem group (Ticket), counted from the group's start until its
  ``resolved_at``.

Everything here is derived from the database at the moment asked: a reminder is due when an
item or group is overdue by DEADLINE_REMIND_AFTER_DAYS and none was sent, so a lost job or
a restarted worker finds it again on the next run (invariant 1). What was sent is recorded
(DeadlineReminder, unique per item or group and stage) in the transaction that sends it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_timedelta
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, exists, func, select, tuple_

from app.extensions import db
from app.i18n import local_time
from app.models import (
    DeadlineReminder,
    DeadlineTarget,
    Department,
    EService,
    Feedback,
    FeedbackEvent,
    FeedbackStatus,
    ReminderStage,
    Ticket,
    TicketState,
    User,
)
from app.models.types import utcnow
from app.services.access import feedback_scope, ticket_scope
from app.services.audit import record
from app.services.rows import insert_or_find
from app.services.sql_time import seconds_since
from app.services.staff_mail import send_staff_mail, staff_language, staff_message

HANDLED_STATUSES = (FeedbackStatus.IN_DEVELOPMENT, FeedbackStatus.RESOLVED)
# Groups still open: merged ones live on in their target, deleted ones are gone.
OPEN_GROUP_STATES = (TicketState.HELD, TicketState.PENDING, TicketState.OPEN)
HOUR = 3600
DAY = 24 * HOUR
MAX_FIRST_HANDLING_HOURS = 24 * 365
MAX_RESOLUTION_DAYS = 3650


# --- targets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """Targets as set on one row: None inherits (from the department, then the default)."""

    first_handling_hours: int | None = None
    resolution_days: int | None = None

    @property
    def empty(self) -> bool:
        return self.first_handling_hours is None and self.resolution_days is None


def default_targets() -> Targets:
    config = current_app.config
    return Targets(config["DEADLINE_FIRST_HANDLING_HOURS"], config["DEADLINE_RESOLUTION_DAYS"])


def _target_seconds(
    setting: str,
    department_id: ColumnElement[int],
    eservice_id: ColumnElement[int],
    default: int,
    unit: int,
) -> ColumnElement[float]:
    """The target in seconds for the row ``department_id``/``eservice_id`` belong to: the
    e-service's override, else the department's, else ``default`` (in ``unit`` seconds)."""
    column = getattr(DeadlineTarget, setting)
    override = (
        select(column)
        .where(DeadlineTarget.department_id == department_id)
        .where(DeadlineTarget.eservice_id == eservice_id)
        .scalar_subquery()
    )
    department = (
        select(column)
        .where(DeadlineTarget.department_id == department_id)
        .where(DeadlineTarget.eservice_id.is_(None))
        .scalar_subquery()
    )
    return func.coalesce(override, department, default) * unit


def handling_target() -> ColumnElement[float]:
    """Seconds an item (the Feedback row of the query) has for its first handling."""
    return _target_seconds(
        "first_handling_hours",
        Feedback.department_id,
        Feedback.eservice_id,
        current_app.config["DEADLINE_FIRST_HANDLING_HOURS"],
        HOUR,
    )


def resolution_target() -> ColumnElement[float]:
    """Seconds a problem group (the Ticket row of the query) has to be resolved."""
    return _target_seconds(
        "resolution_days",
        Ticket.department_id,
        Ticket.eservice_id,
        current_app.config["DEADLINE_RESOLUTION_DAYS"],
        DAY,
    )


def first_handled_at() -> ColumnElement[datetime]:
    """When the item (the Feedback row of the query) was first handled; NULL: not yet."""
    return (
        select(func.min(FeedbackEvent.at))
        .where(FeedbackEvent.feedback_id == Feedback.id)
        .where(FeedbackEvent.status.in_(HANDLED_STATUSES))
        .scalar_subquery()
    )


def with_handling_deadline() -> ColumnElement[bool]:
    """The items a first-handling deadline applies to: with a department, in a group."""
    return and_(Feedback.department_id.is_not(None), Feedback.ticket_id.is_not(None))


def with_resolution_deadline() -> ColumnElement[bool]:
    return and_(Ticket.department_id.is_not(None), Ticket.state.in_(OPEN_GROUP_STATES))


def _target_row(department: Department, eservice: EService | None) -> DeadlineTarget | None:
    eservice_id = DeadlineTarget.eservice_id
    return db.session.scalars(
        select(DeadlineTarget).where(
            DeadlineTarget.department_id == department.id,
            eservice_id.is_(None) if eservice is None else eservice_id == eservice.id,
        )
    ).first()


def targets_of(department: Department, eservice: EService | None = None) -> Targets:
    """What is set on the department's row (``eservice`` None) or the e-service's override."""
    row = _target_row(department, eservice)
    if row is None:
        return Targets()
    return Targets(row.first_handling_hours, row.resolution_days)


@dataclass(frozen=True)
class DepartmentDeadlines:
    """A department's row of the deadlines page: what is set, and what applies."""

    department: Department
    own: Targets
    applied: Targets  # with the defaults filled in
    overrides: list[tuple[EService, Targets]]


def deadline_overview(department: Department | None = None) -> list[DepartmentDeadlines]:
    """Every active department (or only ``department``) with its targets and e-service
    overrides, by code."""
    defaults = default_targets()
    query = select(DeadlineTarget).order_by(DeadlineTarget.id)
    departments = select(Department).where(Department.active.is_(True)).order_by(Department.code)
    if department is not None:
        query = query.where(DeadlineTarget.department_id == department.id)
        departments = select(Department).where(Department.id == department.id)
    own, overrides = {}, defaultdict(list)
    for row in db.session.scalars(query):
        targets = Targets(row.first_handling_hours, row.resolution_days)
        if row.eservice_id is None:
            own[row.department_id] = targets
        else:
            overrides[row.department_id].append((row.eservice, targets))
    overview = []
    for each in db.session.scalars(departments):
        targets = own.get(each.id, Targets())
        applied = Targets(
            targets.first_handling_hours or defaults.first_handling_hours,
            targets.resolution_days or defaults.resolution_days,
        )
        overview.append(DepartmentDeadlines(each, targets, applied, overrides[each.id]))
    return overview


def _store_targets(department: Department, eservice: EService | None, targets: Targets) -> None:
    row = _target_row(department, eservice)
    if targets.empty:
        if row is not None:
            db.session.delete(row)  # nothing set: the row would only inherit
        return
    if row is None:
        row = DeadlineTarget(department=department, eservice=eservice)
        db.session.add(row)
    row.first_handling_hours = targets.first_handling_hours
    row.resolution_days = targets.resolution_days


def set_department_deadlines(
    department: Department,
    targets: Targets,
    head_name: str | None,
    head_email: str | None,
    actor: User,
) -> Department:
    """Set the department's own targets and its head. Audited; commits."""
    _store_targets(department, None, targets)
    department.head_name, department.head_email = head_name, head_email
    record(
        actor,
        "deadline.department_set",
        department,
        first_handling_hours=targets.first_handling_hours,
        resolution_days=targets.resolution_days,
        head_set=head_email is not None,  # who the head is stays on the department row
    )
    db.session.commit()
    return department


def set_eservice_deadlines(
    department: Department, eservice: EService, targets: Targets, actor: User
) -> None:
    """Override the department's targets for one of its e-services (none set: remove the
    override). Audited; commits."""
    if eservice.department_id != department.id:
        raise ValueError(f"{eservice.code} is not an e-service of {department.code}")
    _store_targets(department, eservice, targets)
    record(
        actor,
        "deadline.eservice_set",
        eservice,
        department_id=department.id,
        first_handling_hours=targets.first_handling_hours,
        resolution_days=targets.resolution_days,
    )
    db.session.commit()


# --- what is overdue -------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueItem:
    item: Feedback
    overdue: timedelta  # past its first-handling deadline by this much


@dataclass(frozen=True)
class OverdueGroup:
    ticket: Ticket
    overdue: timedelta  # past its resolution deadline by this much


def _overdue(
    now: datetime,
    model: type[Feedback] | type[Ticket],
    since: ColumnElement[datetime],
    target: ColumnElement[float],
    at_least: timedelta,
    conditions: list[ColumnElement[bool]],
) -> list[tuple[Feedback | Ticket, timedelta]]:
    overdue = seconds_since(since, now) - target
    rows = db.session.execute(
        select(model, overdue)
        .where(overdue > at_least.total_seconds(), *conditions)
        .order_by(overdue.desc(), model.id)
    ).all()
    return [(row, timedelta(seconds=seconds)) for row, seconds in rows]


def overdue_items(
    now: datetime,
    *conditions: ColumnElement[bool],
    at_least: timedelta = timedelta(0),
) -> list[OverdueItem]:
    """Items not handled by their deadline, overdue by more than ``at_least``, most
    overdue first; ``conditions`` narrow them (a viewer's scope)."""
    conditions = [
        with_handling_deadline(),
        # The status is a cheap first cut; the history decides (a reopened problem moves
        # its items back, yet they were handled once).
        Feedback.status.not_in(HANDLED_STATUSES),
        first_handled_at().is_(None),
        *conditions,
    ]
    rows = _overdue(now, Feedback, Feedback.received_at, handling_target(), at_least, conditions)
    return [OverdueItem(item, overdue) for item, overdue in rows]


def overdue_groups(
    now: datetime,
    *conditions: ColumnElement[bool],
    at_least: timedelta = timedelta(0),
) -> list[OverdueGroup]:
    """Open problem groups not resolved by their deadline, like ``overdue_items``."""
    conditions = [with_resolution_deadline(), Ticket.resolved_at.is_(None), *conditions]
    rows = _overdue(now, Ticket, Ticket.created_at, resolution_target(), at_least, conditions)
    return [OverdueGroup(ticket, overdue) for ticket, overdue in rows]


@dataclass(frozen=True)
class OverdueWork:
    items: list[OverdueItem]
    groups: list[OverdueGroup]


def overdue_work(viewer: User, now: datetime | None = None) -> OverdueWork:
    """What is overdue in the departments ``viewer`` sees (app/services/access.py)."""
    now = now or utcnow()
    return OverdueWork(
        overdue_items(now, feedback_scope(viewer)),
        overdue_groups(now, ticket_scope(viewer)),
    )


# --- reminders and escalation ---------------------------------------------------------------


def _not_sent(subject_type: str, subject_id: ColumnElement[int], stage: str) -> ColumnElement:
    return ~exists().where(
        DeadlineReminder.subject_type == subject_type,
        DeadlineReminder.subject_id == subject_id,
        DeadlineReminder.stage == stage,
    )


def _recipient(department: Department, stage: str) -> str | None:
    return department.email if stage == ReminderStage.REMINDER else department.head_email


def _staff_url(path: str) -> str:
    # From PUBLIC_BASE_URL, not url_for: the check runs in a worker, outside any request.
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/staff/{path}"


def _message(
    stage: str,
    department: Department,
    items: list[OverdueItem],
    groups: list[OverdueGroup],
    after_days: int,
) -> tuple[str, list[str]]:
    """The e-mail's subject and paragraphs, in the city's language."""
    language = staff_language()
    with force_locale(language):
        name = department.name_in(language)
        if stage == ReminderStage.REMINDER:
            subject = _("Overdue feedback in %(department)s", department=name)
            opening = _(
                "These items and problems of %(department)s are more than %(days)d days past "
                "their deadline.",
                department=name,
                days=after_days,
            )
        else:
            subject = _("Escalated: overdue feedback in %(department)s", department=name)
            opening = _(
                "Dear %(head)s, as the head of %(department)s: these items and problems are "
                "more than %(days)d days past their deadline.",
                head=department.head_name or department.head_email,
                department=name,
                days=after_days,
            )
        paragraphs = [opening]
        if items:
            lines = [_("Items waiting for first handling:")]
            lines += [
                "- "
                + _(
                    "received %(received)s, overdue by %(overdue)s: %(link)s",
                    received=local_time(entry.item.received_at),
                    overdue=format_timedelta(entry.overdue),
                    link=_staff_url(f"feedback/{entry.item.public_id}"),
                )
                for entry in items
            ]
            paragraphs.append("\n".join(lines))
        if groups:
            lines = [_("Problems waiting for resolution:")]
            lines += [
                "- "
                + _(
                    "“%(summary)s”, overdue by %(overdue)s: %(link)s",
                    # Built from redacted text only (invariant 5): no personal data.
                    summary=entry.ticket.summary[:120],
                    overdue=format_timedelta(entry.overdue),
                    link=_staff_url(f"problems/{entry.ticket.id}"),
                )
                for entry in groups
            ]
            paragraphs.append("\n".join(lines))
        paragraphs.append(_("Everything overdue: %(link)s", link=_staff_url("overdue")))
    return subject, paragraphs


def _claim(stage: str, department: Department, claims: list[tuple[str, int]]) -> bool:
    """Record the reminders about these items and groups; False when another run has any
    of them (the unique key: a concurrent worker's uncommitted rows make this wait for its
    end), leaving the rest to the next run."""
    recipient = _recipient(department, stage)

    def record_claims() -> list[DeadlineReminder]:
        reminders = [
            DeadlineReminder(
                subject_type=subject_type,
                subject_id=subject_id,
                stage=stage,
                department_id=department.id,
                sent_to=recipient,
            )
            for subject_type, subject_id in claims
        ]
        db.session.add_all(reminders)
        return reminders

    _, claimed = insert_or_find(record_claims, lambda: _claimed_before(stage, claims))
    return claimed


def _claimed_before(stage: str, claims: list[tuple[str, int]]) -> DeadlineReminder | None:
    """A reminder at ``stage`` about one of ``claims`` that another run recorded."""
    subject = tuple_(DeadlineReminder.subject_type, DeadlineReminder.subject_id)
    return db.session.scalars(
        select(DeadlineReminder).where(DeadlineReminder.stage == stage, subject.in_(claims))
    ).first()


def _remind_department(
    stage: str,
    department: Department,
    items: list[OverdueItem],
    groups: list[OverdueGroup],
    after_days: int,
) -> bool:
    """One e-mail about everything of the department due at ``stage``; True when sent.

    The reminders are recorded, then the mail is sent, then both commit: a mail not accepted
    rolls the records back for the next run to retry. A crash between an accepted mail and
    the commit sends it again on the next run, which the stable Message-ID lets mail
    clients recognise.
    """
    # In id order, the same in every worker, so two never wait on each other in a cycle.
    claims = sorted(
        [("feedback", entry.item.id) for entry in items]
        + [("ticket", entry.ticket.id) for entry in groups]
    )
    if not _claim(stage, department, claims):
        return False
    subject_type, subject_id = claims[0]
    key = f"deadline-{stage}-{department.code}-{subject_type}-{subject_id}"
    subject, paragraphs = _message(stage, department, items, groups, after_days)
    if not send_staff_mail(staff_message(_recipient(department, stage), subject, paragraphs, key)):
        db.session.rollback()
        return False
    record(
        None,
        f"deadline.{stage}_sent",
        department,
        feedback_ids=[entry.item.id for entry in items],
        ticket_ids=[entry.ticket.id for entry in groups],
    )
    db.session.commit()
    return True


def _due(stage: str, now: datetime, after: timedelta) -> dict[int, tuple[list, list]]:
    """Per department: its items and groups overdue by ``after`` without this stage's mail."""
    due: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for entry in overdue_items(now, _not_sent("feedback", Feedback.id, stage), at_least=after):
        due[entry.item.department_id][0].append(entry)
    for entry in overdue_groups(now, _not_sent("ticket", Ticket.id, stage), at_least=after):
        due[entry.ticket.department_id][1].append(entry)
    return due


def send_reminders(now: datetime | None = None) -> int:
    """The scheduled check: remind departments of work overdue by DEADLINE_REMIND_AFTER_DAYS
    and escalate to their heads what is overdue by DEADLINE_ESCALATE_AFTER_DAYS, each item
    or group once per stage, one e-mail per department and stage. Returns the e-mails sent.

    A department without the address a stage needs records nothing, so its overdue work is
    reminded as soon as an admin sets one.
    """
    now = now or utcnow()
    config = current_app.config
    stages = (
        (ReminderStage.REMINDER, config["DEADLINE_REMIND_AFTER_DAYS"]),
        (ReminderStage.ESCALATION, config["DEADLINE_ESCALATE_AFTER_DAYS"]),
    )
    sent = 0
    for stage, after_days in stages:
        due = _due(stage, now, timedelta(days=after_days))
        for department_id in sorted(due):  # one order for every worker: no lock cycles
            department = db.session.get(Department, department_id)
            if not _recipient(department, stage):
                continue
            items, groups = due[department_id]
            sent += _remind_department(stage, department, items, groups, after_days)
    return sent
