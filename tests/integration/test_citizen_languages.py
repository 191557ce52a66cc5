"""The team's words reach each citizen in their language, or marked as the original
(issue 17, Language); what is left of the interface in English is translated."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notice, NoticeKind, NoticeState, Ticket
from app.services.outcomes import describe_change
from app.services.tickets import set_local_status, ticket_summary
from app.services.translations import citizen_languages
from tests.support.factories import consenting, reported_problem
from tests.support.web import csrf_token, sign_in_as

TEXT = "Asukaspysäköintitunnuksen maksu epäonnistuu korttimaksussa."
FI = {"Accept-Language": "fi"}


def report(ref: str, language: str, email: str | None = None) -> Ticket:
    contact = consenting(email, language) if email else None
    return reported_problem(TEXT, "parking-permit", language="fi", source_ref=ref, contact=contact)


def three_languages() -> Ticket:
    """Finnish: Aino (twice) and an anonymous caller; Swedish: Sven; English: Emma."""
    tickets = {
        report("a1", "fi", "aino@example.org").id,
        report("a2", "fi", "aino@example.org").id,
        report("n1", "fi").id,
        report("s1", "sv", "sven@example.org").id,
        report("e1", "en", "emma@example.org").id,
    }
    assert len(tickets) == 1
    return db.session.get(Ticket, tickets.pop())


@pytest.fixture
def developer(client):
    sign_in_as(client, "developer")
    return client


def translate(client, ticket: Ticket, texts: dict[str, str]):
    page = client.get(f"/staff/problems/{ticket.id}", headers=FI).get_data(as_text=True)
    return client.post(
        f"/staff/problems/{ticket.id}/translations",
        data={"csrf_token": csrf_token(page), **texts},
        headers=FI,
    )


def test_the_problem_page_asks_for_each_citizens_language(app, developer):
    ticket = three_languages()
    assert citizen_languages(ticket) == [("fi", 2), ("en", 1), ("sv", 1)]
    describe_change(ticket, "Korjasimme korttimaksun.", ticket_developer(developer))
    page = developer.get(f"/staff/problems/{ticket.id}", headers=FI).get_data(as_text=True)
    assert "fi 2, en 1, sv 1" in page
    assert 'name="sv__what_we_changed"' in page and 'name="en__what_we_changed"' in page
    assert 'name="fi__what_we_changed"' not in page  # the department's own language


def ticket_developer(client):
    from app.models import User

    return db.session.scalars(select(User).where(User.role == "developer")).one()


def test_each_citizen_reads_the_words_in_their_language_or_marked_original(
    app, developer, smtp_server
):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    ticket = three_languages()
    describe_change(ticket, "Korjasimme korttimaksun.", ticket_developer(developer))
    response = translate(developer, ticket, {"sv__what_we_changed": "Vi rättade kortbetalningen.",
                                             "en__what_we_changed": ""})  # fmt: skip
    assert response.status_code == 302
    sent_before = len(smtp_server.messages)
    set_local_status(ticket, "done")
    messages = {m["To"]: m for m in smtp_server.wait_for(sent_before + 3)[sent_before:]}
    swedish = messages["sven@example.org"].get_body(("plain",)).get_content()
    assert "Vi rättade kortbetalningen." in swedish and "Korjasimme" not in swedish
    english = messages["emma@example.org"]
    text = english.get_body(("plain",)).get_content()
    assert "What we changed: Korjasimme korttimaksun." in text
    assert "The text above is in Finnish: it has not been translated into your language" in text
    html = english.get_body(("html",)).get_content()
    assert '<span lang="fi">Korjasimme korttimaksun.</span>' in html
    finnish = messages["aino@example.org"].get_body(("plain",)).get_content()
    assert "Korjasimme korttimaksun." in finnish and "käännetty" not in finnish


def test_a_department_may_hold_notices_until_the_translation_is_written(
    app, developer, smtp_server
):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    ticket = three_languages()
    ticket.department.hold_untranslated = True
    db.session.commit()
    describe_change(ticket, "Korjasimme korttimaksun.", ticket_developer(developer))
    sent_before = len(smtp_server.messages)
    set_local_status(ticket, "done")
    smtp_server.wait_for(sent_before + 1)
    held = {
        notice.language: notice
        for notice in db.session.scalars(select(Notice).where(Notice.kind == NoticeKind.RESOLUTION))
    }
    assert held["fi"].state == NoticeState.SENT
    assert held["sv"].state == held["en"].state == NoticeState.PENDING
    translate(developer, ticket, {"sv__what_we_changed": "Vi rättade kortbetalningen.",
                                  "en__what_we_changed": "We fixed the card payment."})  # fmt: skip
    received = smtp_server.wait_for(sent_before + 3)[sent_before:]
    assert sorted(message["To"] for message in received) == [
        "aino@example.org", "emma@example.org", "sven@example.org"
    ]  # fmt: skip
    english = next(m for m in received if m["To"] == "emma@example.org")
    assert "We fixed the card payment." in english.get_body(("plain",)).get_content()


def test_the_status_and_you_said_pages_mark_untranslated_words(app, client, developer):
    ticket = three_languages()
    describe_change(ticket, "Korjasimme korttimaksun.", ticket_developer(developer))
    set_local_status(ticket, "done")
    page = client.get("/you-said-we-did?lang=sv").get_data(as_text=True)
    assert '<span lang="fi">Korjasimme korttimaksun.</span>' in page
    assert "Texten ovan är på finska" in page


def test_ticket_titles_name_the_e_service_in_the_departments_language(app):
    ticket = three_languages()
    item = ticket.items[0]
    assert ticket_summary(item).startswith("[Asukaspysäköintitunnus] ")  # the city's: fi
    item.department.language = "sv"
    assert ticket_summary(item).startswith("[Boendeparkeringstillstånd] ")


def test_error_pages_speak_the_readers_language(app, client):
    page = client.get("/no-such-page", headers=FI)
    assert page.status_code == 404
    assert "Sivua ei löytynyt" in page.get_data(as_text=True)
    assert "Not Found" not in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("reason", "finnish"),
    [
        ("the export has no column Notes", "Viennistä puuttuu sarake Notes."),
        ("bad date '31.2.2026'", "virheellinen päivämäärä '31.2.2026'"),
        ("unknown e-service 'bus-card'", "tuntematon sähköinen palvelu 'bus-card'"),
        ("something new", "something new"),
    ],
)
def test_call_import_reasons_are_translated(app, reason, finnish):
    from flask_babel import force_locale

    from app.web.call_import_messages import translated_reason

    with app.test_request_context(), force_locale("fi"):
        assert translated_reason(reason) == finnish


def test_the_500_page_speaks_the_readers_language(app, client):
    def broken() -> str:
        raise RuntimeError("a bug")

    app.add_url_rule("/broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, no trace
    page = client.get("/broken", headers={"Accept-Language": "sv"})
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "Något gick fel" in text and "Internal Server Error" not in text
