"""The command line: catalog, users, tokens, demo, reconcile."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiToken, Department, EService, User
from app.services.accounts import token_digest, user_for_token
from tests.conftest import CATALOG


def run(app, *args):
    result = CliRunner().invoke(app.cli, list(args))
    return result


def test_catalog_load_again_updates_and_never_duplicates(app, tmp_path):
    data = json.loads(CATALOG.read_text(encoding="utf-8"))
    data["departments"][0]["names"]["en"] = "Education and Learning"
    changed = tmp_path / "catalog.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    for path in (CATALOG, changed):
        result = run(app, "catalog", "load", str(path))
        assert result.exit_code == 0 and "7 departments, 19 e-services" in result.output
    assert db.session.scalar(select(func.count(Department.id))) == 7
    assert db.session.scalar(select(func.count(EService.id))) == 19
    edu = db.session.scalars(select(Department).where(Department.code == "EDU")).one()
    assert edu.names["en"] == "Education and Learning"


def test_catalog_load_refuses_a_broken_file(app, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"departments": [{"code": "X"}], "eservices": []}')
    result = run(app, "catalog", "load", str(broken))
    assert result.exit_code != 0 and "missing" in result.output


def test_users_and_tokens(app):
    result = run(app, "users", "create", "Agent@Example.org", "--role", "agent")
    assert result.exit_code == 0 and "password:" in result.output
    assert run(app, "users", "create", "x@example.org", "--role", "wizard").exit_code != 0
    supplier = run(app, "users", "create", "s@example.org", "--role", "supplier")
    assert supplier.exit_code != 0 and "--supplier" in supplier.output
    ok = run(app, "users", "create", "s@example.org", "--role", "supplier", "--supplier", "kivi")
    assert ok.exit_code == 0

    token = run(app, "tokens", "create", "agent@example.org").output.strip()
    assert token.startswith("cl_")
    stored = db.session.scalars(select(ApiToken)).one()
    assert stored.token_hash == token_digest(token) and token not in stored.token_hash
    assert user_for_token(token).email == "agent@example.org"
    assert run(app, "tokens", "create", "nobody@example.org").exit_code != 0
    assert "revoked 1" in run(app, "tokens", "revoke", token[:10]).output
    assert user_for_token(token) is None


def test_demo_prints_how_to_sign_in(app):
    result = run(app, "demo")
    assert result.exit_code == 0 and "sign in at /staff/login as agent@example.org" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 3


def test_reconcile_reports_what_it_queued(app):
    result = run(app, "jobs", "reconcile")
    assert result.exit_code == 0 and result.output.startswith("queued: 0 items")
