"""Polling (`tracker sync`) keeps civicloop right when a webhook never arrives."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import Ticket
from tests.support.factories import consenting, only_item, submitted
from tests.support.jira_standin import JiraStandIn


@pytest.fixture
def jira(app):
    with JiraStandIn() as standin:
        app.config.update(JIRA_URL=standin.url, JIRA_USER="u", JIRA_API_TOKEN="t", JIRA_TIMEOUT=2)
        yield standin


def test_sync_applies_what_changed_in_jira(app, jira):
    submitted(
        "Parking permit payment fails with error 500", "parking-permit",
        contact=consenting("a@example.org", "en"),
    )  # fmt: skip
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.key == "URB-1" and ticket.tracker == "jira"

    jira.set_status("URB-1", "indeterminate")
    result = CliRunner().invoke(app.cli, ["tracker", "sync"])
    assert result.exit_code == 0 and "applied 1" in result.output
    assert only_item().status == "in_development"

    jira.set_status("URB-1", "done")
    CliRunner().invoke(app.cli, ["tracker", "sync"])
    CliRunner().invoke(app.cli, ["tracker", "sync"])  # overlapping windows apply nothing twice
    assert only_item().status == "resolved"
    outbox = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert len(outbox) == 2  # the thank-you and exactly one resolution notice
