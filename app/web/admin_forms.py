"""The admin area's forms: each parses into the draft its service takes (app/services/admin*.py).

The choices of the select fields are filled by the views from the database; WTForms then
refuses any other value ("Not a valid choice"), and the services check again for callers
that are not forms.
"""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, Length, Optional, Regexp, ValidationError

from app import input_guard as guarded_json
from app.models import ROLES
from app.services.admin import (
    EDITED_LANGUAGES,
    DepartmentDraft,
    EServiceDraft,
    FrameDraft,
    SupplierDraft,
)
from app.services.admin_users import UserDraft
from app.services.benchmark.exchange import PeerDraft
from app.services.routing_rules import parse_phrases
from app.web.forms import LANGUAGE_CHOICES

CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,31}$"
CODE_MESSAGE = _l("Letters, digits, - and _ (at most 32), starting with a letter.")
FRAME_CODE_MESSAGE = _l("Lower-case letters, digits, - and _, starting with a letter.")
MIN_PASSWORD = 12
ROLE_LABELS = {
    "agent": _l("Contact-centre agent"),
    "handler": _l("Department handler"),
    "developer": _l("Developer"),
    "analyst": _l("Analyst"),
    "admin": _l("Admin"),
    "supplier": _l("Supplier"),
    "integration": _l("Integration (machine client)"),
}
_LANGUAGE_NAMES = {"fi": _l("in Finnish"), "sv": _l("in Swedish"), "en": _l("in English")}


def _code_field() -> StringField:
    return StringField(
        _l("Code"), validators=[DataRequired(), Regexp(CODE_PATTERN, message=CODE_MESSAGE)]
    )


def _per_language(label: str, field: type, **options: object) -> dict[str, object]:
    """A field per edited language: ``name_fi``, ``name_sv`` … labelled "Name (in Finnish)"."""
    return {
        language: field(_l("%(what)s (%(language)s)", what=label, language=name), **options)
        for language, name in _LANGUAGE_NAMES.items()
    }


class _Named(FlaskForm):
    """A catalog record's code and its name in each of the staff site's languages."""

    code = _code_field()
    name_fi, name_sv, name_en = _per_language(
        _l("Name"), StringField, validators=[DataRequired(), Length(max=200)]
    ).values()

    def names(self) -> dict[str, str]:
        return {language: self[f"name_{language}"].data.strip() for language in EDITED_LANGUAGES}

    def fill_names(self, names: dict) -> None:
        for language in EDITED_LANGUAGES:
            self[f"name_{language}"].data = names.get(language, "")


class SupplierForm(FlaskForm):
    code = _code_field()
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])

    def draft(self) -> SupplierDraft:
        return SupplierDraft(code=self.code.data.strip(), name=self.name.data.strip())


class DepartmentForm(_Named):
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=320)])
    tracker_project = StringField(
        _l("Tracker project (the department's code when empty)"),
        validators=[Optional(), Length(max=64)],
    )
    active = BooleanField(_l("Active"), default=True)
    notify_in_development = BooleanField(
        _l("Tell citizens when the development team starts work on their problem")
    )
    language = SelectField(
        _l("Working language (ticket titles; the team's words for citizens are written in it)"),
        choices=LANGUAGE_CHOICES,
        default="",
    )
    hold_untranslated = BooleanField(
        _l("Hold a citizen's notice until the team's words are translated into their language")
    )

    def draft(self) -> DepartmentDraft:
        return DepartmentDraft(
            code=self.code.data.strip(),
            names=self.names(),
            email=self.email.data or None,
            tracker_project=(self.tracker_project.data or "").strip() or None,
            active=bool(self.active.data),
            notify_in_development=bool(self.notify_in_development.data),
            language=self.language.data or None,
            hold_untranslated=bool(self.hold_untranslated.data),
        )


