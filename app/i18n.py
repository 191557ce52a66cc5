"""Which language a page or a notice speaks."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale

from app import LANGUAGES, PAGE_LANGUAGES


def select_locale() -> str:
    """A chosen language (?lang= remembered in the session), else the browser's, else the city's."""
    if not has_request_context():
        return current_app.config["DEFAULT_LANGUAGE"]
    chosen = request.args.get("lang")
    if chosen in PAGE_LANGUAGES:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in PAGE_LANGUAGES:
        return session["lang"]
    return (
        request.accept_languages.best_match(PAGE_LANGUAGES)
        or current_app.config["DEFAULT_LANGUAGE"]
    )


def notice_language(*candidates: str | None) -> str:
    """The first supported language among the contact's, the item's, then the city's."""
    for language in candidates:
        if language in LANGUAGES:
            return language
    return current_app.config["DEFAULT_LANGUAGE"]


def citizen_language() -> str:
    """A page answering a citizen's e-mail speaks the e-mail's language (its links carry
    ?lang=, Danish and Norwegian too, which the other pages lack), else the page language."""
    chosen = request.args.get("lang") if has_request_context() else None
    return chosen if chosen in LANGUAGES else current_language()


def local_time(value: datetime | None) -> str:
    """A stored UTC time shown in the municipality's time zone (invariant 7)."""
    return format_datetime(value, "short") if value else ""


def current_language() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LANGUAGE"])
