"""Work that keeps failing is shown on the staff site with its reason and can be retried."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Feedback, NoticeState, Ticket, TicketState
from tests.support.factories import consenting, only_notice, submitted
from tests.support.web import csrf_token, sign_in_as

EN = {"Accept-Language": "en"}


@pytest.fixture
def handler_client(client):
    sign_in_as(client, "handler")
    return client


def retry(client, kind: str, record_id: int):
    page = client.get("/staff/failures", headers=EN).get_data(as_text=True)
    return client.post(
        f"/staff/failures/{kind}/{record_id}/retry", data={"csrf_token": csrf_token(page)}
    )


def test_an_item_that_fails_processing_shows_why_and_is_retried_by_hand(
    app, handler_client, monkeypatch
):
    def broken(item):
        raise RuntimeError("routing service crashed")

    monkeypatch.setattr("app.services.processing.route_feedback", broken)
    item = submitted("Lomake ei toimi", "parking-permit")
    db.session.refresh(item)
    assert item.status == "received"
    assert item.last_error == "RuntimeError: routing service crashed"

    page = handler_client.get("/staff/failures", headers=EN).get_data(as_text=True)
    assert "RuntimeError: routing service crashed" in page

    monkeypatch.undo()  # the cause is fixed
    assert retry(handler_client, "item", item.id).status_code == 302
    db.session.refresh(item)
    assert (item.status, item.last_error, item.processing_attempts) == ("forwarded", None, 1)
    assert db.session.scalars(select(AuditEvent.action)).all() == ["feedback.retried"]
    assert "Nothing has failed." in handler_client.get("/staff/failures", headers=EN).get_data(
        as_text=True
    )


def test_a_notice_given_up_is_sent_after_a_retry(app, handler_client):
    contact = consenting("liisa@example.fi", "fi")
    item = submitted("Lomake ei toimi", "parking-permit", contact=contact)
    notice = only_notice(item=item)
    notice.state, notice.attempts, notice.last_error = NoticeState.FAILED, 8, "550 mailbox full"
    db.session.commit()
    assert "550 mailbox full" in handler_client.get("/staff/failures").get_data(as_text=True)

    assert retry(handler_client, "notice", notice.id).status_code == 302
    db.session.refresh(notice)
    assert (notice.state, notice.attempts) == (NoticeState.SENT, 1)


def test_a_ticket_the_tracker_keeps_refusing_is_listed_and_retried(app, handler_client):
    item = submitted("Lomake ei toimi", "parking-permit")
    ticket = item.ticket
    ticket.state, ticket.key, ticket.create_attempts = TicketState.PENDING, None, 4
    ticket.last_error = "503 Service Unavailable"
    db.session.commit()
    assert "503 Service Unavailable" in handler_client.get("/staff/failures").get_data(as_text=True)
    assert retry(handler_client, "ticket", ticket.id).status_code == 302
    db.session.refresh(ticket)
    assert ticket.state == TicketState.OPEN and ticket.key


def test_retrying_is_for_handlers_and_admins_with_a_valid_request(app, client, handler_client):
    assert retry(handler_client, "nonsense", 1).status_code == 400
    assert retry(handler_client, "item", 999).status_code == 404
    handler_client.post("/staff/logout", data={"csrf_token": csrf_token(
        handler_client.get("/staff/tickets").get_data(as_text=True))})  # fmt: skip
    sign_in_as(client, "agent")
    assert client.get("/staff/failures").status_code == 403
    assert db.session.scalars(select(Ticket)).all() == []
    assert db.session.scalars(select(Feedback)).all() == []
