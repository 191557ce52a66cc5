"""Data-subject requests: find, export, withdraw consent and erase a person by e-mail or phone,
on the command line and the staff site; each audited, statistics unchanged."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Feedback, Notice, NoticeState
from app.services.subject_requests import (
    SubjectQueryError,
    erase_subject,
    export_subject,
    find_subject,
    parse_query,
    withdraw_consent,
)
from tests.security.conftest import act_as, submit
from tests.support.factories import submitted
from tests.support.web import csrf_token


@pytest.fixture
def person(app):
    """Liisa gave her details twice (two contact records: an address given through the API
    proves nothing, so it is never merged into a known contact); someone else's anonymous
    item mentions her address."""
    first = submit("library-account", "one", "Liisa@Example.fi")
    second = submit("parking-permit", "two", "liisa@example.fi")
    submit("building-permit", "stranger", "someone@example.org")
    submitted("Tell liisa@example.fi the library is closed", channel="web_form")
    return first, second


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        (" Liisa@Example.FI ", "email", "liisa@example.fi"),
        ("+358 40 123 4567", "phone", "+358401234567"),
        ("040-123 4567", "phone", "+358401234567"),  # E.164, as contacts are stored
    ],
)
def test_queries_are_normalised_like_contacts(text, kind, value):
    query = parse_query(text)
    assert (query.kind, query.value) == (kind, value)


@pytest.mark.parametrize(
    "text", ["", "liisa", "12345", "@example.fi", "liisa@localhost", "abc 1234567"]
)
def test_anything_else_is_refused(text):
    with pytest.raises(SubjectQueryError):
        parse_query(text)


def test_find_by_email_or_phone(app, person):
    found = find_subject("liisa@example.fi", None)
    assert len(found.contacts) == 2 and [i.id for i in found.items] == [p.id for p in person]
    assert len(found.mentions) == 1 and found.mentions[0].channel == "web_form"
    by_phone = find_subject("040 123 4567", None)
    assert len(by_phone.contacts) == 3  # Liisa (twice) and the stranger gave the same number
    assert audit_actions()[-2:] == ["subject.found", "subject.found"]


def test_export_holds_everything_and_is_json(app, person):
    document = export_subject("liisa@example.fi", None)
    json.dumps(document)  # serialisable as it is
    contact, other = document["contacts"]
    assert other["email"] == contact["email"]
    assert contact["email"] == "liisa@example.fi" and contact["consent"] is True
    assert contact["consent_given_at"] and contact["consent_channel"] == "api"
    assert {item["id"] for item in document["feedback"]} == {p.public_id for p in person}
    assert "Virtanen" in document["feedback"][0]["text"]
    assert len(document["mentioned_in"]) == 1
    assert {n["kind"] for n in document["notices"]} == {"thank_you"}
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "subject.exported"))
    assert event.detail["items"] == 2 and "liisa" not in json.dumps(event.detail)


def test_erasure_removes_the_person_and_keeps_the_statistics(app, person):
    first, second = person
    db.session.execute(
        Notice.__table__.update().values(state=NoticeState.PENDING, sent_at=None)
    )  # as if the mail server had been down: the thank-you notices wait in the outbox
    db.session.commit()
    counts = db.session.execute(
        select(
            Feedback.status, Feedback.department_id, Feedback.sentiment, Feedback.ticket_id
        ).order_by(Feedback.id)
    ).all()

    report = erase_subject("liisa@example.fi", None)

    assert (report.contacts, report.items, report.notices_suppressed) == (2, 3, 2)
    contact = first.contact
    assert contact.erased_at and not (contact.email or contact.phone or contact.name)
    for item in (first, second):
        assert "Virtanen" not in item.text and "liisa" not in item.text.lower()
        assert item.text == item.redacted_text
    mention = db.session.scalars(select(Feedback).where(Feedback.channel == "web_form")).one()
    assert "liisa@example.fi" not in mention.text
    states = db.session.scalars(
        select(Notice.state).where(Notice.feedback_id.in_([first.id, second.id]))
    ).all()
    assert set(states) == {NoticeState.SUPPRESSED}
    after = db.session.execute(
        select(
            Feedback.status, Feedback.department_id, Feedback.sentiment, Feedback.ticket_id
        ).order_by(Feedback.id)
    ).all()
    assert after == counts
    assert find_subject("liisa@example.fi", None).empty
    erased = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "subject.erased")
    ).one()
    assert erased.detail["notices_suppressed"] == 2 and "liisa" not in json.dumps(erased.detail)


def test_withdrawal_is_recorded_and_stops_queued_notices(app, person):
    first, _ = person
    db.session.execute(Notice.__table__.update().values(state=NoticeState.PENDING))
    db.session.commit()
    assert withdraw_consent("liisa@example.fi", None, channel="phone") == 2
    contact = first.contact
    assert contact.consent is False and contact.consent_withdrawn_channel == "phone"
    assert contact.consent_withdrawn_at is not None and contact.consent_at is not None
    assert "subject.consent_withdrawn" in audit_actions()


def test_command_line(app, person, tmp_path):
    runner = app.test_cli_runner()
    found = runner.invoke(args=["privacy", "find", "liisa@example.fi"])
    assert found.exit_code == 0 and "2 contacts, 2 items, 1 mentions" in found.output
    out = tmp_path / "export.json"
    exported = runner.invoke(args=["privacy", "export", "liisa@example.fi", "--output", str(out)])
    assert exported.exit_code == 0 and len(json.loads(out.read_text())["feedback"]) == 2
    bad = runner.invoke(args=["privacy", "find", "not a person"])
    assert bad.exit_code == 2 and "e-mail address or a phone number" in bad.output
    assert runner.invoke(args=["privacy", "erase", "liisa@example.fi"], input="n\n").exit_code == 1
    erased = runner.invoke(args=["privacy", "erase", "liisa@example.fi", "--yes"])
    assert erased.exit_code == 0 and "erased 2 contact(s)" in erased.output
    assert runner.invoke(args=["privacy", "retention"]).exit_code == 0


def sign_in_admin(client, city):
    act_as(client, city.users["admin"])


def test_staff_pages_find_export_and_erase(app, client, city):
    sign_in_admin(client, city)
    page = client.get("/staff/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    token = csrf_token(page)
    assert 'for="query"' in page  # labelled

    en = {"Accept-Language": "en"}
    invalid = client.post("/staff/privacy", data={"query": "nobody", "csrf_token": token})
    assert invalid.status_code == 422 and "error-summary" in invalid.get_data(as_text=True)

    found = client.post(
        "/staff/privacy", data={"query": "liisa@example.fi", "csrf_token": token}, headers=en
    )
    assert found.status_code == 200 and "Export as JSON" in found.get_data(as_text=True)
    assert "liisa@example.fi" not in found.request.url

    export = client.post(
        "/staff/privacy/export", data={"query": "liisa@example.fi", "csrf_token": token}
    )
    assert export.headers["Content-Disposition"].startswith("attachment")
    assert export.get_json()["contacts"][0]["email"] == "liisa@example.fi"

    unconfirmed = client.post(
        "/staff/privacy/erase",
        data={"query": "liisa@example.fi", "csrf_token": token},
        headers=en,
    )
    assert unconfirmed.status_code == 422 and "Confirm the erasure." in unconfirmed.get_data(
        as_text=True
    )
    assert city.item.contact.erased_at is None

    erased = client.post(
        "/staff/privacy/erase",
        data={"query": "liisa@example.fi", "confirm": "y", "csrf_token": token},
    )
    assert erased.status_code == 302
    assert city.item.contact.erased_at is not None
    actions = audit_actions()
    assert {"subject.found", "subject.exported", "subject.erased"} <= set(actions)
    assert all(
        e.actor_id == city.users["admin"].id
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("subject."))
        )
    )


def test_audit_log_page_filters(app, client, city):
    act_as(client, city.users["agent"])
    client.get(f"/staff/feedback/{city.item.public_id}")
    sign_in_admin(client, city)
    read = "<td>feedback.personal_data_viewed</td>"
    everything = client.get("/staff/audit").get_data(as_text=True)
    assert read in everything and "agent@example.org" in everything
    by_admin = client.get("/staff/audit?actor=admin@example.org").get_data(as_text=True)
    assert read not in by_admin
    by_action = client.get("/staff/audit?action=feedback.").get_data(as_text=True)
    assert read in by_action
    past = client.get("/staff/audit?since=2000-01-01&until=2000-01-02").get_data(as_text=True)
    assert read not in past
    bad = client.get("/staff/audit?since=yesterday")
    assert bad.status_code == 422 and "error-summary" in bad.get_data(as_text=True)
    count = db.session.scalar(select(func.count(AuditEvent.id)))
    assert count >= 1
