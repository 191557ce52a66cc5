"""The handler's pages: merge and split on the problem page, link and reply on the item page,
and the department inbox. Bad input is a 4xx with a message and changes nothing; another
department's handler is told "not found" and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    Feedback,
    Notice,
    NoticeKind,
    PairState,
    ProblemPair,
    TicketState,
)
from app.services.grouping import likely_same_problems, merge_groups, split_item
from app.services.inbox import PAGE_SIZE
from app.services.intake import ContactDetails
from app.services.replies import MAX_REPLY_TEXT
from tests.support.factories import notices, staff_user, stored_item, submitted
from tests.support.web import csrf_token, sign_in

UPLOAD = [
    ("fi", "Päiväkotihakemuksen liitteen lataaminen epäonnistuu aina, tiedosto on pdf."),
    ("sv", "Det går inte att ladda upp bilagan i ansökan om dagis, pdf-filen vägras."),
]
CHARGED = ("en", "I was charged twice for the daycare fee this month, please refund one payment.")
MAP = ("en", "The map in the building permit application never loads, just a grey box.")


def submit(pair, eservice="daycare-application", contact=None) -> Feedback:
    language, text = pair
    return submitted(text, eservice, language=language, contact=contact)


def sign_in_as(client, role: str, *departments: str, email: str | None = None) -> None:
    """Sign in a new user of ``role`` (a handler of ``departments``), reading English."""
    user = staff_user(role, email, department_codes=departments)
    client.get("/staff/login?lang=en")
    sign_in(client, user.email)


def sign_in_handler(client, *departments: str, email: str = "handler@example.org") -> None:
    sign_in_as(client, "handler", *departments, email=email)


def post(client, page_url: str, url: str, data: dict):
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))})


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def decided_pairs() -> int:
    return db.session.scalar(
        select(func.count(ProblemPair.id)).where(ProblemPair.state.in_(PairState.DECIDED))
    )


def membership() -> dict[int, int | None]:
    return dict(db.session.execute(select(Feedback.id, Feedback.ticket_id)).all())


@pytest.fixture
def groups(app):
    """Two groups of education's daycare application, and one of urban planning's."""
    upload = submit(UPLOAD[0])
    charged = submit(CHARGED)
    permit = submit(MAP, "building-permit")
    assert upload.ticket is not charged.ticket
    return upload, charged, permit


# -- the problem page: merge ------------------------------------------------------------------


def test_a_handler_merges_a_group_chosen_from_the_list(app, client, groups):
    upload, charged, permit = groups
    sign_in_handler(client, "EDU")
    source, target = charged.ticket, upload.ticket
    page = client.get(f"/staff/problems/{source.id}").get_data(as_text=True)
    assert f'<option value="{target.id}">' in page
    assert f'<option value="{permit.ticket.id}">' not in page  # another department's
    response = post(
        client,
        f"/staff/problems/{source.id}",
        f"/staff/problems/{source.id}/merge",
        {"target": str(target.id)},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/problems/{target.id}")
    db.session.expire_all()
    assert charged.ticket_id == target.id and source.state == TicketState.MERGED
    outcome = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Merged: 1 items moved into {target.key}." in outcome
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "problem_group.merged" in actions
    merged_page = client.get(f"/staff/problems/{source.id}").get_data(as_text=True)
    assert (
        "Merged into" in merged_page
        and 'action="/staff/problems' not in merged_page.split("Linked feedback")[1]
    )


def test_a_group_can_be_named_by_its_key(app, client, groups):
    upload, charged, _permit = groups
    sign_in_handler(client, "EDU")
    url = f"/staff/problems/{charged.ticket.id}"
    response = post(client, url, url + "/merge", {"reference": f" {upload.ticket.key} "})
    assert response.status_code == 302
    db.session.expire_all()
    assert charged.ticket_id == upload.ticket_id


DUPLICATES = "/staff/problems/duplicates"


def test_the_likely_duplicates_list_offers_each_pair_once_and_merges_from_it(
    app, client, kept_apart
):
    finnish, swedish, charged = kept_apart
    sign_in_handler(client, "EDU")
    listed = client.get(DUPLICATES).get_data(as_text=True)
    assert listed.count("% likely") == 1  # the pair both problem pages offer, once
    assert f'href="/staff/problems/{finnish.id}"' in listed
    assert f'href="/staff/problems/{swedish.id}"' in listed
    assert f"/staff/problems/{charged.id}" not in listed
    # The larger group is the one to merge into; here both have one report: the older.
    smaller, larger = (swedish, finnish)
    url = f"/staff/problems/{smaller.id}/merge"
    response = post(client, DUPLICATES, url, {"target": str(larger.id), "back": "duplicates"})
    assert response.status_code == 302 and response.headers["Location"].endswith(DUPLICATES)
    db.session.expire_all()
    assert smaller.state == TicketState.MERGED and larger.affected_count == 2
    after = client.get(DUPLICATES).get_data(as_text=True)
    assert "Merged: 1 items moved into" in after
    assert "No two open problem groups look like one problem." in after


def test_groups_told_apart_on_the_likely_duplicates_list_leave_it(app, client, kept_apart):
    finnish, swedish, _charged = kept_apart
    sign_in_handler(client, "EDU")
    url = f"/staff/problems/{finnish.id}/apart"
    response = post(client, DUPLICATES, url, {"other": str(swedish.id), "back": "duplicates"})
    assert response.status_code == 302 and response.headers["Location"].endswith(DUPLICATES)
    after = client.get(DUPLICATES).get_data(as_text=True)
    assert "Told apart" in after and "% likely" not in after
    db.session.expire_all()
    assert decided_pairs() == 2


def test_the_likely_duplicates_list_shows_only_the_handlers_departments(app, client, kept_apart):
    sign_in_handler(client, "URB", email="streets@example.org")
    listed = client.get(DUPLICATES).get_data(as_text=True)
    assert "No two open problem groups look like one problem." in listed
    assert all(f"/staff/problems/{group.id}" not in listed for group in kept_apart)


@pytest.mark.parametrize(
    ("naming", "message"),
    [
        ("itself", "choose two different groups"),
        ("a page to return to that is none", "Invalid value"),
        ("unknown", "No problem group NOPE-9."),
        ("other department", "that group belongs to another department"),
        ("merged", "that problem group was merged or deleted"),
        ("both", "Choose a group from the list or name one (not both)."),
        ("neither", "Choose a group from the list or name one (not both)."),
    ],
)
def test_a_bad_merge_target_is_a_400_and_changes_nothing(app, client, groups, naming, message):
    upload, charged, permit = groups
    # Another e-service of education, so another group.
    gone = submit(
        ("en", "Uploading to the school transport application fails."), "school-transport"
    )
    gone.ticket.state = TicketState.MERGED
    db.session.commit()
    sign_in_as(client, "admin")
    source = charged.ticket
    data = {
        "itself": {"reference": str(source.id)},
        "a page to return to that is none": {"reference": upload.ticket.key, "back": "//x.example"},
        "unknown": {"reference": "NOPE-9"},
        "other department": {"reference": permit.ticket.key},
        "merged": {"reference": str(gone.ticket.id)},
        "both": {"target": str(upload.ticket.id), "reference": upload.ticket.key},
        "neither": {},
    }[naming]
    before, audited = membership(), audit_count()
    url = f"/staff/problems/{source.id}"
    response = post(client, url, url + "/merge", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'class="error-summary"' in page
    db.session.expire_all()
    assert membership() == before and audit_count() == audited
    assert source.state != TicketState.MERGED


def test_another_departments_group_is_unknown_to_a_handler(app, client, groups):
    _upload, charged, permit = groups
    sign_in_handler(client, "EDU")
    before = membership()
    url = f"/staff/problems/{charged.ticket.id}"
    response = post(client, url, url + "/merge", {"reference": permit.ticket.key})
    assert response.status_code == 400
    assert f"No problem group {permit.ticket.key}." in response.get_data(as_text=True)
    db.session.expire_all()
    assert membership() == before


# -- the problem page: groups probably about the same problem ---------------------------------


@pytest.fixture
def kept_apart(app):
    """Two groups of one problem that joining kept apart (the upload told in Finnish and in
    Swedish), and one of another problem of the same e-service."""
    threshold, app.config["GROUPING_THRESHOLD"] = app.config["GROUPING_THRESHOLD"], 1.01
    finnish, swedish, charged = submit(UPLOAD[0]), submit(UPLOAD[1]), submit(CHARGED)
    app.config["GROUPING_THRESHOLD"] = threshold  # nothing joined: each started a group
    assert len({finnish.ticket_id, swedish.ticket_id, charged.ticket_id}) == 3
    return finnish.ticket, swedish.ticket, charged.ticket


def same_problems_on(client, ticket) -> str:
    """The page's list of groups probably about the same problem ("" when it has none)."""
    page = client.get(f"/staff/problems/{ticket.id}").get_data(as_text=True)
    heading = "Groups probably about the same problem"
    return page.split(heading)[1].split("</ul>")[0] if heading in page else ""


