"""Who may see which items and tickets: the one place the staff pages and the API ask.

Suppliers see only what concerns their own e-services; a handler assigned to departments
sees those departments' items and tickets plus the triage queue (items no department owns
yet, which handlers exist to route). Other staff roles see the whole city. Out of scope is
answered as "not found", so an id cannot be probed for existence.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from app.extensions import db
from app.models import EService, Feedback, Ticket, User
from app.models.user import PERSONAL_DATA_ROLES
from app.services.audit import record


def _supplier_eservices(user: User) -> ColumnElement[bool] | None:
    if user.supplier_id is None:
        return None
    return select(EService.id).where(EService.supplier_id == user.supplier_id).scalar_subquery()


def _department_ids(user: User) -> list[int]:
    return [department.id for department in user.departments]


def feedback_scope(
    user: User,
    department: ColumnElement[int | None] = Feedback.department_id,
    eservice: ColumnElement[int | None] = Feedback.eservice_id,
) -> ColumnElement[bool]:
    """A condition on Feedback (or on rows counting items, given their department and
    e-service columns): the items ``user`` may see."""
    if user.role == "supplier":
        eservices = _supplier_eservices(user)
        return false() if eservices is None else eservice.in_(eservices)
    if user.role == "handler" and user.departments:
        return or_(department.in_(_department_ids(user)), department.is_(None))
    return true()


def inbox_scope(user: User) -> ColumnElement[bool]:
    """A condition on Feedback: the items of ``user``'s department inbox. A handler's are
    those of their departments (the unrouted ones wait in the triage queue instead); the
    other roles' are all they may see."""
    if user.role == "handler" and user.departments:
        return Feedback.department_id.in_(_department_ids(user))
    return feedback_scope(user)


def ticket_scope(user: User) -> ColumnElement[bool]:
    """A condition on Ticket: the tickets ``user`` may see."""
    if user.role == "supplier":
        eservices = _supplier_eservices(user)
        return false() if eservices is None else Ticket.eservice_id.in_(eservices)
    if user.role == "handler" and user.departments:
        return Ticket.department_id.in_(_department_ids(user))
    return true()


def visible_feedback(user: User, public_id: str) -> Feedback | None:
    return db.session.scalars(
        select(Feedback).where(Feedback.public_id == public_id, feedback_scope(user))
    ).first()


def visible_ticket(
    user: User, *, ticket_id: int | None = None, key: str | None = None
) -> Ticket | None:
    identity = Ticket.id == ticket_id if ticket_id is not None else Ticket.key == key
    return db.session.scalars(select(Ticket).where(identity, ticket_scope(user))).first()


def visible_items(user: User, ticket: Ticket) -> list[Feedback]:
    """The items of ``ticket`` that ``user`` may see. A handler may link an item of one
    supplier's e-service to a problem of another's (one fault can span e-services, such as a
    shared sign-in), so a problem's list of items is scoped like any other list of items."""
    query = select(Feedback).where(Feedback.ticket_id == ticket.id, feedback_scope(user))
    return list(db.session.scalars(query.order_by(Feedback.id)))


def visible_tickets(user: User, limit: int = 200) -> list[Ticket]:
    query = select(Ticket).where(ticket_scope(user)).order_by(Ticket.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def record_personal_data_read(user: User, item: Feedback) -> None:
    """Audit that ``user`` was shown the item's own text and its contact details."""
    record(user, "feedback.personal_data_viewed", item, contact_id=item.contact_id)
    db.session.commit()


def sees_personal_data(user: User) -> bool:
    """Whether ``user`` is shown an item's own text and its citizen's contact details;
    everyone else gets the redacted text only."""
    return user.role in PERSONAL_DATA_ROLES
