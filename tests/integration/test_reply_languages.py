"""A handler's reply reaches the citizen in the language it was written in: the citizen's,
or the handler's own, marked as such with a line in the citizen's language (issue 17)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Notice, NoticeKind
from app.services.intake import ContactDetails
from tests.integration.test_casework_pages import UPLOAD, post, sign_in_handler, submit
from tests.support.factories import notices, staff_user


def reply_page(client, language: str = "sv"):
    """A citizen writing in ``language`` and the item page of their feedback, signed in."""
    contact = ContactDetails(email="anna@example.org", language=language, consent=True)
    item = submit(UPLOAD[1], contact=contact)
    sign_in_handler(client, "EDU")
    return f"/staff/feedback/{item.public_id}"


def replies() -> list[Notice]:
    return notices(NoticeKind.REPLY)


def send_reply(app, client, smtp_server, language: str, data: dict):
    """The reply to a citizen writing in ``language``, as their mail client receives it."""
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    url = reply_page(client, language)
    smtp_server.wait_for(1)  # the thank-you
    response = post(client, url, url + "/reply", data)
    assert response.status_code == 302
    return smtp_server.wait_for(2)[1]


def test_the_form_offers_the_citizens_language_and_names_it(app, client):
    url = reply_page(client, "sv")
    page = client.get(url).get_data(as_text=True)
    assert "The citizen's language is Swedish." in page
    assert '<option lang="sv" selected value="sv">svenska</option>' in page
    assert '<option lang="fi" value="fi">suomi</option>' in page  # the handler may write in theirs
    assert '<textarea aria-describedby="text-hint" id="text" lang="sv"' in page
    finnish = client.get(url + "?lang=fi").get_data(as_text=True)
    assert "Kansalaisen kieli on ruotsi." in finnish and "Vastauksen kieli" in finnish


def test_a_reply_in_the_citizens_language_is_not_marked(app, client, smtp_server):
    message = send_reply(
        app, client, smtp_server, "sv", {"language": "sv", "text": "Tack, vi har hittat felet."}
    )
    (notice,) = replies()
    assert notice.body_language == notice.language == "sv"
    text = message.get_body(("plain",)).get_content()
    assert "Tack, vi har hittat felet." in text and "Svaret ovan" not in text
    html = message.get_body(("html",)).get_content()
    assert "<p>Tack, vi har hittat felet.</p>" in html and "<span lang=" not in html


@pytest.mark.parametrize(
    ("citizen", "line"),
    [
        ("sv", "(Svaret ovan är skrivet på finska.)"),
        ("en", "(The reply above is written in Finnish.)"),
        ("da", "(Svaret ovenfor er skrevet på finsk.)"),
        ("nb", "(Svaret over er skrevet på finsk.)"),
    ],
)
def test_a_reply_in_the_handlers_language_is_marked_in_the_citizens(
    app, client, smtp_server, citizen, line
):
    reply = "Korjasimme virheen.\n\nKiitos palautteesta!"
    message = send_reply(app, client, smtp_server, citizen, {"language": "fi", "text": reply})
    (notice,) = replies()
    assert (notice.body_language, notice.language) == ("fi", citizen)
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Korjasimme virheen.\n\nKiitos palautteesta!" in text
    assert " ".join(text.split()).count(line) == 1
    html = message.get_body(("html",)).get_content()
    assert f'<html lang="{citizen}">' in html
    assert '<p><span lang="fi">Korjasimme virheen.</span></p>' in html
    assert '<p><span lang="fi">Kiitos palautteesta!</span></p>' in html
    assert line in " ".join(html.split())


def test_a_reply_in_no_known_language_is_a_400_and_queues_nothing(app, client):
    url = reply_page(client)
    response = post(client, url, url + "/reply", {"language": "de", "text": "Danke."})
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert replies() == []


def test_the_service_refuses_a_language_it_cannot_mark(app):
    from flask_babel import force_locale

    from app.services.replies import ReplyError, reply_to_citizen

    handler = staff_user("handler", "h@example.org")
    item = submit(UPLOAD[1], contact=ContactDetails(email="a@example.org", consent=True))
    with force_locale("en"), pytest.raises(ReplyError, match="Choose the language"):
        reply_to_citizen(item, "Danke.", handler, "de")
    assert replies() == []


def test_a_reply_written_before_the_language_was_recorded_reads_as_the_citizens(app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    item = submit(UPLOAD[1], contact=ContactDetails(email="a@example.org", language="sv",
                                                    consent=True))  # fmt: skip
    downgrade(revision="0025")
    db.session.execute(
        text(
            "INSERT INTO notice (feedback_id, kind, occasion, body, language, state, attempts,"
            " created_at) VALUES (:item, 'reply', 'reply-1', 'Tack!', 'sv', 'sent', 1,"
            " CURRENT_TIMESTAMP)"
        ),
        {"item": item.id},
    )
    db.session.commit()
    upgrade()
    assert [(n.body, n.body_language) for n in replies()] == [("Tack!", "sv")]
