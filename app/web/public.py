"""Pages for citizens and the health check."""

from __future__ import annotations

import secrets

from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db, limiter
from app.i18n import citizen_language, current_language, known_language
from app.models import Feedback
from app.services.followup import followup_state
from app.services.health import health
from app.services.intake import submit_feedback
from app.services.metrics import prometheus_metrics
from app.services.outcomes import you_said_we_did
from app.services.translations import text_for
from app.web.blueprints import public_bp
from app.web.forms import CitizenFeedbackForm, FollowupForm, eservice_choices

public_bp.add_app_template_global(text_for)


@public_bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("public/index.html")


@public_bp.route("/feedback", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"], methods=["POST"])
def feedback() -> ResponseReturnValue:
    form = CitizenFeedbackForm()
    form.eservice.choices = eservice_choices(current_language())
    if request.method == "GET":
        # One token per browser session, not per page view: the page the browser shows again
        # after Back carries the token of the item already sent (see CitizenFeedbackForm).
        form.form_ref.data = session.setdefault("feedback_form_ref", secrets.token_urlsafe(16))
    if form.validate_on_submit():
        result = submit_feedback(form.submission(current_language()))
        return redirect(url_for("public.feedback_sent", token=result.feedback.status_token))
    return render_template("public/feedback.html", form=form), 422 if form.errors else 200


def _by_status_token(token: str) -> Feedback:
    return db.first_or_404(select(Feedback).where(Feedback.status_token == token))


@public_bp.get("/you-said-we-did")
def you_said() -> ResponseReturnValue:
    eservice = request.args.get("eservice") or None
    return render_template(
        "public/you_said.html",
        problems=you_said_we_did(current_language(), eservice),
        eservices=eservice_choices(current_language()),
        chosen=eservice,
    )


@public_bp.get("/feedback/sent/<token>")
def feedback_sent(token: str) -> ResponseReturnValue:
    return render_template("public/feedback_sent.html", item=_by_status_token(token))


@public_bp.get("/status/<token>")
def status(token: str) -> ResponseReturnValue:
    item = _by_status_token(token)
    # The citizen's language (the links we send carry it as ?lang=), not the browser's; the
    # browser's only for an item whose citizen's language nobody knows.
    language = citizen_language(known_language(item))
    with force_locale(language):
        state = followup_state(item)
        form = FollowupForm(formdata=None, answer=state.answer.answer if state.answer else None)
        return render_template(
            "public/status.html", item=item, followup=state, form=form, language=language
        )


@public_bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    token = current_app.config.get("METRICS_TOKEN")
    if token and not secrets.compare_digest(
        request.headers.get("Authorization", ""), f"Bearer {token}"
    ):
        abort(401)
    body = prometheus_metrics(current_app.config)
    return body, 200, {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}


@public_bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    report = health(current_app.config)
    return jsonify(report), 200 if report["ok"] else 503
