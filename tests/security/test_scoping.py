"""Scope: handlers see their departments' items, suppliers their e-services', on the staff
site and through the API; out of scope is "not found". Reading personal data is audited."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests.security.conftest import act_as, form_token
from tests.support.factories import bearer, staff_user

SCOPED = ("handler", "supplier")


def staff_urls(item) -> list[str]:
    return [
        f"/staff/feedback/{item.public_id}",
        f"/staff/tickets/{item.ticket.key}",
        f"/staff/problems/{item.ticket.id}",
    ]


def api_urls(item) -> list[str]:
    return [f"/api/v1/feedback/{item.public_id}", f"/api/v1/tickets/{item.ticket.key}"]


def test_out_of_scope_is_not_found_on_the_staff_site_and_the_api(client, city):
    for role in SCOPED:
        act_as(client, city.users[role])
        headers = bearer(city.tokens[role])
        for url in staff_urls(city.other_item) + api_urls(city.other_item):
            assert client.get(url, headers=headers).status_code == 404, (role, url)
        for url in staff_urls(city.item) + api_urls(city.item):
            assert client.get(url, headers=headers).status_code == 200, (role, url)
        page = client.get("/staff/tickets").get_data(as_text=True)
        assert city.item.ticket.key in page and city.other_item.ticket.key not in page, role


def test_scoped_handler_may_not_change_another_departments_ticket(app, client, city):
    token = form_token(client)
    act_as(client, city.users["handler"])
    key = city.other_item.ticket.key
    done = {"category": "done", "csrf_token": token}
    assert client.post(f"/staff/tickets/{key}/status", data=done).status_code == 404
    route = client.post(
        f"/staff/feedback/{city.other_item.public_id}/route", data={"csrf_token": token}
    )
    assert route.status_code == 404


def test_handler_without_departments_works_for_the_whole_city(client, city):
    handler = staff_user("handler", "city-wide@example.org")
    act_as(client, handler)
    for url in staff_urls(city.other_item):
        assert client.get(url).status_code == 200, url


def test_only_people_working_with_citizens_see_their_words_and_details(client, city):
    for role in ("agent", "handler", "admin"):
        act_as(client, city.users[role])
        page = client.get(f"/staff/feedback/{city.item.public_id}").get_data(as_text=True)
        assert "liisa@example.fi" in page and "040 123 4567" in page, role
    for role in ("developer", "analyst", "supplier"):
        act_as(client, city.users[role])
        page = client.get(f"/staff/feedback/{city.item.public_id}").get_data(as_text=True)
        assert "liisa@example.fi" not in page and "Virtanen" not in page, role
        assert "[phone]" in page, role


def test_every_read_of_personal_data_is_audited(client, city):
    act_as(client, city.users["agent"])
    for _ in range(2):
        client.get(f"/staff/feedback/{city.item.public_id}")
    act_as(client, city.users["developer"])  # sees the redacted text only: nothing to audit
    client.get(f"/staff/feedback/{city.item.public_id}")
    reads = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "feedback.personal_data_viewed")
    ).all()
    assert [(e.actor_id, e.subject_id) for e in reads] == [
        (city.users["agent"].id, city.item.id)
    ] * 2
    assert reads[0].detail == {"contact_id": city.item.contact_id}


def test_a_problem_lists_only_the_items_its_viewer_may_see(client, city):
    # Issue 16: an item of kivi's e-service linked to a problem of fjord's showed on fjord's
    # problem page and in GET /api/v1/tickets/<key>.
    ticket = city.item.ticket
    city.other_item.ticket = ticket
    db.session.commit()
    for role, sees_other in (("supplier", False), ("handler", False), ("admin", True)):
        act_as(client, city.users[role])
        page = client.get(f"/staff/problems/{ticket.id}").get_data(as_text=True)
        answer = client.get(f"/api/v1/tickets/{ticket.key}", headers=bearer(city.tokens[role]))
        items = answer.get_json()["items"]
        assert city.item.public_id in page and city.item.public_id in items, role
        assert (city.other_item.public_id in page) is sees_other, role
        assert (city.other_item.public_id in items) is sees_other, role


def test_staff_and_api_output_carry_no_status_link(client, city):
    # Issue 16: the status link lets its holder answer "did this fix it?"; it is the
    # citizen's, and staff pages and the API handed it to staff, suppliers and API clients.
    token = city.item.status_token
    for role in ("agent", "admin"):
        act_as(client, city.users[role])
        page = client.get(f"/staff/feedback/{city.item.public_id}").get_data(as_text=True)
        answer = client.get(
            f"/api/v1/feedback/{city.item.public_id}", headers=bearer(city.tokens[role])
        ).get_data(as_text=True)
        assert token not in page and token not in answer, role


def test_a_handler_sees_and_retries_only_their_departments_failures(client, city):
    # Issue 16: /staff/failures listed every department's failed work, with citizens'
    # addresses in failed notices, and let a handler retry it.
    from app.models import FeedbackStatus, Notice, NoticeState

    for item in (city.item, city.other_item):
        item.status, item.last_error = FeedbackStatus.RECEIVED, f"boom {item.public_id}"
    db.session.add(Notice(feedback=city.other_item, kind="thanks", language="fi",
                          state=NoticeState.FAILED, last_error="smtp refused"))  # fmt: skip
    db.session.commit()
    notice = db.session.scalars(select(Notice).where(Notice.state == NoticeState.FAILED)).one()
    token = form_token(client)
    act_as(client, city.users["handler"])
    page = client.get("/staff/failures").get_data(as_text=True)
    assert city.item.public_id in page
    assert city.other_item.public_id not in page and "smtp refused" not in page
    for kind, record_id in (("item", city.other_item.id), ("notice", notice.id)):
        answer = client.post(f"/staff/failures/{kind}/{record_id}/retry",
                             data={"csrf_token": token})  # fmt: skip
        assert answer.status_code == 404, kind
    act_as(client, city.users["admin"])
    assert city.other_item.public_id in client.get("/staff/failures").get_data(as_text=True)