class EServiceForm(_Named):
    department = SelectField(_l("Department"), choices=[], validators=[DataRequired()])
    supplier = SelectField(_l("Supplier"), choices=[], default="")
    url = URLField(_l("Address (URL)"), validators=[Optional(), URL(), Length(max=500)])
    keywords_fi, keywords_sv, keywords_en = _per_language(
        _l("Keywords, one per line"), TextAreaField, validators=[Length(max=5000)]
    ).values()
    survey_frame = SelectField(_l("Survey"), choices=[])
    service_type = SelectField(
        _l("Service type, to compare with other cities"), choices=[], default=""
    )
    active = BooleanField(_l("Active"), default=True)
    open311_attributes = TextAreaField(
        _l("Open311 attributes, one per line"), validators=[Length(max=20000)]
    )

    def fill_keywords(self, keywords: dict) -> None:
        for language in EDITED_LANGUAGES:
            self[f"keywords_{language}"].data = "\n".join(keywords.get(language, []))

    def draft(self) -> EServiceDraft:
        return EServiceDraft(
            code=self.code.data.strip(),
            names=self.names(),
            department=self.department.data,
            supplier=self.supplier.data or None,
            url=self.url.data or None,
            keywords={
                language: list(parse_phrases(self[f"keywords_{language}"].data or ""))
                for language in EDITED_LANGUAGES
            },
            survey_frame=self.survey_frame.data,
            active=bool(self.active.data),
            open311_attributes=self.open311_attributes.data or "",
            service_type=self.service_type.data or None,
        )


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=320)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(
        _l("Role"), choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]
    )
    departments = SelectMultipleField(
        _l("Departments (handlers only; none: the whole city)"), choices=[], default=[]
    )
    supplier = SelectField(_l("Supplier (supplier users only)"), choices=[], default="")
    password = PasswordField(
        _l("New password (at least %(count)d characters)", count=MIN_PASSWORD),
        validators=[Optional(), Length(min=MIN_PASSWORD, max=200)],
    )
    active = BooleanField(_l("Active (may sign in)"), default=True)

    def draft(self) -> UserDraft:
        return UserDraft(
            email=self.email.data,
            name=(self.name.data or "").strip() or None,
            role=self.role.data,
            department_codes=tuple(self.departments.data or ()),
            supplier_code=self.supplier.data or None,
            password=self.password.data or None,
            active=bool(self.active.data),
        )


class FrameForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(r"^[a-z][a-z0-9_-]{0,39}$", message=FRAME_CODE_MESSAGE),
        ],
    )
    department = SelectField(_l("Department"), choices=[], default="")
    title_fi, title_sv, title_en = _per_language(
        _l("Title"), StringField, validators=[DataRequired(), Length(max=200)]
    ).values()
    questions = TextAreaField(
        _l("Questions (JSON, as in the common survey)"),
        validators=[DataRequired(), Length(max=50_000)],
    )

    def validate_questions(self, field: TextAreaField) -> None:
        try:
            parsed = guarded_json.loads(field.data)
        except ValueError as error:
            raise ValidationError(_l("Not valid JSON: %(error)s", error=str(error))) from error
        if not isinstance(parsed, list):
            raise ValidationError(_l("Must be a list of questions."))

    def fill(self, titles: dict, questions: list) -> None:
        for language in EDITED_LANGUAGES:
            self[f"title_{language}"].data = titles.get(language, "")
        self.questions.data = json.dumps(questions, ensure_ascii=False, indent=2)

    def draft(self) -> FrameDraft:
        return FrameDraft(
            code=self.code.data.strip(),
            titles={
                language: self[f"title_{language}"].data.strip() for language in EDITED_LANGUAGES
            },
            questions=guarded_json.loads(self.questions.data),
            department=self.department.data or None,
        )


class PeerForm(FlaskForm):
    """A city to exchange benchmark files with (app/services/benchmark/exchange.py)."""

    code = StringField(
        _l("The city's code, as its files name it"),
        validators=[DataRequired(), Length(max=64)],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    public_key = StringField(
        _l("Public key (base64, as the city's `benchmark keygen` printed it)"),
        validators=[DataRequired(), Length(max=64)],
    )
    export_url = URLField(
        _l("Export address, to fetch its files every day (optional)"),
        validators=[Optional(), URL(require_tld=False), Length(max=500)],
    )
    fetch_token = PasswordField(
        _l("Token the city gave for fetching (optional)"), validators=[Optional(), Length(max=200)]
    )
    active = BooleanField(_l("Active"), default=True)
    show_name = BooleanField(
        _l("Show its name where its files allow it (else shown anonymised)"), default=True
    )

    def draft(self) -> PeerDraft:
        return PeerDraft(
            code=self.code.data.strip(),
            name=self.name.data.strip(),
            public_key=self.public_key.data.strip(),
            export_url=self.export_url.data or None,
            fetch_token=self.fetch_token.data or None,
            active=bool(self.active.data),
            show_name=bool(self.show_name.data),
        )
