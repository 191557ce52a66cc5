"""Deadlines on the staff site: admins set departments' targets and heads; handlers see
what is overdue in their departments."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.i18n import current_language
from app.models import Department, EService
from app.services.deadlines import (
    deadline_overview,
    default_targets,
    overdue_work,
    set_department_deadlines,
    set_eservice_deadlines,
    targets_of,
)
from app.web.auth import roles_required
from app.web.blueprints import staff_bp
from app.web.forms import DepartmentDeadlinesForm, EServiceDeadlinesForm


@staff_bp.get("/overdue")
@roles_required("handler", "admin")
def overdue() -> ResponseReturnValue:
    return render_template("staff/overdue.html", work=overdue_work(current_user))


@staff_bp.get("/deadlines")
@roles_required("admin")
def deadlines() -> ResponseReturnValue:
    return render_template(
        "staff/deadlines.html", overview=deadline_overview(), defaults=default_targets()
    )


def _department(code: str) -> Department:
    department = db.session.scalars(select(Department).where(Department.code == code)).first()
    return department or abort(404)


def _eservice_form(department: Department) -> EServiceDeadlinesForm:
    # A prefix: both forms share one page, and their fields' ids must differ.
    form = EServiceDeadlinesForm(prefix="eservice")
    language = current_language()
    eservices = db.session.scalars(
        select(EService).where(EService.department_id == department.id).order_by(EService.code)
    )
    form.eservice.choices = [(eservice.code, eservice.name_in(language)) for eservice in eservices]
    return form


def _department_form(department: Department) -> DepartmentDeadlinesForm:
    """The department's form as saved (``formdata=None``: not what another form posted)."""
    own = targets_of(department)
    return DepartmentDeadlinesForm(
        formdata=None,
        first_handling_hours=own.first_handling_hours,
        resolution_days=own.resolution_days,
        head_name=department.head_name,
        head_email=department.head_email,
    )


def _department_page(
    department: Department, form: DepartmentDeadlinesForm, eservice_form: EServiceDeadlinesForm
) -> ResponseReturnValue:
    page = render_template(
        "staff/deadlines_department.html",
        department=department,
        form=form,
        eservice_form=eservice_form,
        deadlines=deadline_overview(department)[0],
        defaults=default_targets(),
    )
    return page, 400 if form.errors or eservice_form.errors else 200


@staff_bp.route("/deadlines/<department>", methods=["GET", "POST"])
@roles_required("admin")
def department_deadlines(department: str) -> ResponseReturnValue:
    chosen = _department(department)
    if request.method == "GET":
        return _department_page(chosen, _department_form(chosen), _eservice_form(chosen))
    form = DepartmentDeadlinesForm()
    if form.validate_on_submit():
        set_department_deadlines(
            chosen,
            form.targets(),
            (form.head_name.data or "").strip() or None,
            form.head_email.data or None,
            current_user,
        )
        flash(_("Deadlines saved."), "success")
        return redirect(url_for("staff.department_deadlines", department=chosen.code))
    return _department_page(chosen, form, _eservice_form(chosen))


@staff_bp.post("/deadlines/<department>/eservices")
@roles_required("admin")
def eservice_deadlines(department: str) -> ResponseReturnValue:
    chosen = _department(department)
    eservice_form = _eservice_form(chosen)
    if not eservice_form.validate_on_submit():
        return _department_page(chosen, _department_form(chosen), eservice_form)
    eservice = db.session.scalars(
        select(EService).where(EService.code == eservice_form.eservice.data)
    ).one()
    set_eservice_deadlines(chosen, eservice, eservice_form.targets(), current_user)
    flash(_("Deadlines saved."), "success")
    return redirect(url_for("staff.department_deadlines", department=chosen.code))
