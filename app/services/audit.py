"""The audit trail: who did what to which record, for admins and the data protection officer."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, User


def record(actor: User | None, action: str, subject: db.Model, **detail: object) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject.__tablename__,
        subject_id=subject.id,
        detail=detail,
    )
    db.session.add(event)
    return event
