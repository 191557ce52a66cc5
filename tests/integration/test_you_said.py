"""What we changed: the team's words reach the resolution notice and the public
"You said, we did" page; never names or contact details."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, NoticeKind, Ticket
from app.services.notices import render_notice
from app.services.tickets import set_local_status
from tests.support.factories import consenting, only_notice, reported_problem
from tests.support.web import csrf_token, sign_in_as

EN = {"Accept-Language": "en"}


@pytest.fixture
def developer(client):
    sign_in_as(client, "developer")
    return client


def report(ref: str, email: str | None = None) -> Ticket:
    contact = consenting(email, "en") if email else None
    return reported_problem(
        "The parking permit renewal fails at the payment step.",
        "parking-permit",
        source_ref=ref,
        contact=contact,
    )


def describe(client, ticket: Ticket, text: str):
    page = client.get(f"/staff/problems/{ticket.id}", headers=EN).get_data(as_text=True)
    return client.post(
        f"/staff/problems/{ticket.id}/change",
        data={"text": text, "csrf_token": csrf_token(page)},
        headers=EN,
    )


def test_what_we_changed_goes_into_the_notice_and_onto_the_public_page(app, client, developer):
    ticket = report("r1", email="citizen@example.org")
    report("r2")
    response = describe(
        developer, ticket, "  We fixed the card payment step.\n Call Liisa on 040 123 4567. "
    )
    assert response.status_code == 302
    db.session.refresh(ticket)
    # Redacted (names in free text too) and tidied, as everything citizens see.
    assert ticket.what_we_changed == "We fixed the card payment step. Call [name] on [phone]."
    audit = db.session.scalars(select(AuditEvent)).one()
    assert audit.action == "ticket.change_described"

    before = client.get("/you-said-we-did", headers=EN).get_data(as_text=True)
    assert "We fixed the card payment step." not in before  # not resolved yet
    set_local_status(ticket, "done")
    notice = only_notice(NoticeKind.RESOLUTION)
    assert "What we changed: We fixed the card payment step." in render_notice(notice).text

    page = client.get("/you-said-we-did", headers=EN).get_data(as_text=True)
    assert "We fixed the card payment step." in page
    assert "Citizens who reported it: 2" in page
    assert "The parking permit renewal fails at the payment step." in page
    assert "citizen@example.org" not in page and "[Parking" not in page
    other = client.get("/you-said-we-did?eservice=library-account", headers=EN)
    assert "We fixed" not in other.get_data(as_text=True)


def test_a_too_long_text_is_refused_with_a_field_error(app, developer):
    ticket = report("r1")
    response = describe(developer, ticket, "x" * 2001)
    assert response.status_code == 400
    assert 'href="#text"' in response.get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.what_we_changed is None


def test_agents_cannot_write_it(app, client):
    ticket = report("r1")
    sign_in_as(client, "agent")
    token = csrf_token(client.get("/staff/tickets").get_data(as_text=True))
    response = client.post(
        f"/staff/problems/{ticket.id}/change", data={"text": "x", "csrf_token": token}
    )
    assert response.status_code == 403
