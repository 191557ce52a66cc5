"""Data protection on the staff site, for admins: data-subject requests and the audit log.

The person's e-mail address or phone number travels only in POST bodies, never in a URL,
so it does not end up in access logs or browser history.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.services.audit import audit_events
from app.services.subject_requests import (
    SubjectQueryError,
    erase_subject,
    export_subject,
    find_subject,
    parse_query,
    withdraw_consent,
)
from app.web.auth import roles_required
from app.web.blueprints import staff_bp
from app.web.forms import FilterDateField

MAX_QUERY = 320


def _subject_query(form: FlaskForm, field: StringField | HiddenField) -> None:
    try:
        parse_query(field.data or "")
    except SubjectQueryError as error:
        raise ValidationError(_("Give an e-mail address or a phone number.")) from error


class SubjectSearchForm(FlaskForm):
    query = StringField(
        _l("E-mail address or phone number"),
        validators=[DataRequired(), Length(max=MAX_QUERY), _subject_query],
    )


class SubjectActionForm(FlaskForm):
    """Export or withdraw consent: the query found before, posted back."""

    query = HiddenField(validators=[DataRequired(), Length(max=MAX_QUERY), _subject_query])


class ErasureForm(SubjectActionForm):
    confirm = BooleanField(
        _l("I have checked the request and want to erase this person's data"),
        validators=[InputRequired(message=_l("Confirm the erasure."))],
    )


class AuditFilterForm(FlaskForm):
    """A GET form that changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    actor = StringField(_l("Actor's e-mail"), validators=[Optional(), Length(max=320)])
    action = StringField(_l("Action (or its start)"), validators=[Optional(), Length(max=64)])
    since = FilterDateField(_l("From"))
    until = FilterDateField(_l("To"))


def _page(
    search: SubjectSearchForm, found: object = None, erasure: ErasureForm | None = None
) -> ResponseReturnValue:
    page = render_template(
        "staff/privacy.html",
        form=search,
        found=found,
        found_query=search.query.data if found is not None else None,
        erasure_form=erasure or ErasureForm(formdata=None),
    )
    return page, 422 if search.errors or (erasure and erasure.errors) else 200


@staff_bp.route("/privacy", methods=["GET", "POST"])
@roles_required("admin")
def privacy() -> ResponseReturnValue:
    form = SubjectSearchForm()
    if form.validate_on_submit():
        return _page(form, find_subject(form.query.data, current_user))
    return _page(form)


@staff_bp.post("/privacy/export")
@roles_required("admin")
def privacy_export() -> ResponseReturnValue:
    form = SubjectActionForm()
    if not form.validate_on_submit():
        return _invalid(form)
    document = export_subject(form.query.data, current_user)
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="subject-access-export.json"'},
    )


@staff_bp.post("/privacy/withdraw")
@roles_required("admin")
def privacy_withdraw() -> ResponseReturnValue:
    form = SubjectActionForm()
    if not form.validate_on_submit():
        return _invalid(form)
    suppressed = withdraw_consent(form.query.data, current_user)
    flash(
        _("Consent withdrawn; %(count)d queued notices will not be sent.", count=suppressed),
        "success",
    )
    return redirect(url_for("staff.privacy"))


@staff_bp.post("/privacy/erase")
@roles_required("admin")
def privacy_erase() -> ResponseReturnValue:
    form = ErasureForm()
    if not form.validate_on_submit():
        # Show the person again with the erasure form's errors.
        search = SubjectSearchForm(query=form.query.data)
        if form.query.errors:
            return _invalid(form)
        return _page(search, find_subject(form.query.data, current_user), erasure=form)
    report = erase_subject(form.query.data, current_user)
    flash(
        _(
            "Erased: %(contacts)d contacts, %(items)d feedback texts anonymised.",
            contacts=report.contacts,
            items=report.items,
        ),
        "success",
    )
    return redirect(url_for("staff.privacy"))


def _invalid(form: SubjectActionForm) -> ResponseReturnValue:
    """A tampered or expired action form: start again from the search."""
    search = SubjectSearchForm(formdata=None)
    search.query.errors = [error for errors in form.errors.values() for error in errors]
    return _page(search)


def _local_day_start(day: date | None) -> datetime | None:
    """Midnight of ``day`` in the city's time zone, in UTC (invariant 7)."""
    if day is None:
        return None
    city = ZoneInfo(current_app.config["TIME_ZONE"])
    return datetime.combine(day, time.min, tzinfo=city).astimezone(UTC)


@staff_bp.get("/audit")
@roles_required("admin")
def audit_log() -> ResponseReturnValue:
    form = AuditFilterForm(request.args)
    events = []
    if form.validate():
        until = _local_day_start(form.until.data)
        events = audit_events(
            actor=form.actor.data or None,
            action=form.action.data or None,
            since=_local_day_start(form.since.data),
            # "To" is the last day shown, so the window ends when that day does.
            until=until + timedelta(days=1) if until else None,
        )
    status = 422 if form.errors else 200
    return render_template("staff/audit.html", form=form, events=events), status
