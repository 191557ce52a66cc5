"""Which language a page or a notice speaks."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from babel import dates
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, get_timezone

if TYPE_CHECKING:
    from app.models import Feedback

# What citizens are written in; the pages speak the first three.
LANGUAGES = ("fi", "sv", "en", "da", "nb")
PAGE_LANGUAGES = ("fi", "sv", "en")


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


def citizen_language(default: str | None = None) -> str:
    """A page answering a citizen's e-mail speaks the e-mail's language (its links carry
    ?lang=, Danish and Norwegian too, which the other pages lack), else ``default``, else
    the page language."""
    chosen = request.args.get("lang") if has_request_context() else None
    return chosen if chosen in LANGUAGES else default or current_language()


def known_language(item: Feedback) -> str | None:
    """The citizen's own language, if their contact or their words tell it."""
    candidates = (item.contact.language if item.contact else None, item.language)
    return next((language for language in candidates if language in LANGUAGES), None)


def item_language(item: Feedback) -> str:
    """The language a citizen is written to about an item: their contact's, the item's."""
    return notice_language(item.contact.language if item.contact else None, item.language)


def _format_locale() -> str:
    """The locale dates are written in: English as in Britain ("02/12/2026, 09:05"), which
    the city's English readers expect, not the American "12/2/26, 9:05 AM"."""
    language = current_language()
    return "en_GB" if language == "en" else language


def local_time(value: datetime | None) -> str:
    """A stored UTC time shown in the municipality's time zone (invariant 7)."""
    if not value:
        return ""
    return dates.format_datetime(value, "short", tzinfo=get_timezone(), locale=_format_locale())


def local_date(value: date) -> str:
    """A calendar day, short, in the reader's locale."""
    return dates.format_date(value, "short", locale=_format_locale())


def current_language() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LANGUAGE"])
