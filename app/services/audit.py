"""The audit trail: who did what to which record, for admins and the data protection officer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, User


def record(
    actor: User | None, action: str, subject: db.Model | str, **detail: object
) -> AuditEvent:
    """Add an event to the session (the caller commits with the change it records).

    ``subject`` is the record acted on, or a name for work on many records at once
    ("retention"); ``detail`` holds ids and counts, never personal data.
    """
    if isinstance(subject, str):
        subject_type, subject_id = subject, None
    else:
        subject_type, subject_id = subject.__tablename__, subject.id
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )
    db.session.add(event)
    return event


def audit_events(
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[tuple[AuditEvent, User | None]]:
    """Events newest first, each with its actor; ``actor`` is an e-mail address, ``action``
    a prefix ("subject." finds every data-subject request)."""
    query = select(AuditEvent, User).outerjoin(User, AuditEvent.actor_id == User.id)
    if actor:
        query = query.where(func.lower(User.email) == actor.strip().lower())
    if action:
        query = query.where(AuditEvent.action.startswith(action.strip(), autoescape=True))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    return [(event, user) for event, user in db.session.execute(query)]
