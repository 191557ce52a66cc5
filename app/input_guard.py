"""One guard for input that would otherwise crash deep inside a request: never a 5xx.

* JSON nested deeper than ``MAX_JSON_DEPTH`` (Python's parser recurses and raises
  ``RecursionError`` at about 1,000 levels, which no ``except ValueError`` catches);
* strings with a NUL character (PostgreSQL text cannot hold one: ``psycopg.DataError``) or a
  lone surrogate such as ``"\\ud800"`` (cannot be encoded as UTF-8: ``UnicodeEncodeError``);
* dates whose day before or after does not exist (0001-01-01, 9999-12-31: ``OverflowError``
  as soon as a filter adds a day or a time zone).

``loads`` is the one JSON reader for untrusted text: Flask's JSON provider (every
``request.get_json``), the admin survey editor and the call-log reader use it. Requests are
checked once, before any view, for NUL and surrogates in the path, query and form fields.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider

MAX_JSON_DEPTH = 64
# Dates a person can mean in this service: a birth date of a very old citizen to a deadline
# far in the future, with room on both sides for a filter's "the day after".
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)

_UNSAFE_CHARACTER = re.compile("[\x00\ud800-\udfff]")
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class UnsafeInputError(ValueError):
    """Input the service refuses before parsing or storing it; a ValueError, so the callers'
    ``except ValueError`` (and Werkzeug's silent ``get_json``) treat it as bad input."""


def unsafe_text_reason(text: str) -> str | None:
    """Why ``text`` cannot be stored or encoded, or None."""
    match = _UNSAFE_CHARACTER.search(text)
    if match is None:
        return None
    return "contains a NUL character" if match.group() == "\x00" else "contains a lone surrogate"


def _check_depth(text: str) -> None:
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise UnsafeInputError(f"nested deeper than {MAX_JSON_DEPTH} levels")
        elif bracket in "]}":
            depth -= 1


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if reason := unsafe_text_reason(item):
                raise UnsafeInputError(f"a string {reason}")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def loads(text: str | bytes) -> Any:
    """``json.loads`` for untrusted text: UnsafeInputError (a ValueError) for JSON nested too
    deep or holding NUL or lone surrogates, ``json.JSONDecodeError`` for invalid JSON."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    _check_depth(text)
    value = json.loads(text)
    _check_strings(value)
    return value


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with ``loads`` above: ``request.get_json(silent=True)`` answers
    None for such a body, and the views' usual "must be a JSON object" 400 follows."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)


def refuse_unsafe_request() -> None:
    """400 for a NUL or lone surrogate anywhere in the path, query or form fields."""
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values += [*request.form.keys(), *request.form.values()]
    for value in values:
        # Werkzeug leaves a multipart part's value None when it could not decode it.
        if isinstance(value, str) and (reason := unsafe_text_reason(value)):
            abort(400, f"The request {reason}.")


# Routes that take more (or less) than MAX_CONTENT_LENGTH. Set before anything reads the
# body: Flask-WTF's CSRF check reads the form before any view runs, so a limit set in the
# view came too late and a large call-log export got 413.
_BODY_LIMITS = {
    "staff.import_calls": "CALL_LOG_MAX_BYTES",
    "hooks.jira_webhook": "WEBHOOK_MAX_BYTES",
}


# Blueprints whose posts carry files (Open311's photos): their own limit, in bytes.
_POST_LIMITS: dict[str, int] = {}


def allow_larger_posts(blueprint: str, limit: int) -> None:
    """Posts to ``blueprint`` may be up to ``limit`` bytes, set before any hook reads them."""
    _POST_LIMITS[blueprint] = limit


def apply_body_limit() -> None:
    setting = _BODY_LIMITS.get(request.endpoint or "")
    if setting is not None:
        request.max_content_length = current_app.config[setting]
    elif request.method == "POST" and request.blueprint in _POST_LIMITS:
        request.max_content_length = _POST_LIMITS[request.blueprint]


def date_in_range(day: date | None) -> bool:
    return day is None or EARLIEST_DATE <= day <= LATEST_DATE


def register_input_guard(app: Flask) -> None:
    app.json = GuardedJSONProvider(app)
    # First of all the request hooks, before the CSRF check reads the body.
    app.before_request_funcs.setdefault(None, []).insert(0, apply_body_limit)
    app.before_request(refuse_unsafe_request)
