"""Polling (`tracker sync`) keeps civicloop right when a webhook never arrives."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import Feedback, Ticket
from app.services.intake import ContactDetails, Submission, submit_feedback
from tests.support.jira_standin import JiraStandIn


@pytest.fixture
def jira(app):
    with JiraStandIn() as standin:
        app.config.update(JIRA_URL=standin.url, JIRA_USER="u", JIRA_API_TOKEN="t", JIRA_TIMEOUT=2)
        yield standin


def test_sync_applies_what_changed_in_jira(app, jira):
    submit_feedback(Submission(
        text="Parking permit payment fails with error 500", channel="api",
        eservice="parking-permit",
        contact=ContactDetails(email="a@example.org", consent=True, language="en"),
    ))  # fmt: skip
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.key == "URB-1" and ticket.tracker == "jira"

    jira.set_status("URB-1", "indeterminate")
    result = CliRunner().invoke(app.cli, ["tracker", "sync"])
    assert result.exit_code == 0 and "applied 1" in result.output
    assert db.session.scalars(select(Feedback)).one().status == "in_development"

    jira.set_status("URB-1", "done")
    CliRunner().invoke(app.cli, ["tracker", "sync"])
    CliRunner().invoke(app.cli, ["tracker", "sync"])  # overlapping windows apply nothing twice
    assert db.session.scalars(select(Feedback)).one().status == "resolved"
    outbox = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert len(outbox) == 2  # the thank-you and exactly one resolution notice