def test_a_group_of_the_same_problem_is_suggested_and_merged_by_a_click(app, client, kept_apart):
    finnish, swedish, charged = kept_apart
    assert [other for other, _ in likely_same_problems(finnish)] == [swedish]
    sign_in_handler(client, "EDU")
    listed = same_problems_on(client, finnish)
    assert f'href="/staff/problems/{swedish.id}"' in listed and "% likely" in listed
    assert f"/staff/problems/{charged.id}" not in listed  # another problem, unlikely
    assert f'href="/staff/problems/{finnish.id}"' in same_problems_on(client, swedish)

    url = f"/staff/problems/{finnish.id}"
    response = post(client, url, url + "/merge", {"target": str(swedish.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert finnish.state == TicketState.MERGED and swedish.affected_count == 2
    assert same_problems_on(client, swedish) == ""


def test_groups_told_apart_are_not_suggested_again_and_teach_the_scorer(app, client, kept_apart):
    finnish, swedish, _charged = kept_apart
    sign_in_handler(client, "EDU")
    url = f"/staff/problems/{finnish.id}"
    response = post(client, url, url + "/apart", {"other": str(swedish.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert "Told apart" in client.get(url).get_data(as_text=True)
    db.session.expire_all()
    assert likely_same_problems(finnish) == [] and likely_same_problems(swedish) == []
    # Each item of either, with the other group: a labelled pair of two problems.
    pairs = db.session.scalars(select(ProblemPair).filter_by(state=PairState.DISMISSED)).all()
    assert sorted((pair.feedback.ticket_id, pair.ticket_id, pair.same) for pair in pairs) == sorted(
        [(finnish.id, swedish.id, False), (swedish.id, finnish.id, False)]
    )
    assert all(pair.features and pair.decided_by is not None for pair in pairs)
    (event,) = db.session.scalars(select(AuditEvent).filter_by(action="problem_group.told_apart"))
    assert event.detail["other"]["id"] == swedish.id
    assert decided_pairs() == 2  # what the next ``routing train`` learns from


def test_an_item_split_out_of_a_group_is_not_suggested_back_into_it(app, client, kept_apart):
    finnish, swedish, _charged = kept_apart
    merge_groups(finnish, swedish, staff_user("handler", department_codes=("EDU",)))
    item = db.session.scalars(select(Feedback).filter_by(language="fi")).one()
    alone = split_item(item, staff_user("admin", "admin@example.org"))
    assert swedish.id not in [other.id for other, _ in likely_same_problems(alone)]


@pytest.mark.parametrize(
    ("naming", "message"),
    [
        ("itself", "choose two different groups"),
        ("a page to return to that is none", "No such problem group."),
        ("unknown", "No such problem group."),
        ("too large", "No such problem group."),
        ("not a number", "No such problem group."),
        ("missing", "No such problem group."),
        ("other department", "No such problem group."),
        ("merged", "that problem group was merged or deleted"),
    ],
)
def test_telling_apart_what_cannot_be_is_a_400_and_changes_nothing(
    app, client, kept_apart, naming, message
):
    finnish, swedish, charged = kept_apart
    permit = submit(MAP, "building-permit").ticket
    merge_groups(charged, swedish, staff_user("admin", "admin@example.org"))
    sign_in_handler(client, "EDU")
    data = {
        "itself": {"other": str(finnish.id)},
        "a page to return to that is none": {"other": str(swedish.id), "back": "//x.example"},
        "unknown": {"other": "99999"},
        "too large": {"other": "9" * 30},
        "not a number": {"other": "EDU-1"},
        "missing": {},
        "other department": {"other": str(permit.id)},
        "merged": {"other": str(charged.id)},
    }[naming]
    before, audited = membership(), audit_count()
    url = f"/staff/problems/{finnish.id}"
    response = post(client, url, url + "/apart", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert membership() == before and audit_count() == audited and decided_pairs() == 1


# -- the problem page: split ------------------------------------------------------------------


def test_a_handler_splits_an_item_out_from_the_linked_items(app, client):
    first, second = submit(UPLOAD[0]), submit(UPLOAD[1])
    group = first.ticket
    assert second.ticket is group
    sign_in_handler(client, "EDU")
    url = f"/staff/problems/{group.id}"
    assert client.get(url).get_data(as_text=True).count("Split out") == 3  # 2 buttons, 1 hint
    response = post(client, url, url + "/split", {"item": second.public_id})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    db.session.expire_all()
    assert first.ticket_id == group.id and second.ticket_id not in (None, group.id)
    assert "The item now has a group of its own" in client.get(url).get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.action)) == "feedback.split"


@pytest.mark.parametrize("item", ["not in the group", "missing", "alone"])
def test_splitting_what_is_not_there_is_a_400(app, client, groups, item):
    upload, charged, _permit = groups
    sign_in_handler(client, "EDU")
    url = f"/staff/problems/{upload.ticket.id}"
    data = {
        "not in the group": {"item": charged.public_id},
        "missing": {},
        "alone": {"item": upload.public_id},
    }[item]
    before, audited = membership(), audit_count()
    response = post(client, url, url + "/split", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    expected = "already alone" if item == "alone" else "That item is not in this group."
    assert expected in page
    db.session.expire_all()
    assert membership() == before and audit_count() == audited


# -- the item page: link ----------------------------------------------------------------------


def test_a_handler_links_an_item_to_a_ticket_by_key(app, client, groups):
    upload, charged, _permit = groups
    sign_in_handler(client, "EDU")
    url = f"/staff/feedback/{charged.public_id}"
    response = post(client, url, url + "/link", {"key": upload.ticket.key})
    assert response.status_code == 302
    assert f"Linked to {upload.ticket.key}." in client.get(url).get_data(as_text=True)
    db.session.expire_all()
    assert charged.ticket_id == upload.ticket_id
    assert "Linked to a ticket (handler@example.org)" in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("NOPE-1", "no ticket NOPE-1 in civicloop"),
        ("", "This field is required."),
        ("permit", "that ticket belongs to another department"),
    ],
)
def test_a_bad_key_is_a_400_and_changes_nothing(app, client, groups, key, message):
    _upload, charged, permit = groups
    sign_in_as(client, "admin")
    url = f"/staff/feedback/{charged.public_id}"
    before, audited = membership(), audit_count()
    response = post(
        client, url, url + "/link", {"key": permit.ticket.key if key == "permit" else key}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'href="#key"' in page  # the summary leads to the field
    db.session.expire_all()
    assert membership() == before
    # Only the admin's reads of the page were audited.
    actions = db.session.scalars(
        select(AuditEvent.action).order_by(AuditEvent.id).offset(audited)
    ).all()
    assert set(actions) <= {"feedback.personal_data_viewed"}


# -- the item page: reply ---------------------------------------------------------------------


def consenting(language: str = "sv") -> ContactDetails:
    return ContactDetails(email="anna@example.org", language=language, consent=True)


def replies() -> list[Notice]:
    return notices(NoticeKind.REPLY)


def test_a_reply_is_queued_sent_and_shown_in_the_history(app, client):
    item = submit(UPLOAD[1], contact=consenting())
    sign_in_handler(client, "EDU")
    url = f"/staff/feedback/{item.public_id}"
    response = post(client, url, url + "/reply", {"text": "Tack, vi har hittat felet."})
    assert response.status_code == 302
    (notice,) = replies()
    assert (notice.body, notice.occasion, notice.state) == (
        "Tack, vi har hittat felet.",
        "reply-1",
        "sent",
    )
    page = client.get(url).get_data(as_text=True)
    assert "Reply to the citizen (sent): <q>Tack, vi har hittat felet.</q>" in page
    assert "Reply written (handler@example.org)" in page
    post(client, url, url + "/reply", {"text": "Felet är rättat nu."})
    assert [n.occasion for n in replies()] == ["reply-1", "reply-2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "This field is required."), ("x" * (MAX_REPLY_TEXT + 1), "Field cannot be longer")],
)
def test_an_empty_or_too_long_reply_is_a_400(app, client, text, message):
    item = submit(UPLOAD[1], contact=consenting())
    sign_in_handler(client, "EDU")
    url = f"/staff/feedback/{item.public_id}"
    response = post(client, url, url + "/reply", {"text": text})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'href="#text"' in page
    assert replies() == []


def test_without_consent_the_page_says_why_and_nothing_is_queued(app, client):
    item = submit(UPLOAD[1], contact=ContactDetails(email="b@example.org", consent=False))
    sign_in_handler(client, "EDU")
    url = f"/staff/feedback/{item.public_id}"
    page = client.get(url).get_data(as_text=True)
    assert "has not agreed to be contacted" in page and "Send reply" not in page
    response = post(client, url, url + "/reply", {"text": "Hello"})
    assert response.status_code == 400
    assert replies() == []


def test_the_reply_reaches_the_citizen_over_smtp_in_their_language(app, client, smtp_server):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    item = submit(UPLOAD[1], contact=consenting("sv"))
    smtp_server.wait_for(1)  # the thank-you
    sign_in_handler(client, "EDU")
    url = f"/staff/feedback/{item.public_id}"
    post(client, url, url + "/reply", {"text": "Tack, vi har hittat felet."})
    message = smtp_server.wait_for(2)[1]
    assert message["To"] == "anna@example.org"
    assert message["Subject"] == "Svar på din respons"
    assert message["List-Unsubscribe"].strip().startswith("<http://civicloop.test/unsubscribe/")
    text = message.get_body(("plain",)).get_content()
    assert "Tack, vi har hittat felet." in text
    assert f"http://civicloop.test/status/{item.status_token}" in text
    assert "/unsubscribe/" in text


# -- scope ------------------------------------------------------------------------------------


def test_a_handler_of_another_department_gets_404_and_changes_nothing(app, client, groups):
    upload, charged, _permit = groups
    charged.contact = submit(UPLOAD[1], contact=consenting()).contact
    db.session.commit()
    sign_in_handler(client, "URB")
    before, audited = membership(), audit_count()
    token = csrf_token(client.get("/staff/inbox").get_data(as_text=True))
    actions = {
        f"/staff/problems/{charged.ticket.id}": [
            ("merge", {"target": str(upload.ticket.id)}),
            ("split", {"item": charged.public_id}),
            ("apart", {"other": str(upload.ticket.id)}),
        ],
        f"/staff/feedback/{charged.public_id}": [
            ("link", {"key": upload.ticket.key}),
            ("reply", {"text": "Hello"}),
        ],
    }
    for page, posts in actions.items():
        assert client.get(page).status_code == 404
        for action, data in posts:
            response = client.post(f"{page}/{action}", data={**data, "csrf_token": token})
            assert response.status_code == 404, action
    db.session.expire_all()
    assert membership() == before and audit_count() == audited and replies() == []


def test_roles_that_do_not_handle_feedback_may_not_act(app, client, groups):
    upload, charged, _permit = groups
    sign_in_as(client, "developer")
    url = f"/staff/problems/{charged.ticket.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Merge into another group" not in page
    response = client.post(
        url + "/merge", data={"target": str(upload.ticket.id), "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert charged.ticket.state != TicketState.MERGED


# -- the affected count over time -------------------------------------------------------------


def test_the_problem_page_charts_the_affected_count_with_a_table(app, client):
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), tick=False):
        first = submit(UPLOAD[0])
    with time_machine.travel(datetime(2026, 3, 4, 8, 0, tzinfo=UTC), tick=False):
        submit(UPLOAD[1])
    sign_in_handler(client, "EDU")
    with time_machine.travel(datetime(2026, 3, 5, 8, 0, tzinfo=UTC), tick=False):
        page = client.get(f"/staff/problems/{first.ticket.id}?lang=en").get_data(as_text=True)
    assert '<svg class="chart"' in page and 'role="img"' in page
    assert "Affected citizens over time" in page
    table = page.split('<table class="figure-table">')[1].split("</table>")[0]
    rows = [row.split("</th>")[1] for row in table.split("<tr>")[2:]]
    assert [row.split("<td>")[1].split("</td>")[0] for row in rows] == ["1", "1", "2", "2"]


# -- the inbox --------------------------------------------------------------------------------


def test_the_inbox_is_the_handlers_landing_page(app, client, groups):
    upload, charged, permit = groups
    sign_in_handler(client, "EDU")
    assert client.get("/staff/").headers["Location"].endswith("/staff/inbox")
    page = client.get("/staff/inbox").get_data(as_text=True)
    assert "Items found: 2" in page
    assert page.index(charged.public_id) < page.index(upload.public_id)  # newest first
    assert permit.public_id not in page
    assert charged.redacted_text in page


def test_the_inbox_shows_redacted_text_only(app, client):
    item = submit(("fi", "Liite ei lataudu. Soita minulle 040 123 4567, Liisa Virtanen"))
    sign_in_handler(client, "EDU")
    page = client.get("/staff/inbox").get_data(as_text=True)
    assert item.public_id in page and "040 123 4567" not in page


def test_the_inbox_filters_and_pages(app, client, groups):
    upload, charged, _permit = groups
    sign_in_handler(client, "EDU")
    page = client.get("/staff/inbox?channel=agent_form").get_data(as_text=True)
    assert "Items found: 0" in page
    page = client.get("/staff/inbox?status=forwarded&eservice=daycare-application&page=0")
    assert page.status_code == 200 and "Items found: 2" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("since=2026-02-30", "since", "Not a valid date value."),
        ("since=2026-03-05&until=2026-03-01", "until", "The end date must not be before"),
        ("eservice=nope", "eservice", "Not a valid choice."),
        ("sentiment=furious", "sentiment", "Not a valid choice."),
    ],
)
def test_bad_inbox_filters_are_a_400_with_the_fields_message(app, client, query, field, message):
    sign_in_handler(client, "EDU")
    response = client.get(f"/staff/inbox?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and f'href="#{field}"' in page


def test_a_merged_group_says_why_it_cannot_be_merged_again(app, client, groups):
    upload, charged, _permit = groups
    sign_in_handler(client, "EDU")
    source = charged.ticket
    url = f"/staff/problems/{source.id}"
    assert post(client, url, url + "/merge", {"target": str(upload.ticket.id)}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Merge into another group" not in page and "Split out" not in page
    response = client.post(
        url + "/merge", data={"reference": upload.ticket.key, "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 400
    assert "that problem group was merged or deleted" in response.get_data(as_text=True)


def test_the_inbox_pages_keep_their_filters(app, client, groups):
    upload, _charged, _permit = groups
    for number in range(PAGE_SIZE + 1):
        stored_item(
            f"call {number}",
            channel="call_log",
            department_id=upload.department_id,
            status="forwarded",
        )
    db.session.commit()
    sign_in_handler(client, "EDU")
    first = client.get("/staff/inbox?channel=call_log").get_data(as_text=True)
    assert "page 1 of 2" in first and "Newer" not in first
    assert 'href="/staff/inbox?channel=call_log&amp;page=2">Older' in first
    second = client.get("/staff/inbox?channel=call_log&page=2").get_data(as_text=True)
    assert "page 2 of 2" in second and "call 0<" in second and "Older" not in second
