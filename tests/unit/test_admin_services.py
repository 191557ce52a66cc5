"""The admin area's rules, without HTTP: app/services/admin.py and admin_users.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, EService, SurveyFrame, User
from app.services.accounts import create_user
from app.services.admin import (
    AdminError,
    DepartmentDraft,
    EServiceDraft,
    FrameDraft,
    SupplierDraft,
    save_department,
    save_eservice,
    save_frame,
    save_supplier,
    survey_frames,
)
from app.services.admin_users import UserDraft, save_user
from tests.support.factories import department

QUESTION = {"key": "ease", "type": "scale", "labels": {"en": "Easy?"}}


@pytest.fixture
def admin(app) -> Iterator[User]:
    user = create_user("admin@example.org", "admin", "a long enough password")
    db.session.commit()
    # Messages in English here; outside a request they speak the city's language.
    with force_locale("en"):
        yield user


def refusal(call, *args) -> dict[str, list[str]]:
    with pytest.raises(AdminError) as raised:
        call(*args)
    db.session.rollback()
    return raised.value.messages


def eservice_draft(**changes) -> EServiceDraft:
    fields = {"code": "museum-card", "names": {"en": "Museum card"}, "department": "CUL",
              "supplier": None, "url": None, "keywords": {}}  # fmt: skip
    return EServiceDraft(**{**fields, **changes})


def test_a_new_user_needs_a_unique_address_and_a_password(admin):
    draft = UserDraft("ADMIN@example.org", None, "analyst", password="a long enough password")
    assert refusal(save_user, None, draft, admin) == {
        "email": ["Another account has this e-mail address."]
    }
    no_password = UserDraft("new@example.org", None, "analyst")
    assert refusal(save_user, None, no_password, admin) == {
        "password": ["A new account needs a password."]
    }
    assert db.session.scalars(select(User)).all() == [admin]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"role": "supplier"}, "supplier"),
        ({"role": "analyst", "supplier_code": "kivi"}, "supplier"),
        ({"role": "supplier", "supplier_code": "nobody"}, "supplier"),
        ({"role": "analyst", "department_codes": ("CUL",)}, "departments"),
        ({"role": "handler", "department_codes": ("CUL", "NOPE")}, "departments"),
        ({"role": "root"}, "role"),
    ],
)
def test_a_users_scope_fits_the_role(admin, changes, field):
    fields = {"email": "new@example.org", "name": None, "role": "handler", "password": "x" * 12}
    messages = refusal(save_user, None, UserDraft(**{**fields, **changes}), admin)
    assert list(messages) == [field]


def test_an_admin_keeps_their_own_access_but_may_change_another_admins(admin):
    assert "role" in refusal(save_user, admin, UserDraft(admin.email, None, "analyst"), admin)
    inactive = UserDraft(admin.email, None, "admin", active=False)
    assert "active" in refusal(save_user, admin, inactive, admin)
    other = create_user("second@example.org", "admin", "another long password")
    db.session.commit()
    save_user(other, UserDraft(other.email, None, "analyst", active=False), admin)
    assert (other.role, other.active) == ("analyst", False)
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor_id, event.subject_id) == ("user.changed", admin.id, other.id)
    assert event.detail["before"]["role"] == "admin" and "email" not in event.detail["after"]


def test_a_department_keeps_the_names_the_form_does_not_edit(admin):
    education = department("EDU")
    draft = DepartmentDraft("EDU", {"fi": "Kasvatus", "sv": "", "en": "Education"}, None, None,
                            notify_in_development=True)  # fmt: skip
    save_department(education, draft, admin)
    assert education.names == {"fi": "Kasvatus", "en": "Education", "da": "Børn og skole",
                               "nb": "Oppvekst og utdanning"}  # fmt: skip
    assert education.tracker_project == "EDU" and education.notify_in_development is True


def test_codes_are_unique_per_kind(admin):
    draft = DepartmentDraft("CUL", {"en": "Culture again"}, None, None)
    assert refusal(save_department, None, draft, admin) == {"code": ["Already in use."]}
    assert refusal(save_supplier, None, SupplierDraft("kivi", "Kivi"), admin) == {
        "code": ["Already in use."]
    }
    # Another kind's code is no clash, and a record keeps its own code.
    supplier = save_supplier(None, SupplierDraft("CUL", "Culture Code Oy"), admin)
    assert save_supplier(supplier, SupplierDraft("CUL", "Culture Code Ab"), admin).name == (
        "Culture Code Ab"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"department": "NOPE"}, "department"),
        ({"supplier": "nobody"}, "supplier"),
        ({"survey_frame": "missing"}, "survey_frame"),
        ({"code": "library-account"}, "code"),
    ],
)
def test_an_eservice_refers_to_records_that_exist(admin, changes, field):
    assert list(refusal(save_eservice, None, eservice_draft(**changes), admin)) == [field]
    museum = select(EService).where(EService.code == "museum-card")
    assert db.session.scalars(museum).first() is None


def test_an_eservice_may_use_a_departments_own_survey(admin):
    save_frame(None, FrameDraft("culture", {"en": "Culture"}, [QUESTION], "CUL"), admin)
    eservice = save_eservice(None, eservice_draft(survey_frame="culture"), admin)
    assert eservice.survey_frame == "culture" and eservice.department.code == "CUL"


def test_new_questions_make_a_new_version_and_a_new_frames_code_must_be_new(admin):
    first = save_frame(None, FrameDraft("culture", {"en": "Culture"}, [QUESTION], "CUL"), admin)
    assert (first.created, first.frame.version) == (True, 1)
    same = save_frame(first.frame, FrameDraft("ignored", {"en": "Culture!"}, [QUESTION]), admin)
    assert (same.created, same.frame.titles["en"]) == (False, "Culture!")
    required = {**QUESTION, "required": True}
    second = save_frame(first.frame, FrameDraft("culture", {"en": "C"}, [required]), admin)
    assert (second.created, second.frame.version) == (True, 2)
    assert [[f.version for f in versions] for versions in survey_frames()] == [[2, 1]]
    assert refusal(save_frame, None, FrameDraft("culture", {"en": "C"}, [QUESTION]), admin) == {
        "code": ["Already in use."]
    }
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["survey_frame.created", "survey_frame.changed", "survey_frame.created"]


def test_bad_questions_are_reported_by_question(admin):
    scale = {**QUESTION, "anchors": {"6": {"en": "Too far"}}}
    messages = refusal(
        save_frame, None, FrameDraft("culture", {"en": "C"}, [scale, {"key": "ease"}]), admin
    )
    assert list(messages) == ["questions"]
    text = " ".join(messages["questions"])
    assert "questions.0.anchors" in text and "questions.1.type" in text and "unique" in text
    assert db.session.scalars(select(SurveyFrame)).all() == []
