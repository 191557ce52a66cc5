"""/survey/<eservice>: the survey an e-service links to after a transaction.

Server-rendered and usable without JavaScript. The form is built from the frame the
citizen was shown (its version travels in the form), so answers are recorded against
the questions they answered even if the frame changed meanwhile.
"""

from __future__ import annotations

import secrets

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Field, HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.extensions import db, limiter
from app.i18n import current_language
from app.models import EService, Feedback, SurveyFrame
from app.services.surveys import (
    MAX_ANSWER_TEXT,
    MAX_CLIENT_REF,
    SurveyError,
    UnknownEServiceError,
    active_eservice,
    frame_for,
    label_in,
    record_response,
)
from app.web.blueprints import public_bp

FIELD_PREFIX = "q_"  # keeps question keys clear of the form's own attributes


class SurveyForm(FlaskForm):
    # The e-service's transaction reference (?ref=) or one made for this page, so a second
    # press of "Send" stores nothing new.
    client_ref = HiddenField(validators=[DataRequired(), Length(max=MAX_CLIENT_REF)])
    frame_version = HiddenField()

    def questions(self) -> list[Field]:
        return [field for field in self if field.name.startswith(FIELD_PREFIX)]

    def answers(self) -> dict:
        return {
            field.name.removeprefix(FIELD_PREFIX): field.data
            for field in self.questions()
            if field.data not in (None, "")
        }

    def add_errors(self, messages: dict) -> None:
        """Put the service's messages (it re-checks the answers) on the fields they are
        about; one about the answers as a whole goes on the first question."""
        for name, errors in messages.items():
            if name == "answers" and isinstance(errors, dict):
                for key, answer_errors in errors.items():
                    self._add_error(self._fields.get(FIELD_PREFIX + key), answer_errors)
            else:
                self._add_error(None, errors)
        self._errors = None  # WTForms caches form.errors; recompute with these

    def _add_error(self, field: Field | None, errors: list[str]) -> None:
        field = field or next(iter(self.questions()), self.client_ref)
        field.errors = [*field.errors, *errors]


def _question_field(question: dict, language: str) -> Field:
    label = label_in(question["labels"], language)
    answer = (
        InputRequired(message=_l("Please answer this question."))
        if question["required"]
        else Optional()
    )
    if question["type"] == "text":
        return TextAreaField(
            label,
            validators=[answer, Length(max=MAX_ANSWER_TEXT)],
            render_kw={"maxlength": MAX_ANSWER_TEXT, "rows": 5},
        )
    if question["type"] == "scale":
        anchors = question.get("anchors", {})
        choices = [
            SelectChoice(
                point,
                f"{point} – {label_in(anchors[str(point)], language)}"
                if str(point) in anchors
                else str(point),
            )
            for point in range(1, 6)
        ]
        coerce = int
    else:
        choices = [
            SelectChoice(option["value"], label_in(option["labels"], language))
            for option in question["options"]
        ]
        coerce = str
    return RadioField(
        label,
        choices=choices,
        coerce=coerce,
        validators=[answer],
        invalid_choice_message=_l("Choose one of the options."),
        invalid_value_message=_l("Choose one of the options."),
    )


def survey_form(frame: SurveyFrame, language: str) -> SurveyForm:
    form_class = type("FrameSurveyForm", (SurveyForm,), {})
    for question in frame.questions:
        setattr(form_class, FIELD_PREFIX + question["key"], _question_field(question, language))
    return form_class()


def _shown_frame(eservice: EService) -> SurveyFrame:
    """The frame version the citizen was shown (posted back with the form), else the newest."""
    version = request.form.get("frame_version", "")
    if request.method == "POST" and version.isdigit():
        try:
            return frame_for(eservice, int(version))
        except SurveyError:
            pass  # a version that never existed: show the current survey
    return frame_for(eservice)


@public_bp.route("/survey/<eservice>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"], methods=["POST"])
def survey(eservice: str) -> ResponseReturnValue:
    try:
        service = active_eservice(eservice)
    except UnknownEServiceError:
        abort(404)
    frame, language = _shown_frame(service), current_language()
    form = survey_form(frame, language)
    if request.method == "GET":
        reference = request.args.get("ref", "")[:MAX_CLIENT_REF].strip()
        form.client_ref.data = reference or secrets.token_urlsafe(16)
    form.frame_version.data = str(frame.version)
    if form.validate_on_submit():
        try:
            result = record_response(
                service.code,
                form.answers(),
                language,
                client_ref=form.client_ref.data,
                frame_version=frame.version,
            )
        except SurveyError as error:
            form.add_errors(error.messages)
        else:
            # Only the request that stored the comment gets its status link: a guessed
            # ?ref= of someone else's transaction must not lead to their item.
            item = result.feedback if result.created else None
            token = item.status_token if item is not None else None
            return redirect(url_for("public.survey_thanks", eservice=service.code, item=token))
    page = render_template(
        "public/survey.html",
        form=form,
        eservice=service,
        title=label_in(frame.titles, language),
        language=language,
    )
    return page, 422 if form.errors else 200


@public_bp.get("/survey/<eservice>/thanks")
def survey_thanks(eservice: str) -> ResponseReturnValue:
    service = db.first_or_404(select(EService).where(EService.code == eservice))
    token = request.args.get("item")
    item = (
        db.session.scalars(select(Feedback).where(Feedback.status_token == token)).first()
        if token
        else None
    )
    return render_template("public/survey_thanks.html", eservice=service, item=item)
