"""Pages for citizens and the health check."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.extensions import db
from app.models import Feedback
from app.services.health import health

public_bp = Blueprint("public", __name__)


@public_bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("public/index.html")


@public_bp.get("/status/<token>")
def status(token: str) -> ResponseReturnValue:
    item = db.session.scalars(select(Feedback).where(Feedback.status_token == token)).first()
    if item is None:
        abort(404)
    return render_template("public/status.html", item=item)


@public_bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    report = health(current_app.config)
    return jsonify(report), 200 if report["ok"] else 503
