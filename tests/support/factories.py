"""Factories for what tests set up again and again: staff users (with their role's
scope), API tokens, and feedback items submitted as a channel would, with the problem
(ticket) the inline pipeline opens for them; and the demo catalog's rows by code.

Plain functions, usable in fixtures and tests alike (tests/conftest.py builds its
``handler`` fixture on them).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from app.extensions import db
from app.models import Department, EService, Feedback, Notice, Ticket, User
from app.services.accounts import create_token, create_user
from app.services.intake import ContactDetails, Submission, submit_feedback

PASSWORD = "correct horse battery staple"


def department(code: str) -> Department:
    """The demo catalog's department ``code`` (URB, EDU, CUL, ...)."""
    return db.session.scalars(select(Department).where(Department.code == code)).one()


def eservice(code: str) -> EService:
    """The demo catalog's e-service ``code``."""
    return db.session.scalars(select(EService).where(EService.code == code)).one()


def staff_user(
    role: str,
    email: str | None = None,
    *,
    department_codes: Sequence[str] = (),
    supplier_code: str | None = None,
) -> User:
    """A committed staff user of ``role`` who signs in with PASSWORD, ``role``@example.org
    unless named; a handler is scoped to ``department_codes``, a supplier's user works for
    ``supplier_code``."""
    user = create_user(
        email or f"{role}@example.org",
        role,
        PASSWORD,
        department_codes=department_codes,
        supplier_code=supplier_code,
    )
    db.session.commit()
    return user


def user_with_token(
    email: str = "agent@example.org", role: str = "agent", **scope
) -> tuple[User, str]:
    """A staff user (see ``staff_user``) and a new API token of theirs, committed."""
    user = staff_user(role, email, **scope)
    token = create_token(user)
    db.session.commit()
    return user, token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def consenting(
    email: str | None, language: str | None = None, *, phone: str | None = None
) -> ContactDetails:
    """A citizen's contact details with their consent to be sent notices."""
    return ContactDetails(email=email, phone=phone, language=language, consent=True)


def submitted(
    text: str, eservice: str | None = None, *, channel: str = "api", **fields
) -> Feedback:
    """A feedback item submitted through ``channel`` and processed inline (routed, grouped,
    its notices queued); ``fields``: the rest of a Submission (language, source_ref, contact)."""
    submission = Submission(text=text, channel=channel, eservice=eservice, **fields)
    return submit_feedback(submission).feedback


def reported_problem(text: str, eservice: str, **fields) -> Ticket:
    """The problem (ticket) a submitted item about ``eservice`` joins or opens."""
    item = submitted(text, eservice, **fields)
    assert item.ticket is not None, f"the item is {item.status}, in no problem"
    return item.ticket


def stored_item(text: str = "t", *, channel: str = "api", **columns) -> Feedback:
    """An item stored as it is, not processed (not routed, no notices queued): added to
    the session, neither flushed nor committed. ``columns``: more of Feedback's."""
    item = Feedback(channel=channel, text=text, redacted_text=text, **columns)
    db.session.add(item)
    return item


def only_item() -> Feedback:
    """The one feedback item stored (the test made exactly one)."""
    return db.session.scalars(select(Feedback)).one()


def notices(kind: str | None = None, item: Feedback | None = None) -> list[Notice]:
    """The notices queued so far, oldest first: of ``kind``, for ``item``, or all."""
    query = select(Notice).order_by(Notice.id)
    if kind is not None:
        query = query.where(Notice.kind == kind)
    if item is not None:
        query = query.where(Notice.feedback_id == item.id)
    return list(db.session.scalars(query))


def only_notice(kind: str | None = None, item: Feedback | None = None) -> Notice:
    """The one notice of ``kind`` or for ``item`` (the test expects exactly one)."""
    (notice,) = notices(kind, item)
    return notice
