"""A handler's casework without HTTP: the inbox, replies, an item's history, a problem's
affected count over time, and the grouping corrections' department rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from flask_babel import force_locale
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Feedback, Notice, NoticeKind, Ticket
from app.services.access import record_personal_data_read
from app.services.grouping import (
    GroupingError,
    link_to_ticket,
    merge_candidates,
    merge_groups,
    split_item,
)
from app.services.history import item_history
from app.services.inbox import PAGE_SIZE, InboxFilter, inbox
from app.services.insight import affected_over_time
from app.services.intake import ContactDetails
from app.services.notices import render_notice
from app.services.replies import MAX_REPLY_TEXT, ReplyError, reply_blocker, reply_to_citizen
from app.services.tickets import set_local_status
from tests.support.factories import staff_user, stored_item, submitted

ZONE = "Europe/Helsinki"
UPLOAD = [
    ("fi", "Päiväkotihakemuksen liitteen lataaminen epäonnistuu aina, tiedosto on pdf."),
    ("sv", "Det går inte att ladda upp bilagan i ansökan om dagis, pdf-filen vägras."),
    ("en", "Uploading the attachment to the daycare application keeps failing, a small PDF."),
]
CHARGED = ("en", "I was charged twice for the daycare fee this month, please refund one payment.")
MAP = ("en", "The map in the building permit application never loads, just a grey box.")
# Another e-service of the same department (education), so another group.
TRANSPORT = ("en", "Uploading the attachment to the school transport application fails every time.")


def submit(
    pair: tuple[str, str],
    eservice: str = "daycare-application",
    *,
    channel: str = "api",
    contact: ContactDetails | None = None,
) -> Feedback:
    language, text = pair
    return submitted(text, eservice, channel=channel, language=language, contact=contact)


def consenting(language: str = "sv") -> ContactDetails:
    return ContactDetails(email="anna@example.org", language=language, consent=True)


@pytest.fixture(autouse=True)
def english(app):
    """The messages the tests read, in the source language (the city's is Finnish)."""
    with force_locale("en"):
        yield


@pytest.fixture
def handler(app):
    return staff_user("handler", department_codes=("EDU",))


@pytest.fixture
def admin(app):
    return staff_user("admin")


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


# -- the inbox --------------------------------------------------------------------------------


def test_the_inbox_holds_the_handlers_departments_open_items_newest_first(app, handler):
    first = submit(UPLOAD[0])
    second = submit(CHARGED, channel="agent_form")
    submit(MAP, "building-permit")  # urban planning's
    stored_item(status="triage")
    resolved = submit(TRANSPORT, "school-transport")
    set_local_status(resolved.ticket, "done")
    db.session.commit()

    page = inbox(handler, InboxFilter(ZONE))
    assert [item.id for item in page.items] == [second.id, first.id]
    assert (page.total, page.page, page.pages) == (2, 1, 1)

    by_channel = inbox(handler, InboxFilter(ZONE, channel="agent_form"))
    assert [item.id for item in by_channel.items] == [second.id]
    assert [i.id for i in inbox(handler, InboxFilter(ZONE, status="resolved")).items] == [
        resolved.id
    ]
    assert inbox(handler, InboxFilter(ZONE, eservice="building-permit")).total == 0
    assert inbox(handler, InboxFilter(ZONE, sentiment="positive")).total == 0


def test_an_admins_inbox_is_the_whole_city(app, admin):
    submit(UPLOAD[0])
    submit(MAP, "building-permit")
    assert inbox(admin, InboxFilter(ZONE)).total == 2


def test_the_inbox_filters_by_local_days_and_pages(app, handler):
    # 23:30 UTC on 1 March is 1:30 on 2 March in Helsinki.
    with time_machine.travel(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), tick=False):
        late = submit(UPLOAD[0])
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False):
        submit(UPLOAD[1])
    second_of_march = InboxFilter(ZONE, first=date(2026, 3, 2), last=date(2026, 3, 2))
    assert [item.id for item in inbox(handler, second_of_march).items] == [late.id]

    for number in range(PAGE_SIZE):
        stored_item(f"t{number}", department_id=late.department_id, status="forwarded")
    db.session.commit()
    last = inbox(handler, InboxFilter(ZONE), page=99)
    assert (last.total, last.page, last.pages) == (PAGE_SIZE + 2, 2, 2)
    assert len(last.items) == 2


# -- replies ----------------------------------------------------------------------------------


def test_each_reply_is_its_own_notice_with_the_handlers_words(app, handler):
    item = submit(UPLOAD[0], contact=consenting())
    first = reply_to_citizen(item, "  Tack! Vi har hittat felet.  ", handler)
    second = reply_to_citizen(item, "Felet är nu rättat.", handler)
    assert (first.kind, first.occasion, first.body) == (
        "reply",
        "reply-1",
        "Tack! Vi har hittat felet.",
    )
    assert (second.occasion, second.language) == ("reply-2", "sv")
    assert count(AuditEvent, AuditEvent.action == "feedback.replied") == 2


@pytest.mark.parametrize(
    ("text", "message"), [("   ", "Write the reply"), ("x" * (MAX_REPLY_TEXT + 1), "At most")]
)
def test_an_empty_or_long_reply_is_refused(app, handler, text, message):
    item = submit(UPLOAD[0], contact=consenting())
    with pytest.raises(ReplyError, match=message):
        reply_to_citizen(item, text, handler)
    assert count(Notice, Notice.kind == NoticeKind.REPLY) == 0


