"""Failed work on the staff site: what keeps failing, why, and a retry button."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Feedback, Notice, Ticket
from app.services.failures import (
    failed_work,
    failure_scope,
    retry_item,
    retry_notice,
    retry_ticket,
)
from app.web.auth import roles_required
from app.web.blueprints import staff_bp
from app.web.forms import ActionForm

_RETRIES = {
    "item": (Feedback, retry_item),
    "notice": (Notice, retry_notice),
    "ticket": (Ticket, retry_ticket),
}


@staff_bp.get("/failures")
@roles_required("handler", "admin")
def failures() -> ResponseReturnValue:
    return render_template("staff/failures.html", work=failed_work(current_user), form=ActionForm())


@staff_bp.post("/failures/<kind>/<int:record_id>/retry")
@roles_required("handler", "admin")
def retry_failed(kind: str, record_id: int) -> ResponseReturnValue:
    if kind not in _RETRIES or not ActionForm().validate_on_submit():
        abort(400)
    model, retry = _RETRIES[kind]
    query = select(model).where(model.id == record_id, failure_scope(kind, current_user))
    retry(db.first_or_404(query), current_user)
    flash(_("Queued again."), "success")
    return redirect(url_for("staff.failures"))
