""" "In development" notices: sent when a ticket's team starts work, only for departments
that ask for them, once per item, through the built-in tracker and through Jira."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import Department, Notice, NoticeKind, NoticeState, Ticket
from app.services.intake import ContactDetails, Submission, submit_feedback
from app.services.tickets import set_local_status
from tests.support.jira_standin import JiraStandIn

TEXT = "Parking permit payment fails with error 500"


def report_problem(notify: bool) -> Ticket:
    """Three reports of one parking-permit problem (urban planning, URB): two citizens who
    want to hear back, one who did not consent."""
    department = db.session.scalars(select(Department).where(Department.code == "URB")).one()
    department.notify_in_development = notify
    db.session.commit()
    for n, (language, consent) in enumerate([("fi", True), ("sv", True), ("en", False)]):
        contact = ContactDetails(email=f"c{n}@example.org", language=language, consent=consent)
        submit_feedback(
            Submission(
                text=TEXT, channel="api", source_ref=f"r{n}", eservice="parking-permit",
                contact=contact,
            )
        )  # fmt: skip
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.key and len(ticket.items) == 3
    return ticket


def update_notices() -> list[Notice]:
    return list(
        db.session.scalars(
            select(Notice).where(Notice.kind == NoticeKind.UPDATE).order_by(Notice.id)
        )
    )


def update_mails(app) -> list:
    messages = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in Path(app.config["OUTBOX_DIR"]).glob("*.eml")
    ]
    subjects = ("Palautettasi käsitellään", "Din respons behandlas")
    return [message for message in messages if str(message["Subject"]) in subjects]


def test_the_team_starting_work_tells_each_consenting_citizen_once(app):
    ticket = report_problem(notify=True)
    set_local_status(ticket, "indeterminate")
    notices = update_notices()
    assert [(n.language, n.state) for n in notices] == [
        ("fi", NoticeState.SENT),
        ("sv", NoticeState.SENT),
    ]
    mails = update_mails(app)
    assert sorted(str(m["To"]) for m in mails) == ["c0@example.org", "c1@example.org"]
    fi = next(m for m in mails if str(m["To"]) == "c0@example.org")
    text = fi.get_body(("plain",)).get_content()
    assert "Kehitystiimi työskentelee nyt kertomasi ongelman parissa." in text
    assert f"/status/{ticket.items[0].status_token}" in text

    # Back to "to do" and into progress again, then done: nobody hears "in development" twice.
    set_local_status(ticket, "new")
    set_local_status(ticket, "indeterminate")
    set_local_status(ticket, "done")
    assert len(update_notices()) == 2 and len(update_mails(app)) == 2


def test_no_update_notices_when_the_department_has_not_asked(app):
    ticket = report_problem(notify=False)
    set_local_status(ticket, "indeterminate")
    assert update_notices() == [] and update_mails(app) == []
    assert {item.status for item in ticket.items} == {"in_development"}


@pytest.fixture
def jira(app):
    with JiraStandIn() as standin:
        app.config.update(JIRA_URL=standin.url, JIRA_USER="u", JIRA_API_TOKEN="t", JIRA_TIMEOUT=2)
        yield standin


@pytest.mark.parametrize("notify", [True, False])
def test_jira_in_progress_found_by_polling(app, jira, notify):
    ticket = report_problem(notify=notify)
    assert ticket.tracker == "jira"
    jira.set_status(ticket.key, "indeterminate")
    for _ in range(2):  # overlapping polls apply the same change again: nothing more
        assert CliRunner().invoke(app.cli, ["tracker", "sync"]).exit_code == 0
    assert len(update_notices()) == (2 if notify else 0)
    assert len(update_mails(app)) == (2 if notify else 0)
