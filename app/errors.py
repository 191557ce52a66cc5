"""Errors as clear 4xx answers: JSON for machine clients, pages for people. Never a 500 page
with a trace, and a database outage is a 503 (the client may retry)."""

from __future__ import annotations

import math
import time
from contextlib import suppress

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db, limiter

# The error pages people see, in their language; Werkzeug's own words are English. A
# description the code gave (abort(400, "…")) is kept: it says what exactly was wrong.
ERROR_PAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please check what you sent."),
    ),
    401: (_l("Sign-in needed"), _l("Please sign in to see this page.")),
    403: (_l("No access"), _l("You do not have access to this page.")),
    404: (
        _l("Page not found"),
        _l("There is nothing at this address. Please check it, or start from the front page."),
    ),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than this service accepts.")),
    429: (_l("Too many requests"), _l("Please wait a moment before trying again.")),
    500: (
        _l("Something went wrong"),
        _l("The error has been recorded. Please try again in a moment."),
    ),
}


def error_page_texts(error: HTTPException) -> tuple[str, str]:
    """The page's title and explanation of ``error`` in the current language."""
    title, text = ERROR_PAGES.get(error.code or 500, (error.name, error.description))
    if error.description and error.description != type(error).description:
        text = error.description
    return str(title), str(text)


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
        title, text = error_page_texts(error)
        page = render_template("error.html", error=error, title=title, text=text)
        return page, error.code, headers

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> ResponseReturnValue:
        app.logger.error("database unavailable: %s", error.orig)
        with suppress(OperationalError):
            db.session.rollback()
        body = {"errors": {"_service": ["temporarily unavailable, try again shortly"]}}
        if _wants_json():
            return jsonify(body), 503, {"Retry-After": "5"}
        return render_template("error.html", error=None), 503, {"Retry-After": "5"}
