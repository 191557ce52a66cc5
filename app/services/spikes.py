"""Spike alerts: complaints about one e-service rising well above their recent baseline.

An outage shows as many citizens and callers reporting the same failure within an hour.
A scheduled check (workers/schedule.py) compares the negative items about each e-service
in the last window (SPIKE_WINDOW_MINUTES, sliding) with their mean per window over the
SPIKE_BASELINE_DAYS before it. A spike is recorded once (a spike already alerted in an
overlapping window is the same spike), then its department is e-mailed; the alert shows on
the staff pages of the department's handlers and admins until one acknowledges it.

The alert is committed before the e-mail is sent, and an unsent e-mail is retried by the
next check, so a failed send or a lost job loses no alert (invariant 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from flask import current_app
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, func, select, true

from app.extensions import db
from app.i18n import local_time
from app.models import Department, EService, Feedback, SpikeAlert, User
from app.models.types import utcnow
from app.services.audit import record
from app.services.insight import count_if
from app.services.rows import added, insert_or_find
from app.services.staff_mail import send_staff_mail, staff_language, staff_message
from integrations.mailer import Message

# Who is shown the banner and may acknowledge: the people who act on a department's items.
ALERTED_ROLES = ("handler", "admin")
# An alert whose e-mail could not be sent for this long is left to the banner alone.
MAIL_RETRY_FOR = timedelta(days=1)


@dataclass(frozen=True)
class SpikeRule:
    window: timedelta
    baseline: timedelta
    min_count: int
    factor: float

    @classmethod
    def from_config(cls, config: dict) -> SpikeRule:
        return cls(
            window=timedelta(minutes=config["SPIKE_WINDOW_MINUTES"]),
            baseline=timedelta(days=config["SPIKE_BASELINE_DAYS"]),
            min_count=config["SPIKE_MIN_COUNT"],
            factor=config["SPIKE_FACTOR"],
        )


@dataclass(frozen=True)
class Spike:
    eservice_id: int
    count: int  # negative items in the window
    baseline: float  # their mean per window before it


def find_spikes(now: datetime, rule: SpikeRule) -> list[Spike]:
    """E-services with more than ``rule.min_count`` negative items in the window ending at
    ``now``, and more than ``rule.factor`` times their mean per window before it."""
    window_start = now - rule.window
    in_window = count_if(Feedback.received_at >= window_start)
    rows = db.session.execute(
        select(Feedback.eservice_id, in_window, func.count())
        .where(
            Feedback.sentiment == "negative",
            Feedback.eservice_id.is_not(None),
            Feedback.received_at >= window_start - rule.baseline,
            Feedback.received_at < now,
        )
        .group_by(Feedback.eservice_id)
        .having(in_window > rule.min_count)
    ).all()
    windows = rule.baseline / rule.window
    spikes = []
    for eservice_id, count, total in rows:
        baseline = (total - count) / windows
        if count > rule.factor * baseline:
            spikes.append(Spike(eservice_id, count, baseline))
    return spikes


def record_spikes(now: datetime, rule: SpikeRule) -> list[SpikeAlert]:
    """Store an alert for each new spike in the window ending at ``now``. Commits."""
    window_start = now - rule.window
    spikes = find_spikes(now, rule)
    alerted = set(
        db.session.scalars(
            select(SpikeAlert.eservice_id).where(
                SpikeAlert.eservice_id.in_([spike.eservice_id for spike in spikes]),
                SpikeAlert.window_end > window_start,
            )
        )
    )
    alerts = []
    for spike in spikes:
        if spike.eservice_id in alerted:
            continue
        eservice = db.session.get(EService, spike.eservice_id)
        alert = SpikeAlert(
            eservice=eservice,
            department_id=eservice.department_id,
            window_start=window_start,
            window_end=now,
            count=spike.count,
            baseline=spike.baseline,
        )
        _, created = insert_or_find(
            partial(added, alert), partial(_stored_alert, spike.eservice_id, window_start)
        )
        if created:  # else a concurrent check stored this very window first
            alerts.append(alert)
    db.session.commit()
    return alerts


def _stored_alert(eservice_id: int, window_start: datetime) -> SpikeAlert | None:
    return db.session.scalars(
        select(SpikeAlert).where(
            SpikeAlert.eservice_id == eservice_id, SpikeAlert.window_start == window_start
        )
    ).first()


def _message(alert: SpikeAlert) -> Message:
    """The department's e-mail, in the city's language."""
    config = current_app.config
    language = staff_language()
    link = f"{config['PUBLIC_BASE_URL']}/staff/insight?eservice={alert.eservice.code}"
    with force_locale(language):
        name = alert.eservice.name_in(language)
        subject = _("Complaints about %(eservice)s have spiked", eservice=name)
        paragraphs = [
            _(
                "%(count)d complaints about %(eservice)s between %(start)s and %(end)s; "
                "usually %(baseline)s in that time.",
                count=alert.count,
                eservice=name,
                start=local_time(alert.window_start),
                end=local_time(alert.window_end),
                baseline=format_decimal(alert.baseline, "0.0"),
            ),
            _("See the feedback: %(link)s", link=link),
            _("The alert shows on the staff pages until someone acknowledges it."),
        ]
    return staff_message(alert.department.email, subject, paragraphs, f"spike-{alert.id}")


def notify_departments(now: datetime) -> int:
    """E-mail the departments about alerts not yet sent; returns how many were sent."""
    pending = db.session.scalars(
        select(SpikeAlert)
        .join(Department, SpikeAlert.department_id == Department.id)
        .where(
            SpikeAlert.notified_at.is_(None),
            SpikeAlert.acknowledged_at.is_(None),
            SpikeAlert.created_at > now - MAIL_RETRY_FOR,
            Department.email.is_not(None),
        )
        .order_by(SpikeAlert.id)
    ).all()
    sent = 0
    for alert in pending:
        if not send_staff_mail(_message(alert)):
            continue  # the next check retries
        alert.notified_at = utcnow()
        db.session.commit()
        sent += 1
    return sent


def check_spikes(now: datetime | None = None) -> list[SpikeAlert]:
    """The scheduled check: record new spikes, then send the e-mails due."""
    now = (now or utcnow()).replace(second=0, microsecond=0)  # one window per minute
    alerts = record_spikes(now, SpikeRule.from_config(current_app.config))
    notify_departments(now)
    return alerts


def _alert_scope(user: User) -> ColumnElement[bool]:
    if user.role == "supplier":
        return false()  # suppliers get the figures, not the city's alerts
    if user.role == "handler" and user.departments:
        return SpikeAlert.department_id.in_([department.id for department in user.departments])
    return true()


def active_alerts(user: User) -> list[SpikeAlert]:
    """Unacknowledged alerts of the departments ``user`` sees, newest first."""
    return list(
        db.session.scalars(
            select(SpikeAlert)
            .where(_alert_scope(user), SpikeAlert.acknowledged_at.is_(None))
            .order_by(SpikeAlert.id.desc())
        )
    )


def banner_alerts(user: User) -> list[SpikeAlert]:
    """The alerts the staff pages' banner shows ``user``."""
    return active_alerts(user) if user.role in ALERTED_ROLES else []


def acknowledge_alert(alert_id: int, user: User) -> SpikeAlert | None:
    """Mark an alert seen, so its banner goes (once: a second time changes nothing); None
    if ``user`` cannot see it. Commits."""
    alert = db.session.scalars(
        select(SpikeAlert).where(_alert_scope(user), SpikeAlert.id == alert_id)
    ).first()
    if alert is None or alert.acknowledged_at is not None:
        return alert
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = user.id
    record(user, "spike_alert.acknowledged", alert, eservice_id=alert.eservice_id)
    db.session.commit()
    return alert
