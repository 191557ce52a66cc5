"""Factories for what tests set up again and again: staff users (with their role's
scope), API tokens, and feedback items submitted as a channel would, with the problem
(ticket) the inline pipeline opens for them.

Plain functions, usable in fixtures and tests alike; tests/conftest.py offers the user
factory as a fixture too.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from app.extensions import db
from app.models import Feedback, Ticket, User
from app.services.accounts import create_token, create_user
from app.services.intake import ContactDetails, Submission, submit_feedback

PASSWORD = "correct horse battery staple"


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
    text: str,
    eservice: str | None = None,
    *,
    channel: str = "api",
    agent: User | None = None,
    **fields,
) -> Feedback:
    """A feedback item submitted through ``channel`` and processed inline (routed, grouped,
    its notices queued); ``fields``: the rest of a Submission (language, source_ref, contact)."""
    submission = Submission(text=text, channel=channel, eservice=eservice, **fields)
    return submit_feedback(submission, agent=agent).feedback


def reported_problem(text: str, eservice: str, **fields) -> Ticket:
    """The problem (ticket) a submitted item about ``eservice`` joins or opens."""
    item = submitted(text, eservice, **fields)
    assert item.ticket is not None, f"the item is {item.status}, in no problem"
    return item.ticket


def only_item() -> Feedback:
    """The one feedback item stored (the test made exactly one)."""
    return db.session.scalars(select(Feedback)).one()
