"""Staff accounts, passwords (argon2) and API tokens (only their hash is stored)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import func, select

from app.extensions import db
from app.models import ROLES, ApiToken, Supplier, User
from app.models.types import utcnow

_hasher = PasswordHasher()
TOKEN_PREFIX = "cl_"


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    email: str,
    role: str,
    password: str | None = None,
    *,
    name: str | None = None,
    supplier_code: str | None = None,
) -> User:
    """Create (or, for an existing e-mail, update) a staff user. The caller commits."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    supplier = None
    if role == "supplier":
        if not supplier_code:
            raise AccountError("a supplier user needs --supplier CODE")
        supplier = db.session.scalars(
            select(Supplier).where(Supplier.code == supplier_code)
        ).first()
        if supplier is None:
            raise AccountError(f"unknown supplier {supplier_code!r}")
    email = email.strip().lower()
    user = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
    if user is None:
        user = User(email=email)
        db.session.add(user)
    user.role, user.supplier, user.name = role, supplier, name or user.name
    if password:
        user.password_hash = hash_password(password)
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).first()
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


def create_token(user: User) -> str:
    """A new API token for the user; returned once, only its hash is kept. The caller commits."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=token_digest(token), prefix=token[:10]))
    return token


def user_for_token(token: str) -> User | None:
    api_token = db.session.scalars(
        select(ApiToken).where(
            ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None)
        )
    ).first()
    if api_token is None or not api_token.user.active:
        return None
    api_token.last_used_at = utcnow()
    return api_token.user


def revoke_token(prefix: str) -> int:
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))
    ).all()
    for api_token in tokens:
        api_token.revoked_at = utcnow()
    return len(tokens)