def test_no_reply_without_consent_or_address(app, handler):
    without_consent = submit(
        UPLOAD[0], contact=ContactDetails(email="b@example.org", consent=False)
    )
    without_contact = submit(UPLOAD[1])
    assert "not agreed" in reply_blocker(without_consent)
    assert "no e-mail" in reply_blocker(without_contact)
    for item in (without_consent, without_contact):
        with pytest.raises(ReplyError):
            reply_to_citizen(item, "Hello", handler)
    erased = submit(UPLOAD[2], contact=consenting())
    erased.contact.erased_at = erased.received_at
    assert "no e-mail" in reply_blocker(erased)
    assert count(Notice, Notice.kind == NoticeKind.REPLY) == 0
    assert count(AuditEvent, AuditEvent.action == "feedback.replied") == 0


def test_the_history_tells_status_messages_and_actions_but_not_reads(app, handler):
    item = submit(UPLOAD[0], contact=consenting("en"))
    record_personal_data_read(handler, item)
    reply_to_citizen(item, "We are on it.", handler)
    history = item_history(item)
    kinds = [(entry.kind, entry.name) for entry in history]
    assert ("status", "forwarded") in kinds
    assert ("notice", "thank_you") in kinds and ("notice", "reply") in kinds
    assert ("action", "feedback.replied") in kinds
    assert not any(name == "feedback.personal_data_viewed" for _kind, name in kinds)
    reply = next(entry for entry in history if entry.name == "reply")
    assert reply.text == "We are on it." and reply.state == "sent"
    action = next(entry for entry in history if entry.kind == "action")
    assert action.actor == "handler@example.org"
    assert [entry.at for entry in history] == sorted(entry.at for entry in history)


# -- a problem's affected count over time -----------------------------------------------------


def test_the_affected_count_grows_day_by_day_in_local_days(app):
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), tick=False):
        first = submit(UPLOAD[0])
    with time_machine.travel(datetime(2026, 3, 4, 22, 30, tzinfo=UTC), tick=False):
        # 00:30 on 5 March in Helsinki.
        submit(UPLOAD[1])
    with time_machine.travel(datetime(2026, 3, 5, 9, 0, tzinfo=UTC), tick=False):
        submit(UPLOAD[2])
    ticket = first.ticket
    assert ticket.affected_count == 3
    with time_machine.travel(datetime(2026, 3, 6, 9, 0, tzinfo=UTC), tick=False):
        growth = affected_over_time(ticket, ZONE)
    assert growth.period == "day"
    assert growth.totals == [
        (date(2026, 3, 2), 1),
        (date(2026, 3, 3), 1),
        (date(2026, 3, 4), 1),
        (date(2026, 3, 5), 3),
        (date(2026, 3, 6), 3),
    ]


def test_a_long_problem_goes_by_week_and_a_group_without_items_has_no_line(app, handler):
    with time_machine.travel(datetime(2026, 1, 5, 8, 0, tzinfo=UTC), tick=False):
        first = submit(UPLOAD[0])
    with time_machine.travel(datetime(2026, 4, 1, 9, 0, tzinfo=UTC), tick=False):
        growth = affected_over_time(first.ticket, ZONE)
    assert growth.period == "week"
    assert growth.totals[0] == (date(2026, 1, 5), 1)
    assert growth.totals[-1] == (date(2026, 3, 30), 1)
    source = submit(CHARGED).ticket
    merge_groups(source, first.ticket, handler)
    assert affected_over_time(source, ZONE).totals == []


# -- grouping corrections stay within a department --------------------------------------------


def test_merge_candidates_are_the_other_open_groups_of_the_department(app, handler):
    upload = submit(UPLOAD[0])
    charged = submit(CHARGED)
    permit = submit(MAP, "building-permit")
    done = submit(TRANSPORT, "school-transport")
    set_local_status(done.ticket, "done")
    db.session.commit()
    assert merge_candidates(upload.ticket) == [charged.ticket]
    assert permit.ticket not in merge_candidates(upload.ticket)


def test_no_merge_or_link_across_departments(app, admin):
    upload = submit(UPLOAD[0])
    permit = submit(MAP, "building-permit")
    with pytest.raises(GroupingError, match="another department"):
        merge_groups(upload.ticket, permit.ticket, admin)
    with pytest.raises(GroupingError, match="another department"):
        link_to_ticket(upload, permit.ticket.key, admin)
    assert upload.ticket.affected_count == 1 and permit.ticket.affected_count == 1
    assert count(AuditEvent) == 0


def test_an_item_alone_in_its_group_is_not_split(app, admin):
    item = submit(UPLOAD[0])
    with pytest.raises(GroupingError, match="alone"):
        split_item(item, admin)
    assert count(Ticket) == 1


@pytest.mark.parametrize(
    ("language", "subject", "frame"),
    [
        ("fi", "Vastaus palautteeseesi", "Tässä on vastaus"),
        ("sv", "Svar på din respons", "Här är ett svar"),
        ("en", "A reply to your feedback", "This is a reply"),
        ("da", "Svar på din henvendelse", "Her er et svar"),
        ("nb", "Svar på tilbakemeldingen din", "Her er et svar"),
    ],
)
def test_a_reply_is_framed_in_the_citizens_language(app, handler, language, subject, frame):
    item = submit(UPLOAD[0], contact=consenting(language))
    notice = reply_to_citizen(item, "Korjattu.\n\nKiitos!", handler)
    message = render_notice(notice)
    assert message.subject == subject and frame in message.text
    assert "Korjattu." in message.text and f"/status/{item.status_token}" in message.text
    assert "<p>Korjattu.</p>" in message.html and "/unsubscribe/" in message.text
