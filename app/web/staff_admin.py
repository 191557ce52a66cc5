"""The admin area: staff accounts, the catalog (departments, e-services, suppliers) and survey
frames. Routing rules keep their own page (app/web/staff_routing.py), linked from here.

Every kind of record has the same two pages, a list with a form for a new one and an edit
page; a ``Section`` says what differs. Nothing is deleted here: records are deactivated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.i18n import current_language
from app.models import BenchmarkPeer, Department, EService, Supplier, SurveyFrame, User
from app.services.admin import (
    AdminError,
    catalog_records,
    save_department,
    save_eservice,
    save_frame,
    save_supplier,
    survey_frame_codes,
    survey_frames,
)
from app.services.admin_users import save_user, staff_users
from app.services.benchmark.exchange import peers, save_peer
from app.services.benchmark.types import type_choices, type_name
from app.services.open311_catalog import attribute_lines
from app.web.admin_forms import (
    ROLE_LABELS,
    DepartmentForm,
    EServiceForm,
    FrameForm,
    PeerForm,
    SupplierForm,
    UserForm,
)
from app.web.auth import roles_required
from app.web.blueprints import staff_bp


@dataclass(frozen=True)
class Section:
    """One kind of record in the admin area."""

    name: str  # the list page is staff.admin_<name>, the edit page its singular
    model: type
    id_name: str  # the edit page's URL argument
    title: str
    new_title: str
    headers: tuple[str, ...]
    records: Callable[[], list]
    row: Callable[[object], tuple[int, tuple[str, ...]]]  # (id to edit, the cells)
    form: Callable[[object | None], FlaskForm]
    save: Callable[[object | None, object, User], object]
    hints: dict[str, str] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return f"staff.admin_{self.name}"

    def edit_url(self, record_id: int) -> str:
        return url_for(f"staff.admin_{self.name[:-1]}", **{self.id_name: record_id})


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _name(record: object | None) -> str:
    return record.name_in(current_language()) if record is not None else "—"


def _choices(model: type, blank: str | None = None) -> list[SelectChoice]:
    """Every department or supplier, inactive ones too: a record may still point at one."""
    label = _name if model is not Supplier else (lambda supplier: supplier.name)
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(r.code, label(r)) for r in catalog_records(model)]


def _shown(record: object | None) -> object | None:
    """The record to fill a form from: only when showing it; a posted form is read from
    what was posted alone (a browser sends nothing for an empty multiple choice)."""
    return record if request.method == "GET" else None


# --- the sections -------------------------------------------------------------------------


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=_shown(user))
    form.departments.choices = _choices(Department)
    form.supplier.choices = _choices(Supplier, "—")
    if user is not None and request.method == "GET":
        form.departments.data = [department.code for department in user.departments]
        form.supplier.data = user.supplier.code if user.supplier else ""
    return form


def _user_row(user: User) -> tuple[int, tuple[str, ...]]:
    scope = ", ".join(d.code for d in user.departments) or (
        user.supplier.name if user.supplier else ""
    )
    role = str(ROLE_LABELS[user.role])
    return user.id, (user.email, user.name or "", role, scope, _yes_no(user.active))


def _department_form(department: Department | None) -> DepartmentForm:
    form = DepartmentForm(obj=_shown(department))
    if department is not None and request.method == "GET":
        form.fill_names(department.names)
    return form


def _department_row(department: Department) -> tuple[int, tuple[str, ...]]:
    return department.id, (
        department.code,
        _name(department),
        department.tracker_project or "",
        _yes_no(department.notify_in_development),
        _yes_no(department.active),
    )


def _eservice_form(eservice: EService | None) -> EServiceForm:
    form = EServiceForm(obj=_shown(eservice))
    form.department.choices = _choices(Department)
    form.supplier.choices = _choices(Supplier, "—")
    form.survey_frame.choices = [SelectChoice(code, code) for code in survey_frame_codes()]
    form.service_type.choices = [
        SelectChoice("", _("None: not compared")),
        *(SelectChoice(code, name) for code, name in type_choices(current_language())),
    ]
    if eservice is not None and request.method == "GET":
        form.fill_names(eservice.names)
        form.fill_keywords(eservice.keywords or {})
        form.open311_attributes.data = attribute_lines(eservice)
        form.department.data = eservice.department.code
        form.supplier.data = eservice.supplier.code if eservice.supplier else ""
        form.service_type.data = eservice.service_type or ""
    return form


def _eservice_row(eservice: EService) -> tuple[int, tuple[str, ...]]:
    return eservice.id, (
        eservice.code,
        _name(eservice),
        _name(eservice.department),
        eservice.supplier.name if eservice.supplier else "—",
        eservice.survey_frame,
        type_name(eservice.service_type, current_language()) if eservice.service_type else "—",
        _yes_no(eservice.active),
    )


def _frame_form(frame: SurveyFrame | None) -> FrameForm:
    form = FrameForm(obj=_shown(frame))
    form.department.choices = _choices(Department, _("The whole city"))
    if frame is not None:
        # A frame keeps its code: e-services and answers refer to it.
        form.code.render_kw = {"readonly": True}
        if request.method == "GET":
            form.fill(frame.titles, frame.questions)
            form.department.data = frame.department.code if frame.department else ""
    return form


def _frame_row(versions: list[SurveyFrame]) -> tuple[int, tuple[str, ...]]:
    newest = versions[0]
    return newest.id, (
        newest.code,
        _name(newest.department) if newest.department else _("The whole city"),
        ", ".join(str(frame.version) for frame in versions),
        str(len(newest.questions)),
    )


def _peer_row(peer: BenchmarkPeer) -> tuple[int, tuple[str, ...]]:
    return peer.id, (
        peer.code,
        peer.name,
        peer.key_id,
        peer.export_url or "—",
        _yes_no(peer.active),
    )


SECTIONS = {
    section.name: section
    for section in (
        Section(
            "users",
            User,
            "user_id",
            _l("Users"),
            _l("New user"),
            (_l("E-mail"), _l("Name"), _l("Role"), _l("Scope"), _l("Active")),
            staff_users,
            _user_row,
            _user_form,
            save_user,
            {"password": _l("When editing, leave empty to keep the current password.")},
        ),
        Section(
            "departments",
            Department,
            "department_id",
            _l("Departments"),
            _l("New department"),
            (
                _l("Code"),
                _l("Name"),
                _l("Tracker project"),
                _l("In development notices"),
                _l("Active"),
            ),  # fmt: skip
            lambda: catalog_records(Department),
            _department_row,
            _department_form,
            save_department,
        ),
        Section(
            "eservices",
            EService,
            "eservice_id",
            _l("E-services"),
            _l("New e-service"),
            (
                _l("Code"),
                _l("Name"),
                _l("Department"),
                _l("Supplier"),
                _l("Survey"),
                _l("Service type"),
                _l("Active"),
            ),  # fmt: skip
            lambda: catalog_records(EService),
            _eservice_row,
            _eservice_form,
            save_eservice,
            hints={
                "open311_attributes": _l(
                    "What Open311 apps ask the citizen: code | type | question | required or "
                    "optional | choices as key=Name; key=Name. Types: string, number, "
                    "datetime, text, singlevaluelist, multivaluelist."
                )
            },
        ),
        Section(
            "suppliers",
            Supplier,
            "supplier_id",
            _l("Suppliers"),
            _l("New supplier"),
            (_l("Code"), _l("Name")),
            lambda: catalog_records(Supplier),
            lambda supplier: (supplier.id, (supplier.code, supplier.name)),
            lambda supplier: SupplierForm(obj=_shown(supplier)),
            save_supplier,
        ),
        Section(
            "surveys",
            SurveyFrame,
            "frame_id",
            _l("Survey frames"),
            _l("New survey frame"),
            (_l("Code"), _l("Department"), _l("Versions, newest first"), _l("Questions")),
            survey_frames,
            _frame_row,
            _frame_form,
            save_frame,
            {
                "questions": _l(
                    'A list of questions, each {"key", "type": scale, choice or text, '
                    '"required", "labels": {language: text}}; a choice also has "options", '
                    'a scale may have "anchors" for its points 1 to 5. Changed questions make '
                    "a new version; answers already given keep theirs."
                )
            },
        ),
        Section(
            "peers",
            BenchmarkPeer,
            "peer_id",
            _l("Cities to compare with"),
            _l("New city"),
            (_l("Code"), _l("Name"), _l("Key id"), _l("Export address"), _l("Active")),
            peers,
            _peer_row,
            lambda peer: PeerForm(obj=_shown(peer)),
            save_peer,
            {"fetch_token": _l("When editing, leave empty to keep the current token.")},
        ),
    )
}


# --- the pages ----------------------------------------------------------------------------


def _saved(section: Section, form: FlaskForm, record: object | None) -> object | None:
    """Validate and save; None with field errors on the form when the input is refused."""
    if not form.validate_on_submit():
        return None
    try:
        return section.save(record, form.draft(), current_user)
    except AdminError as error:
        db.session.rollback()
        for name, messages in error.messages.items():
            form[name].errors = [*form[name].errors, *messages]
        return None


def _list_page(name: str) -> ResponseReturnValue:
    section = SECTIONS[name]
    form = section.form(None)
    if request.method == "POST" and _saved(section, form, None) is not None:
        flash(_("Saved."), "success")
        return redirect(url_for(section.endpoint))
    rows = [section.row(record) for record in section.records()]
    page = render_template("staff/admin_records.html", section=section, rows=rows, form=form)
    return page, 400 if form.errors else 200


def _edit_page(name: str, record_id: int) -> ResponseReturnValue:
    section = SECTIONS[name]
    record = db.get_or_404(section.model, record_id)
    form = section.form(record)
    if request.method == "POST" and _saved(section, form, record) is not None:
        flash(_("Saved."), "success")
        return redirect(url_for(section.endpoint))
    # A staff account is known by its e-mail address, everything else by its code.
    label = record.email if isinstance(record, User) else record.code
    page = render_template(
        "staff/admin_record.html", section=section, label=label, record=record, form=form
    )
    return page, 400 if form.errors else 200


@staff_bp.get("/admin")
@roles_required("admin")
def admin() -> ResponseReturnValue:
    return render_template("staff/admin.html", sections=SECTIONS.values())


@staff_bp.route("/admin/users", methods=["GET", "POST"])
@roles_required("admin")
def admin_users() -> ResponseReturnValue:
    return _list_page("users")


@staff_bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_user(user_id: int) -> ResponseReturnValue:
    return _edit_page("users", user_id)


@staff_bp.route("/admin/departments", methods=["GET", "POST"])
@roles_required("admin")
def admin_departments() -> ResponseReturnValue:
    return _list_page("departments")


@staff_bp.route("/admin/departments/<int:department_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_department(department_id: int) -> ResponseReturnValue:
    return _edit_page("departments", department_id)


@staff_bp.route("/admin/eservices", methods=["GET", "POST"])
@roles_required("admin")
def admin_eservices() -> ResponseReturnValue:
    return _list_page("eservices")


@staff_bp.route("/admin/eservices/<int:eservice_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_eservice(eservice_id: int) -> ResponseReturnValue:
    return _edit_page("eservices", eservice_id)


@staff_bp.route("/admin/suppliers", methods=["GET", "POST"])
@roles_required("admin")
def admin_suppliers() -> ResponseReturnValue:
    return _list_page("suppliers")


@staff_bp.route("/admin/suppliers/<int:supplier_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_supplier(supplier_id: int) -> ResponseReturnValue:
    return _edit_page("suppliers", supplier_id)


@staff_bp.route("/admin/surveys", methods=["GET", "POST"])
@roles_required("admin")
def admin_surveys() -> ResponseReturnValue:
    return _list_page("surveys")


@staff_bp.route("/admin/surveys/<int:frame_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_survey(frame_id: int) -> ResponseReturnValue:
    return _edit_page("surveys", frame_id)


@staff_bp.route("/admin/peers", methods=["GET", "POST"])
@roles_required("admin")
def admin_peers() -> ResponseReturnValue:
    return _list_page("peers")


@staff_bp.route("/admin/peers/<int:peer_id>", methods=["GET", "POST"])
@roles_required("admin")
def admin_peer(peer_id: int) -> ResponseReturnValue:
    return _edit_page("peers", peer_id)
