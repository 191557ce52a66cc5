"""The glossary on the staff site: admins' words for the parts of a service, and a test box."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.models import GlossaryEntry
from app.services.glossary import GlossaryError, list_entries, parts_named, save_entry
from app.web.auth import roles_required
from app.web.blueprints import staff_bp
from app.web.forms import PART_LABELS, GlossaryEntryForm, RoutingTrialForm


def _entry_form(entry: GlossaryEntry | None = None) -> GlossaryEntryForm:
    form = GlossaryEntryForm()
    if entry is not None and request.method == "GET":
        form.part.data = entry.part
        form.language.data = entry.language
        form.words.data = "\n".join(entry.words)
        form.active.data = entry.active
    return form


def _save(form: GlossaryEntryForm, entry: GlossaryEntry | None) -> GlossaryEntry | None:
    if not form.validate_on_submit():
        return None
    try:
        return save_entry(entry, form.draft(), current_user)
    except GlossaryError as error:
        db.session.rollback()
        form.words.errors.append(str(error))
        return None


@staff_bp.route("/grouping/glossary", methods=["GET", "POST"])
@roles_required("admin")
def glossary() -> ResponseReturnValue:
    form = _entry_form()
    if request.method == "POST" and _save(form, None) is not None:
        flash(_("The words are saved; they count from the next item grouped."), "success")
        return redirect(url_for("staff.glossary"))
    trial_form = RoutingTrialForm(request.args, prefix="try")
    named = None
    if trial_form.was_sent(request.args) and trial_form.validate():
        named = parts_named(trial_form.text.data, trial_form.language.data or None)
    page = render_template(
        "staff/glossary.html",
        entries=list_entries(),
        form=form,
        trial_form=trial_form,
        named=named,
        parts=PART_LABELS,
    )
    return page, 400 if form.errors else 200


@staff_bp.route("/grouping/glossary/<int:entry_id>", methods=["GET", "POST"])
@roles_required("admin")
def glossary_entry(entry_id: int) -> ResponseReturnValue:
    entry = db.get_or_404(GlossaryEntry, entry_id)
    form = _entry_form(entry)
    if request.method == "POST" and _save(form, entry) is not None:
        flash(_("The words are saved; they count from the next item grouped."), "success")
        return redirect(url_for("staff.glossary"))
    page = render_template("staff/glossary_entry.html", entry=entry, form=form)
    return page, 400 if form.errors else 200
