"""Small helpers to make what tests need."""

from __future__ import annotations

from app.extensions import db
from app.services.accounts import create_token, create_user


def user_with_token(email: str = "agent@example.org", role: str = "agent") -> tuple[object, str]:
    user = create_user(email, role, "correct horse battery staple")
    token = create_token(user)
    db.session.commit()
    return user, token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
