"""Admins' management of staff accounts on the staff site.

Accounts are deactivated, never deleted: the audit trail, call imports and handlers'
decisions keep pointing at them. An admin cannot lock themself out (deactivate their own
account or take away their own admin role), so a city always keeps the admin who acts.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import ROLES, User
from app.services.accounts import (
    departments_by_code,
    set_password,
    supplier_by_code,
    user_by_email,
)
from app.services.admin import describe, refused, save_audited


@dataclass(frozen=True)
class UserDraft:
    """What an admin wrote; ``password`` None keeps an existing account's password."""

    email: str
    name: str | None
    role: str
    department_codes: tuple[str, ...] = ()
    supplier_code: str | None = None
    password: str | None = None
    active: bool = True


def _describe(user: User) -> dict:
    # Ids and settings only: the audit trail holds no e-mail addresses, names or hashes.
    after = describe(user, leave_out=("email", "name", "password_hash", "created_at"))
    return {**after, "departments": sorted(department.code for department in user.departments)}


def _check_scope(draft: UserDraft) -> None:
    if draft.role not in ROLES:
        raise refused("role", _("Unknown role."))
    if draft.role == "supplier" and not draft.supplier_code:
        raise refused("supplier", _("A supplier user needs a supplier."))
    if draft.role != "supplier" and draft.supplier_code:
        raise refused("supplier", _("Only supplier users work for a supplier."))
    if draft.role != "handler" and draft.department_codes:
        raise refused("departments", _("Only handlers are scoped to departments."))


def save_user(user: User | None, draft: UserDraft, actor: User) -> User:
    """Create (``user`` None) or change a staff account. Commits, audited."""
    _check_scope(draft)
    if user is not None and user.id == actor.id and (draft.role != "admin" or not draft.active):
        field = "role" if draft.role != "admin" else "active"
        raise refused(field, _("You cannot take away your own admin access."))
    if user is None and not draft.password:
        raise refused("password", _("A new account needs a password."))
    email = draft.email.strip().lower()
    with db.session.no_autoflush:
        holder = user_by_email(email)
        supplier = supplier_by_code(draft.supplier_code) if draft.supplier_code else None
        departments, unknown = departments_by_code(draft.department_codes)
    if holder is not None and holder is not user:
        raise refused("email", _("Another account has this e-mail address."))
    if draft.supplier_code and supplier is None:
        raise refused("supplier", _("Unknown supplier."))
    if unknown:
        raise refused("departments", _("Unknown department."))

    before = None if user is None else _describe(user)
    user = user or User()
    user.email, user.name, user.role = email, draft.name or None, draft.role
    user.supplier, user.departments = supplier, departments
    user.active = draft.active
    if draft.password:
        set_password(user, draft.password)
    after = {**_describe(user), "password_changed": bool(draft.password)}
    save_audited(user, before, actor, after, unique_field="email")
    return user


def staff_users() -> list[User]:
    """Every account, active ones first, by e-mail address."""
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.email)))
