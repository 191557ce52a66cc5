"""Staff accounts, passwords (argon2) and API tokens (only their hash is stored)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ROLES, ApiToken, Department, Supplier, User
from app.models.types import utcnow
from app.models.user import TOKEN_SCOPES

_hasher = PasswordHasher()
TOKEN_PREFIX = "cl_"
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def supplier_by_code(code: str) -> Supplier | None:
    return db.session.scalars(select(Supplier).where(Supplier.code == code)).first()


def departments_by_code(codes: Sequence[str]) -> tuple[list[Department], list[str]]:
    """The departments with these codes, and the codes no department has (sorted)."""
    departments = list(db.session.scalars(select(Department).where(Department.code.in_(codes))))
    unknown = sorted(set(codes) - {department.code for department in departments})
    return departments, unknown


def user_by_email(email: str) -> User | None:
    """The account of an e-mail address, whatever its case."""
    return db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).first()


def create_user(
    email: str,
    role: str,
    password: str | None = None,
    *,
    name: str | None = None,
    supplier_code: str | None = None,
    department_codes: Sequence[str] = (),
) -> User:
    """Create (or, for an existing e-mail, update) a staff user. The caller commits.

    ``department_codes`` scope a handler to those departments (app/services/access.py).
    """
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    supplier = None
    if role == "supplier":
        if not supplier_code:
            raise AccountError("a supplier user needs --supplier CODE")
        supplier = supplier_by_code(supplier_code)
        if supplier is None:
            raise AccountError(f"unknown supplier {supplier_code!r}")
    departments = []
    if department_codes:
        if role != "handler":
            raise AccountError("only handlers are scoped to departments")
        departments, unknown = departments_by_code(department_codes)
        if unknown:
            raise AccountError(f"unknown department {unknown[0]!r}")
    email = email.strip().lower()
    user = user_by_email(email)
    if user is None:
        user = User(email=email)
        db.session.add(user)
    user.role, user.supplier, user.name = role, supplier, name or user.name
    user.departments = departments
    if password:
        set_password(user, password)
    return user


def set_password(user: User, password: str) -> None:
    """A new password ends the account's open sessions: a copied cookie stops working."""
    user.password_hash = hash_password(password)
    if user.id is not None:
        user.end_sessions()


def authenticate(email: str, password: str) -> User | None:
    user = user_by_email(email)
    if user is None or not user.active or not user.password_hash:
        _hasher.hash(password)  # same work either way, so timing does not reveal accounts
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# What a token gets when none is asked for: what the role may do through the API.
_DEFAULT_SCOPES = {
    "integration": ("intake",),
    "supplier": ("supplier",),
    "developer": ("read",),
    "analyst": ("read",),
}


def token_scopes_for(user: User, requested: Sequence[str] = ()) -> tuple[str, ...]:
    """The scopes a new token of ``user`` gets: ``requested``, or the role's default."""
    scopes = tuple(dict.fromkeys(requested)) or _DEFAULT_SCOPES.get(user.role, ("intake", "read"))
    unknown = set(scopes) - set(TOKEN_SCOPES)
    if unknown:
        raise AccountError(
            f"unknown scope {sorted(unknown)[0]!r}; one of {', '.join(TOKEN_SCOPES)}"
        )
    # The supplier scope reads through a supplier's e-services; no other role has any.
    if ("supplier" in scopes) != (user.role == "supplier") or (
        user.role == "supplier" and set(scopes) != {"supplier"}
    ):
        raise AccountError("the supplier scope is for supplier users, and the only one they get")
    return scopes


def create_token(user: User, scopes: Sequence[str] = ()) -> str:
    """A new API token for the user; returned once, only its hash is kept. The caller commits."""
    granted = token_scopes_for(user, scopes)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user=user, token_hash=token_digest(token), prefix=token[:10], scopes=" ".join(granted)
        )
    )
    return token


def api_token_for(token: str) -> ApiToken | None:
    """The live token of a live user, marked as used (to the minute)."""
    api_token = db.session.scalars(
        select(ApiToken)
        .options(joinedload(ApiToken.user))  # every caller asks for the user: one round trip
        .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
    ).first()
    if api_token is None or not api_token.user.active:
        return None
    # Written at most once a minute: a write per request would make every concurrent
    # request of one client wait for the others' commits on this one row.
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > TOKEN_USE_RESOLUTION:
        api_token.last_used_at = now
    return api_token


def user_for_token(token: str, *scopes: str) -> User | None:
    """The user of a live token that has one of ``scopes`` (any live token when none given)."""
    api_token = api_token_for(token)
    if api_token is None or (scopes and not api_token.allows(*scopes)):
        return None
    return api_token.user


def revoke_token(prefix: str) -> int:
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))
    ).all()
    for api_token in tokens:
        api_token.revoked_at = utcnow()
    return len(tokens)
