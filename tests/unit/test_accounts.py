from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken
from app.services.accounts import (
    authenticate,
    create_token,
    create_user,
    revoke_token,
    token_digest,
    user_for_token,
)


def test_token_is_stored_only_as_its_hash(app):
    user = create_user("agent@example.org", "agent", "pw-123456")
    token = create_token(user)
    db.session.commit()
    stored = db.session.scalars(select(ApiToken)).one()
    assert stored.token_hash == token_digest(token) != token
    assert token not in stored.token_hash + stored.prefix or len(stored.prefix) < len(token)
    assert user_for_token(token) == user
    assert user_for_token(token + "x") is None


def test_revoked_token_and_inactive_user_are_refused(app):
    user = create_user("agent@example.org", "agent", "pw-123456")
    token = create_token(user)
    db.session.commit()
    assert revoke_token(token[:10]) == 1
    assert user_for_token(token) is None
    other = create_token(user)
    user.active = False
    db.session.commit()
    assert user_for_token(other) is None


def test_passwords_are_argon2_hashed_and_checked(app):
    user = create_user("Admin@Example.org", "admin", "s3cret-pass")
    db.session.commit()
    assert user.password_hash.startswith("$argon2")
    assert authenticate("admin@example.org", "s3cret-pass") == user
    assert authenticate("admin@example.org", "wrong") is None
    assert authenticate("nobody@example.org", "s3cret-pass") is None


def test_token_use_is_recorded_to_the_minute_not_on_every_request(app, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from app.services import accounts

    user = create_user("agent@example.org", "agent", "pw-123456")
    token = create_token(user)
    db.session.commit()
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    for offset, expected in ((0, 0), (59, 0), (61, 61)):
        monkeypatch.setattr(accounts, "utcnow", lambda o=offset: start + timedelta(seconds=o))
        assert user_for_token(token) == user
        db.session.commit()
        stored = db.session.scalars(select(ApiToken)).one()
        assert stored.last_used_at == start + timedelta(seconds=expected)
