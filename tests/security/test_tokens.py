"""API tokens: hashed, scoped (intake, read, supplier) and revocable, on the API, Open311
and the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, User
from app.models.types import utcnow
from app.services.accounts import AccountError, create_token
from tests.support.factories import bearer, staff_user

FEEDBACK = {"text": "Varauskalenteri ei toimi", "channel": "api"}


@pytest.fixture
def agent(app):
    return staff_user("agent")


def issue(user, *scopes: str) -> str:
    token = create_token(user, scopes)
    db.session.commit()
    return token


def test_scopes_default_to_what_the_role_does(app):
    expected = {
        "agent": "intake read",
        "integration": "intake",
        "developer": "read",
        "admin": "intake read",
    }
    for role in expected:
        create_token(staff_user(role))
    db.session.commit()
    stored = {t.user.role: t.scopes for t in db.session.scalars(select(ApiToken))}
    assert stored == expected


def test_an_intake_token_cannot_read_back(client, agent):
    token = issue(agent, "intake")
    created = client.post("/api/v1/feedback", json=FEEDBACK, headers=bearer(token))
    assert created.status_code == 201
    read = client.get(f"/api/v1/feedback/{created.get_json()['id']}", headers=bearer(token))
    assert read.status_code == 403 and "read" in read.get_json()["errors"]["_request"][0]


def test_a_read_token_cannot_submit_by_api_or_open311(client, agent):
    token = issue(agent, "read")
    assert client.post("/api/v1/feedback", json=FEEDBACK, headers=bearer(token)).status_code == 403
    open311 = client.post(
        "/open311/v2/requests.json",
        data={"api_key": token, "service_code": "library-account", "description": "x"},
    )
    assert open311.status_code == 403


def test_a_revoked_token_is_refused_at_once(client, agent):
    token = issue(agent)
    assert client.get("/api/v1/tickets/NONE-1", headers=bearer(token)).status_code == 404
    db.session.scalars(select(ApiToken)).one().revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/tickets/NONE-1", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize(
    ("role", "scopes"),
    [("agent", ("supplier",)), ("supplier", ("read",)), ("agent", ("admin",))],
)
def test_scopes_a_role_cannot_hold_are_refused(app, role, scopes):
    user = staff_user(role, supplier_code="kivi" if role == "supplier" else None)
    with pytest.raises(AccountError):
        create_token(user, scopes)


def test_command_line_creates_scoped_tokens_and_revokes_them(app, client, agent):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["tokens", "create", "agent@example.org", "--scope", "read"])
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    assert db.session.scalars(select(ApiToken)).one().scopes == "read"
    assert client.post("/api/v1/feedback", json=FEEDBACK, headers=bearer(token)).status_code == 403

    refused = runner.invoke(args=["tokens", "create", "agent@example.org", "--scope", "supplier"])
    assert refused.exit_code != 0 and "supplier" in refused.output

    revoked = runner.invoke(args=["tokens", "revoke", token[:10]])
    assert "revoked 1 token(s)" in revoked.output
    assert client.get("/api/v1/tickets/NONE-1", headers=bearer(token)).status_code == 401


def test_handlers_are_scoped_to_departments_from_the_command_line(app):
    runner = app.test_cli_runner()
    args = ["users", "create", "h@example.org", "--role", "handler", "--department", "CUL"]
    assert runner.invoke(args=args).exit_code == 0
    user = db.session.scalars(select(User).where(User.email == "h@example.org")).one()
    assert [d.code for d in user.departments] == ["CUL"]
    wrong = ["users", "create", "a@example.org", "--role", "agent", "--department", "CUL"]
    assert runner.invoke(args=wrong).exit_code != 0


def test_each_token_has_its_own_rate_limit_on_the_api_and_open311(app, client, agent):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    first, second = issue(agent), issue(agent)
    statuses = [
        client.post("/api/v1/feedback", json=FEEDBACK, headers=bearer(first)).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    refused = client.post("/api/v1/feedback", json=FEEDBACK, headers=bearer(first))
    assert refused.headers["Retry-After"] and "errors" in refused.get_json()
    # Another client's token is not held back by the first one's burst.
    assert client.post("/api/v1/feedback", json=FEEDBACK, headers=bearer(second)).status_code == 201
    # Open311 counts on its own, per token too.
    # Different words each time: an identical request a moment later is a client's retry.
    open311 = {"api_key": first, "service_code": "library-account"}
    statuses = [
        client.post(
            "/open311/v2/requests.json", data={**open311, "description": f"Ei toimi {n}"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    assert db.session.scalars(select(ApiToken)).first() is not None
