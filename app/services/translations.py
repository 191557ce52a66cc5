"""The handlers' words for citizens in each citizen's language.

"What we changed" and an outcome's explanation are written in the department's language;
a handler adds them in the other languages of the problem's citizens. Where a language is
missing the citizen gets the original words, marked as such, unless the department holds
notices until the translation is there (``Department.hold_untranslated``). A reply to one
citizen is written in their language or, marked the same way, in the handler's own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from babel import Locale
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.i18n import LANGUAGES, notice_language
from app.models import (
    Contact,
    Department,
    Feedback,
    Notice,
    NoticeKind,
    NoticeState,
    Ticket,
)
from app.models.contact import citizen_key_column
from app.models.types import utcnow

# The ticket's fields written for citizens, in the order the forms ask for them.
TRANSLATED_FIELDS = ("what_we_changed", "outcome_explanation")


@dataclass(frozen=True)
class CitizenText:
    """Words for a reader: in their language, or the original one (``fallback``)."""

    text: str
    language: str
    fallback: bool

    def language_name(self, reader: str) -> str:
        """The text's language, named in the reader's ("ruotsi", "Swedish")."""
        return language_name(self.language, reader)


def language_name(language: str, reader: str) -> str:
    """``language`` named in the reader's: "sv" for a Finnish reader is "ruotsi"."""
    return Locale.parse(language).get_display_name(reader) or language


def department_language(department: Department | None) -> str:
    language = department.language if department is not None else None
    return language if language in LANGUAGES else current_app.config["DEFAULT_LANGUAGE"]


def text_for(ticket: Ticket, field: str, language: str) -> CitizenText | None:
    """``field`` of the ticket in ``language``, else in the original language (marked)."""
    original = getattr(ticket, field)
    if not original:
        return None
    source = department_language(ticket.department)
    if language == source:
        return CitizenText(original, source, fallback=False)
    translated = ((ticket.translations or {}).get(field) or {}).get(language)
    if translated:
        return CitizenText(translated, language, fallback=False)
    return CitizenText(original, source, fallback=True)


def reply_for(notice: Notice) -> CitizenText | None:
    """A handler's reply (the notice's body) as its citizen reads it: written in another
    language than theirs (the handler's own), it is marked as such."""
    if not notice.body:
        return None
    language = notice.body_language or notice.language
    return CitizenText(notice.body, language, fallback=language != notice.language)


def citizen_languages(ticket: Ticket) -> list[tuple[str, int]]:
    """The languages the problem's citizens are written to, with how many citizens each
    (a contact once, an item without one once), most first: "fi 3, sv 1, en 1"."""
    rows = db.session.execute(
        select(Feedback.id, citizen_key_column(), Contact.language, Feedback.language)
        .outerjoin(Contact, Feedback.contact_id == Contact.id)
        .where(Feedback.ticket_id == ticket.id)
    )
    citizens = {
        citizen if citizen is not None else ("item", item_id): notice_language(
            contact_language, item_language
        )
        for item_id, citizen, contact_language, item_language in rows
    }
    counts = Counter(citizens.values())
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def languages_to_translate(ticket: Ticket) -> list[str]:
    """The citizens' languages other than the department's, most citizens first."""
    source = department_language(ticket.department)
    return [language for language, _count in citizen_languages(ticket) if language != source]


def missing_translation(ticket: Ticket, language: str) -> bool:
    """Whether some of the ticket's words for citizens lack ``language``."""
    return any(
        (text := text_for(ticket, field, language)) is not None and text.fallback
        for field in TRANSLATED_FIELDS
    )


def holds_notice(notice: Notice) -> bool:
    """Whether the notice waits for a translation: its department asks so and the words it
    carries are not yet in its language."""
    ticket = notice.feedback.ticket
    if notice.kind != NoticeKind.RESOLUTION or ticket is None:
        return False
    department = ticket.department
    return bool(department and department.hold_untranslated) and missing_translation(
        ticket, notice.language
    )


def release_held(ticket: Ticket) -> list[int]:
    """The ticket's pending resolution notices whose words are now all translated, due now."""
    pending = db.session.scalars(
        select(Notice)
        .join(Feedback, Notice.feedback_id == Feedback.id)
        .where(
            Feedback.ticket_id == ticket.id,
            Notice.kind == NoticeKind.RESOLUTION,
            Notice.state == NoticeState.PENDING,
        )
    ).all()
    released = [notice for notice in pending if not missing_translation(ticket, notice.language)]
    for notice in released:
        notice.next_attempt_at = utcnow()
    return [notice.id for notice in released]
