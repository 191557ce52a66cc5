"""Errors as clear 4xx answers: JSON for machine clients, pages for people. Never a 500 page
with a trace, and a database outage is a 503 (the client may retry)."""

from __future__ import annotations

import math
import time
from contextlib import suppress

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db, limiter


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/hooks/", "/open311/", "/healthz"))


def _seconds_until_the_limit_resets() -> str:
    # Rate-limit headers are off (RATELIMIT_HEADERS_ENABLED): on every answer they would
    # also overwrite the Retry-After of a 503. A refused request gets its own here.
    limit = limiter.current_limit
    return str(max(1, math.ceil(limit.reset_at - time.time()))) if limit else "60"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ValidationError)
    def validation_failed(error: ValidationError) -> ResponseReturnValue:
        db.session.rollback()
        return jsonify(errors=error.normalized_messages()), 422

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        headers = {
            name: error.get_response().headers[name]
            for name in ("WWW-Authenticate", "Retry-After", "Allow")
            if error.get_response().headers.get(name)
        }
        if error.code == 429:
            headers["Retry-After"] = _seconds_until_the_limit_resets()
        if _wants_json():
            return jsonify(errors={"_request": [error.description]}), error.code or 500, headers
        return render_template("error.html", error=error), error.code, headers

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> ResponseReturnValue:
        app.logger.error("database unavailable: %s", error.orig)
        with suppress(OperationalError):
            db.session.rollback()
        body = {"errors": {"_service": ["temporarily unavailable, try again shortly"]}}
        if _wants_json():
            return jsonify(body), 503, {"Retry-After": "5"}
        return render_template("error.html", error=None), 503, {"Retry-After": "5"}
