"""Admins' glossary words on the staff site: stored and audited, used by grouping from the next
item, refused with field errors when bad, and tried in the test box."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Feedback, GlossaryEntry
from app.services.analysis.problems import TERMS
from app.web.forms import PART_LABELS
from tests.support.factories import submitted
from tests.support.web import csrf_token, sign_in_as

EN = {"Accept-Language": "en"}
# The city's own name for its log-in service: no shipped glossary word of any part.
TEXT = "Kuntaportti ei päästä eteenpäin, sivu jää tyhjäksi joka kerta."


def new_words(client, **fields):
    page = client.get("/staff/grouping/glossary", headers=EN).get_data(as_text=True)
    form = {
        "part": "login",
        "language": "fi",
        # A stem: Finnish inflects "portti" as "portissa", "portin".
        "words": "Kuntaport\nkuntatunnus$",
        "active": "y",
        "csrf_token": csrf_token(page),
    }
    form.update(fields)
    return client.post("/staff/grouping/glossary", data=form, headers=EN)


def parts_of_a_new_group(text: str, eservice: str) -> dict:
    """The parts grouping found in ``text``: a report of an e-service with no group yet."""
    item = submitted(text, eservice, language="fi")
    assert item.ticket is not None and item.ticket.profile_members == 1
    return item.ticket.term_profile


def test_an_admins_words_name_a_part_for_the_next_item_and_are_audited(app, client):
    assert "login" not in parts_of_a_new_group(TEXT, "daycare-application")
    sign_in_as(client, "admin")
    assert new_words(client).status_code == 302
    entry = db.session.scalars(select(GlossaryEntry)).one()
    assert (entry.part, entry.language, entry.words, entry.active) == (
        "login",
        "fi",
        ["Kuntaport", "kuntatunnus$"],
        True,
    )
    audit = db.session.scalars(select(AuditEvent)).one()
    assert audit.action == "glossary_entry.created" and audit.detail["after"]["part"] == "login"
    # Inflected: "Kuntaportissa" begins with the word.
    assert "login" in parts_of_a_new_group(
        TEXT.replace("Kuntaportti", "Kuntaportissa"), "library-account"
    )
    # "$": the whole word only.
    assert "login" not in parts_of_a_new_group(
        "Kuntatunnuksen vaihto ei onnistu lomakkeella.", "building-permit"
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"words": "  \n "}, "words", "This field is required."),
        ({"words": "x" * 61}, "words", "A word has at most 60 characters."),
        ({"words": "portti\n$$"}, "words", "Every word needs a letter or a digit."),
        ({"words": "\n".join(f"w{n}" for n in range(101))}, "words", "At most 100 words."),
        ({"part": "no-such-part"}, "part", "Not a valid choice."),
        ({"language": "de"}, "language", "Not a valid choice."),
    ],
)
def test_bad_words_get_field_errors_and_store_nothing(app, client, fields, field, message):
    sign_in_as(client, "admin")
    response = new_words(client, **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'href="#{field}"' in page and message in page
    assert db.session.scalar(select(func.count(GlossaryEntry.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_editing_words_deactivates_them(app, client):
    sign_in_as(client, "admin")
    new_words(client)
    entry = db.session.scalars(select(GlossaryEntry)).one()
    page = client.get(f"/staff/grouping/glossary/{entry.id}", headers=EN).get_data(as_text=True)
    assert "Kuntaport\nkuntatunnus$" in page
    response = client.post(
        f"/staff/grouping/glossary/{entry.id}",
        data={
            "part": "login",
            "language": "fi",
            "words": "Kuntaport",
            "csrf_token": csrf_token(page),
        },
    )
    assert response.status_code == 302
    db.session.refresh(entry)
    assert (entry.active, entry.words) == (False, ["Kuntaport"])
    changed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "glossary_entry.changed")
    ).one()
    assert changed.detail["before"]["active"] is True and changed.detail["after"]["active"] is False
    assert "login" not in parts_of_a_new_group(TEXT, "daycare-application")


def test_the_test_box_names_the_parts_in_the_detected_language_and_stores_nothing(app, client):
    sign_in_as(client, "admin")
    new_words(client)

    def tried(**query) -> str:
        return client.get("/staff/grouping/glossary", query_string=query, headers=EN).get_data(
            as_text=True
        )

    # The language detected, as for a stored item: the Finnish words apply.
    page = tried(**{"try-text": "Kuntaportti ei aukea, liite ei lataudu"})
    assert "<li>Log-in</li>" in page and "<li>Attachment upload</li>" in page
    page = tried(**{"try-text": "Kuntaportti ei aukea", "try-language": "sv"})
    assert "The text names no part in the glossary." in page
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_the_page_is_translated(app, client):
    sign_in_as(client, "admin")
    page = client.get("/staff/grouping/glossary", headers={"Accept-Language": "fi"})
    assert "Palvelun osien sanasto" in page.get_data(as_text=True)
    # The language links add ?lang=: no empty test box to complain about.
    page = client.get("/staff/grouping/glossary?lang=sv")
    assert page.status_code == 200 and 'aria-invalid="true"' not in page.get_data(as_text=True)


def test_every_part_of_the_glossary_has_a_name_on_the_staff_site():
    assert list(PART_LABELS) == list(TERMS)


@pytest.mark.parametrize("role", ["agent", "handler", "developer", "analyst", "supplier"])
def test_only_admins_edit_the_glossary(app, client, role):
    sign_in_as(client, role)
    assert client.get("/staff/grouping/glossary").status_code == 403
    token = {"csrf_token": csrf_token(client.get("/staff/tickets").get_data(as_text=True))}
    assert client.post("/staff/grouping/glossary", data=token).status_code == 403
