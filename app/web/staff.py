"""The staff site: agents record calls, staff follow tickets."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.extensions import db, limiter, login_manager
from app.i18n import current_language
from app.models import CallImport, Department, EService, User
from app.services.access import visible_ticket, visible_tickets
from app.services.accounts import authenticate
from app.services.call_import import UploadError, start_import
from app.services.catalog import department_names
from app.services.contacts import find_contact
from app.services.grouping import triage_suggestions
from app.services.intake import submit_feedback
from app.services.tickets import set_local_status
from app.services.triage import reroute, triage_queue
from app.services.understanding import likely_departments
from app.web.auth import roles_required, visible_feedback_or_404
from app.web.blueprints import staff_bp
from app.web.call_import_messages import translated_reason
from app.web.forms import (
    ActionForm,
    AgentFeedbackForm,
    CallLogUploadForm,
    LoginForm,
    RerouteForm,
    eservice_choices,
)
from integrations.call_logs import MappingError, shipped_mappings
from integrations.tracker import STATUS_CATEGORIES

login_manager.login_view = "staff.login"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    account, _, version = session_id.partition(".")
    if not account.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(account))
    # A deactivated account's open sessions end with its next request; so do the sessions
    # of an account that signed out or changed its password since.
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


@staff_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            # A token seen before signing in is not the signed-in session's (Flask-WTF also
            # keeps the request's token on g).
            session.pop("csrf_token", None)
            g.pop("csrf_token", None)
            login_user(user)
            return redirect(url_for("staff.home"))
        form.password.errors.append(_("Wrong e-mail or password."))
    return render_template("staff/login.html", form=form)


@staff_bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    return redirect(url_for("staff.login"))


@staff_bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    start = {
        "agent": "staff.new_feedback",
        "admin": "staff.new_feedback",
        "handler": "staff.department_inbox",
        "analyst": "staff.insight",
        "supplier": "staff.supplier",
    }
    return redirect(url_for(start.get(current_user.role, "staff.tickets")))


@staff_bp.route("/feedback/new", methods=["GET", "POST"])
@roles_required("agent", "handler", "admin")
def new_feedback() -> ResponseReturnValue:
    form = AgentFeedbackForm()
    form.eservice.choices = eservice_choices(current_language())
    if request.method == "POST" and "lookup" in request.form:
        contact = find_contact(email=form.email.data, phone=form.phone.data)
        if contact is None:
            flash(_("No earlier caller with that e-mail or phone."), "info")
        else:
            form.prefill(contact)
            flash(_("Returning caller: details filled in."), "info")
        return render_template("staff/feedback_form.html", form=form)
    if form.validate_on_submit():
        result = submit_feedback(form.submission(), agent=current_user, identified_caller=True)
        flash(_("Feedback recorded."), "success")
        return redirect(url_for("staff.feedback_detail", public_id=result.feedback.public_id))
    return render_template("staff/feedback_form.html", form=form), 422 if form.errors else 200


@staff_bp.route("/calls/import", methods=["GET", "POST"])
@roles_required("agent", "handler", "admin")
def import_calls() -> ResponseReturnValue:
    # Exports are large: this route's body limit is CALL_LOG_MAX_BYTES (app/input_guard.py).
    form = CallLogUploadForm()
    form.mapping.choices = shipped_mappings()
    if form.validate_on_submit():
        upload = form.export.data
        try:
            run = start_import(upload.stream, upload.filename, form.mapping.data, current_user)
        except (UploadError, MappingError) as error:
            form.export.errors.append(translated_reason(str(error)))
        else:
            return redirect(url_for("staff.call_import", import_id=run.id))
    recent = db.session.scalars(select(CallImport).order_by(CallImport.id.desc()).limit(20))
    status = 422 if form.errors else 200
    return render_template("staff/calls_import.html", form=form, imports=recent), status


@staff_bp.get("/calls/import/<int:import_id>")
@roles_required("agent", "handler", "admin")
def call_import(import_id: int) -> ResponseReturnValue:
    return render_template(
        "staff/call_import.html",
        run=db.get_or_404(CallImport, import_id),
        translated_reason=translated_reason,
    )


@staff_bp.get("/calls/import/<int:import_id>/progress")
@roles_required("agent", "handler", "admin")
def call_import_progress(import_id: int) -> ResponseReturnValue:
    run = db.get_or_404(CallImport, import_id)
    fields = ("state", "rows", "stored", "known", "skipped", "rejected")
    return jsonify({name: getattr(run, name) for name in fields})


def _reroute_form(language: str) -> RerouteForm:
    form = RerouteForm()
    form.eservice.choices = eservice_choices(language)
    form.department.choices = [SelectChoice("", "—")] + [
        SelectChoice(code, name) for code, name in department_names(language)
    ]
    return form


@staff_bp.get("/triage")
@roles_required("handler", "admin")
def triage() -> ResponseReturnValue:
    form = _reroute_form(current_language())
    items = triage_queue()
    # The two most likely departments for a one-click choice (the models' view: below the
    # routing threshold, so a handler decides).
    likely = {item.id: likely_departments(item) for item in items}
    return render_template(
        "staff/triage.html",
        items=items,
        form=form,
        likely=likely,
        # The open problems each item most probably reports (joining one routes it there).
        suggestions=triage_suggestions(items),
    )


@staff_bp.post("/feedback/<public_id>/route")
@roles_required("handler", "admin")
def route_item(public_id: str) -> ResponseReturnValue:
    item = visible_feedback_or_404(public_id)
    form = _reroute_form(current_language())
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(request.referrer or url_for("staff.triage"))
    eservice = db.session.scalars(
        select(EService).where(EService.code == form.eservice.data)
    ).first()
    department = db.session.scalars(
        select(Department).where(Department.code == form.department.data)
    ).first()
    reroute(item, current_user, eservice=eservice, department=department)
    flash(
        _("Routed to %(department)s.", department=item.department.name_in(current_language())),
        "success",
    )
    return redirect(request.referrer or url_for("staff.triage"))


@staff_bp.get("/tickets")
@login_required
def tickets() -> ResponseReturnValue:
    return render_template("staff/tickets.html", tickets=visible_tickets(current_user))


@staff_bp.post("/tickets/<key>/status")
@roles_required("handler", "developer", "admin")
def change_ticket_status(key: str) -> ResponseReturnValue:
    ticket = visible_ticket(current_user, key=key)
    if ticket is None or ticket.tracker != "local":
        abort(404)
    category = request.form.get("category")
    if not ActionForm().validate_on_submit() or category not in STATUS_CATEGORIES:
        abort(400)
    set_local_status(ticket, category)
    flash(_("Ticket updated."), "success")
    return redirect(url_for("staff.ticket_detail", key=key))
