"""The admin area on the staff site: users, departments, e-services, suppliers and survey
frames; each form saves and audits, refuses bad input with field errors (400, nothing
changed), and is for admins only."""

from __future__ import annotations

import json

import pytest
from flask import g
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    Department,
    EService,
    Supplier,
    SurveyFrame,
    SurveyResponse,
    User,
)
from app.services.accounts import authenticate
from app.services.surveys import ensure_common_frame, record_response
from tests.support.web import PASSWORD, csrf_token, sign_in, sign_in_as

EN = {"Accept-Language": "en"}
QUESTIONS = [
    {"key": "satisfaction", "type": "scale", "required": True,
     "labels": {"fi": "Kuinka tyytyväinen olit?", "sv": "Hur nöjd var du?", "en": "Satisfied?"}},
    {"key": "comment", "type": "text", "labels": {"fi": "Kerro lisää", "en": "Tell us more"}},
]  # fmt: skip


def post(client, url: str, data: dict, form_url: str | None = None):
    page = client.get(form_url or url, headers=EN).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token(page)}, headers=EN)


def second_client(app):
    """Another browser: the fixture's shared app context must not hand it the first one's
    signed-in user or CSRF token."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    return app.test_client()


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def refused(response, field: str, message: str) -> None:
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'href="#{field}"' in page and message in page, page


def by_code(model, code):
    return db.session.scalars(select(model).where(model.code == code)).first()


# --- users --------------------------------------------------------------------------------

NEW_HANDLER = {
    "email": "Maija.Handler@Example.org",
    "name": "Maija",
    "role": "handler",
    "departments": ["CUL", "EDU"],
    "supplier": "",
    "password": "a long enough password",
    "active": "y",
}


def test_an_admin_creates_a_handler_who_can_sign_in(app, client):
    sign_in_as(client, "admin")
    response = post(client, "/staff/admin/users", NEW_HANDLER)
    assert response.status_code == 302
    user = authenticate("maija.handler@example.org", "a long enough password")
    assert user is not None and user.role == "handler"
    assert sorted(d.code for d in user.departments) == ["CUL", "EDU"]
    (event,) = audited("user.created")
    assert event.detail["after"]["departments"] == ["CUL", "EDU"]
    assert "maija" not in json.dumps(event.detail).lower()  # no e-mail or name in the trail
    assert "maija.handler@example.org" in client.get("/staff/admin/users").get_data(as_text=True)


def test_deactivating_a_user_ends_their_access(app, client):
    sign_in_as(client, "analyst")
    analyst = db.session.scalars(select(User).where(User.email == "analyst@example.org")).one()
    assert client.get("/staff/insight").status_code == 200
    other = second_client(app)
    sign_in_as(other, "admin")
    form = {"email": analyst.email, "name": "", "role": "analyst", "supplier": ""}  # not active
    assert post(other, f"/staff/admin/users/{analyst.id}", form).status_code == 302
    assert db.session.get(User, analyst.id).active is False
    assert authenticate("analyst@example.org", PASSWORD) is None
    # The session the analyst already had ends too.
    g.pop("_login_user", None)
    assert client.get("/staff/insight").status_code == 302
    assert audited("user.changed")[0].detail["before"]["active"] is True


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"role": "analyst", "active": "y"}, "role"), ({"role": "admin"}, "active")],
)
def test_an_admin_cannot_lock_themself_out(app, client, fields, field):
    sign_in_as(client, "admin")
    admin = db.session.scalars(select(User).where(User.role == "admin")).one()
    form = {"email": admin.email, "supplier": "", **fields}
    response = post(client, f"/staff/admin/users/{admin.id}", form)
    refused(response, field, "You cannot take away your own admin access.")
    db.session.expire_all()
    assert (admin.role, admin.active) == ("admin", True)


def test_editing_a_user_keeps_the_password_unless_a_new_one_is_given(app, client):
    sign_in_as(client, "admin")
    post(client, "/staff/admin/users", NEW_HANDLER)
    user = authenticate("maija.handler@example.org", "a long enough password")
    form = {**NEW_HANDLER, "password": "", "role": "developer", "departments": []}
    assert post(client, f"/staff/admin/users/{user.id}", form).status_code == 302
    user = authenticate("maija.handler@example.org", "a long enough password")
    assert user.role == "developer" and user.departments == []


# --- departments --------------------------------------------------------------------------

NEW_DEPARTMENT = {
    "code": "ENV",
    "name_fi": "Ympäristö",
    "name_sv": "Miljö",
    "name_en": "Environment",
    "email": "env@example.org",
    "tracker_project": "",
    "active": "y",
    "notify_in_development": "y",
}


def test_an_admin_creates_and_edits_a_department(app, client):
    sign_in_as(client, "admin")
    assert post(client, "/staff/admin/departments", NEW_DEPARTMENT).status_code == 302
    department = by_code(Department, "ENV")
    assert department.names == {"fi": "Ympäristö", "sv": "Miljö", "en": "Environment"}
    assert department.tracker_project == "ENV" and department.notify_in_development is True
    assert department.language is None and department.hold_untranslated is False
    assert audited("department.created")

    education = by_code(Department, "EDU")
    url = f"/staff/admin/departments/{education.id}"
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert 'value="Kasvatus ja koulutus"' in page
    form = {
        **NEW_DEPARTMENT,
        "code": "EDU",
        "name_en": "Education and learning",
        "language": "sv",
        "hold_untranslated": "y",
    }
    assert post(client, url, form).status_code == 302
    db.session.expire_all()
    assert education.names["en"] == "Education and learning"
    assert education.names["da"] == "Børn og skole"  # languages the form does not edit stay
    assert education.notify_in_development is True
    assert education.language == "sv" and education.hold_untranslated is True
    (event,) = audited("department.changed")
    assert event.detail["before"]["notify_in_development"] is False


# --- e-services ---------------------------------------------------------------------------

NEW_ESERVICE = {
    "code": "museum-card",
    "name_fi": "Museokortti",
    "name_sv": "Museikort",
    "name_en": "Museum card",
    "department": "CUL",
    "supplier": "kivi",
    "url": "https://example.org/museum",
    "keywords_fi": "museo\nnäyttely\n\nmuseo",
    "keywords_sv": "",
    "keywords_en": "museum",
    "survey_frame": "common",
    "active": "y",
}


def test_an_admin_creates_an_eservice_that_routes_and_edits_it(app, client):
    sign_in_as(client, "admin")
    assert post(client, "/staff/admin/eservices", NEW_ESERVICE).status_code == 302
    eservice = by_code(EService, "museum-card")
    assert (eservice.department.code, eservice.supplier.code) == ("CUL", "kivi")
    assert eservice.keywords == {"fi": ["museo", "näyttely"], "en": ["museum"]}
    assert audited("eservice.created")

    url = f"/staff/admin/eservices/{eservice.id}"
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "museo\nnäyttely" in page
    form = {**NEW_ESERVICE, "department": "EDU", "supplier": "", "active": ""}
    assert post(client, url, form).status_code == 302
    db.session.expire_all()
    assert (eservice.department.code, eservice.supplier, eservice.active) == ("EDU", None, False)


def test_an_admin_defines_an_eservices_open311_attributes(app, client):
    sign_in_as(client, "admin")
    assert post(client, "/staff/admin/eservices", NEW_ESERVICE).status_code == 302
    eservice = by_code(EService, "museum-card")
    url = f"/staff/admin/eservices/{eservice.id}"
    lines = (
        "card | singlevaluelist | Which card? | required | adult=Adult; child=Child\n"
        "visited | datetime | When did you visit?"
    )
    assert post(client, url, {**NEW_ESERVICE, "open311_attributes": lines}).status_code == 302
    definition = client.get("/open311/v2/services/museum-card.json").get_json()
    card, visited, client_ref = definition["attributes"]
    assert (card["code"], card["datatype"], card["required"], card["order"]) == (
        "card",
        "singlevaluelist",
        True,
        1,
    )
    assert card["values"] == [{"key": "adult", "name": "Adult"}, {"key": "child", "name": "Child"}]
    assert (visited["datatype"], visited["required"], client_ref["code"]) == (
        "datetime",
        False,
        "client_ref",
    )
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "card | singlevaluelist | Which card? | required | adult=Adult; child=Child" in page

    # Emptied, the definitions go; client_ref stays.
    assert post(client, url, {**NEW_ESERVICE, "open311_attributes": ""}).status_code == 302
    definition = client.get("/open311/v2/services/museum-card.json").get_json()
    assert [a["code"] for a in definition["attributes"]] == ["client_ref"]


# --- suppliers ----------------------------------------------------------------------------


def test_an_admin_creates_and_renames_a_supplier(app, client):
    sign_in_as(client, "admin")
    form = {"code": "polar", "name": "Polar Code Oy"}
    assert post(client, "/staff/admin/suppliers", form).status_code == 302
    supplier = by_code(Supplier, "polar")
    url = f"/staff/admin/suppliers/{supplier.id}"
    assert post(client, url, {**form, "name": "Polar Code Ab"}).status_code == 302
    db.session.expire_all()
    assert supplier.name == "Polar Code Ab"
    assert [e.action for e in db.session.scalars(select(AuditEvent))] == [
        "supplier.created",
        "supplier.changed",
    ]


# --- survey frames ------------------------------------------------------------------------

NEW_FRAME = {
    "code": "library-visit",
    "department": "CUL",
    "title_fi": "Miten käynti sujui?",
    "title_sv": "Hur gick besöket?",
    "title_en": "How was your visit?",
    "questions": json.dumps(QUESTIONS),
}


def test_editing_a_frame_makes_a_new_version_and_old_answers_keep_theirs(app, client):
    sign_in_as(client, "admin")
    assert post(client, "/staff/admin/surveys", NEW_FRAME).status_code == 302
    first = db.session.scalars(select(SurveyFrame)).one()
    assert (first.code, first.version, first.department.code) == ("library-visit", 1, "CUL")
    assert audited("survey_frame.created")[0].detail == {"version": 1}
    library = by_code(EService, "library-account")
    library.survey_frame = "library-visit"
    db.session.commit()
    answered = record_response("library-account", {"satisfaction": 4}, "fi").response

    changed = [QUESTIONS[0], {**QUESTIONS[1], "required": True}]
    url = f"/staff/admin/surveys/{first.id}"
    assert post(client, url, {**NEW_FRAME, "questions": json.dumps(changed)}).status_code == 302
    versions = db.session.scalars(select(SurveyFrame).order_by(SurveyFrame.version)).all()
    assert [(f.version, f.questions[1]["required"]) for f in versions] == [(1, False), (2, True)]
    assert db.session.get(SurveyResponse, answered.id).frame_id == first.id

    # Only the title changes: the same version, nothing for answers to tell apart.
    retitled = {**NEW_FRAME, "title_en": "Your visit", "questions": json.dumps(changed)}
    assert post(client, f"/staff/admin/surveys/{versions[1].id}", retitled).status_code == 302
    assert count(SurveyFrame) == 2 and versions[1].titles["en"] == "Your visit"


def test_the_common_frames_new_version_keeps_its_other_languages(app, client):
    sign_in_as(client, "admin")
    common = ensure_common_frame()
    questions = common.questions[:2]
    form = {"code": "common", "department": "", "title_fi": "Miten meni?",
            "title_sv": "Hur gick det?", "title_en": "How did it go?",
            "questions": json.dumps(questions)}  # fmt: skip
    assert post(client, f"/staff/admin/surveys/{common.id}", form).status_code == 302
    newest = db.session.scalars(select(SurveyFrame).where(SurveyFrame.version == 2)).one()
    assert newest.titles["da"] == "Hvordan gik det?" and len(newest.questions) == 2


def scale(**changes) -> str:
    return json.dumps([{**QUESTIONS[0], **changes}])


# --- who may -----------------------------------------------------------------------------

# Each admin form, a good input and what it makes.
GOOD = {
    "/staff/admin/users": (NEW_HANDLER, User),
    "/staff/admin/departments": (NEW_DEPARTMENT, Department),
    "/staff/admin/eservices": (NEW_ESERVICE, EService),
    "/staff/admin/suppliers": ({"code": "polar", "name": "Polar Code Oy"}, Supplier),
    "/staff/admin/surveys": (NEW_FRAME, SurveyFrame),
}


@pytest.mark.parametrize("url", GOOD)
def test_only_admins_use_the_admin_area(app, client, url):
    form, model = GOOD[url]
    sign_in_as(client, "handler")
    assert client.get(url).status_code == 403
    before = count(model)
    response = post(client, url, form, form_url="/staff/feedback/new")
    assert response.status_code == 403 and count(model) == before


# Bad input, by form: the fields changed from a good form, the field refused and its message.
BAD_INPUT = {
    "/staff/admin/users": [
        ({"email": "ADMIN@example.org"}, "email", "Another account has this e-mail address."),
        ({"email": "not an address"}, "email", "Invalid email address."),
        ({"role": "root"}, "role", "Not a valid choice."),
        ({"role": "supplier", "departments": []}, "supplier", "A supplier user needs a supplier."),
        ({"role": "analyst"}, "departments", "Only handlers are scoped to departments."),
        ({"departments": ["NOPE"]}, "departments", "not a valid choice"),
        ({"password": "short"}, "password", "Field must be between 12 and 200 characters long."),
        ({"password": ""}, "password", "A new account needs a password."),
    ],
    "/staff/admin/departments": [
        ({"code": "EDU"}, "code", "Already in use."),
        ({"code": "9 lives"}, "code", "starting with a letter"),
        ({"name_sv": ""}, "name_sv", "This field is required."),
        ({"email": "env at example"}, "email", "Invalid email address."),
    ],
    "/staff/admin/eservices": [
        ({"code": "library-account"}, "code", "Already in use."),
        ({"department": "NOPE"}, "department", "Not a valid choice."),
        ({"supplier": "nobody"}, "supplier", "Not a valid choice."),
        ({"survey_frame": "missing"}, "survey_frame", "Not a valid choice."),
        ({"url": "not a url"}, "url", "Invalid URL."),
        ({"open311_attributes": "step | colour"}, "open311_attributes", "Line 1: Write code"),
        (
            {"open311_attributes": "a | string | A?\nb | slider | B?"},
            "open311_attributes",
            "Line 2: Not an Open311 attribute type.",
        ),
        (
            {"open311_attributes": "a | singlevaluelist | A?"},
            "open311_attributes",
            "List types need choices",
        ),
        (
            {"open311_attributes": "client_ref | string | Yours?"},
            "open311_attributes",
            "(not client_ref)",
        ),
    ],
    "/staff/admin/suppliers": [
        ({"code": "kivi"}, "code", "Already in use."),
        ({"name": ""}, "name", "This field is required."),
    ],
    "/staff/admin/surveys": [
        ({"code": "common"}, "code", "Already in use."),
        ({"code": "Library Visit"}, "code", "starting with a letter"),
        ({"department": "NOPE"}, "department", "Not a valid choice."),
        ({"questions": "[{"}, "questions", "Not valid JSON"),
        ({"questions": "{}"}, "questions", "Must be a list of questions."),
        ({"questions": "[]"}, "questions", "Must be a non-empty list of questions."),
        ({"questions": scale(type="slider")}, "questions", "questions.0.type: Must be one of"),
        ({"questions": scale(anchors={"7": {"en": "x"}})}, "questions", "questions.0.anchors"),
        (
            {"questions": json.dumps([QUESTIONS[0], QUESTIONS[0]])},
            "questions",
            "Question keys must be unique.",
        ),
    ],
}


@pytest.mark.parametrize(
    ("url", "fields", "field", "message"),
    [(url, *case) for url, cases in BAD_INPUT.items() for case in cases],
)
def test_bad_input_gets_field_errors_and_changes_nothing(app, client, url, fields, field, message):
    sign_in_as(client, "admin")
    good, model = GOOD[url]
    before = count(model)
    refused(post(client, url, {**good, **fields}), field, message)
    assert count(model) == before and count(AuditEvent) == 0


def test_the_admin_area_links_every_section_and_the_routing_rules(app, client):
    sign_in_as(client, "admin")
    page = client.get("/staff/admin", headers=EN).get_data(as_text=True)
    for url in GOOD:
        assert f'href="{url}"' in page
    assert 'href="/staff/routing/rules"' in page
    assert 'href="/staff/admin"' in client.get("/staff/tickets").get_data(as_text=True)


def test_pages_speak_finnish(app, client):
    sign_in_as(client, "admin")
    page = client.get("/staff/admin/users", headers={"Accept-Language": "fi"})
    assert "Uusi käyttäjä" in page.get_data(as_text=True)


def test_sign_in_after_creation(app, client):
    sign_in_as(client, "admin")
    post(client, "/staff/admin/users", NEW_HANDLER)
    other = second_client(app)
    sign_in(other, "maija.handler@example.org", "a long enough password")
    assert other.get("/staff/triage").status_code == 200


def test_the_survey_editor_explains_bad_questions_in_the_admins_language(app, client):
    sign_in_as(client, "admin")
    before = count(SurveyFrame)
    page = client.get("/staff/admin/surveys", headers={"Accept-Language": "fi"})
    duplicate = json.dumps([QUESTIONS[0], QUESTIONS[0]])
    response = client.post(
        "/staff/admin/surveys",
        data={**NEW_FRAME, "questions": duplicate,
              "csrf_token": csrf_token(page.get_data(as_text=True))},
        headers={"Accept-Language": "fi"},
    )  # fmt: skip
    refused(response, "questions", "Kysymysten tunnisteiden on oltava eri.")
    assert count(SurveyFrame) == before
