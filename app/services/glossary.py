"""Admins' additions to the glossary of a service's parts, edited on the staff site.

The shipped glossary knows the generic words for a service's parts (log-in, attachment,
map …) in five languages; a city adds its own names for them ("Kuntaport" for its log-in
service, "Mina sidor"), so that two reports naming the part in the city's words are seen to
name the same part. Every change is audited. An addition counts for the next item grouped:
grouping reads the active entries from the database each time (``extra_words``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import GlossaryEntry, User
from app.models.types import utcnow
from app.services.admin import describe, save_audited
from app.services.analysis.language import detect_language
from app.services.analysis.normalisation import LANGUAGES
from app.services.analysis.problems import TERMS, PartWords, glossary_word, problem_terms
from app.services.privacy import redact
from app.services.reference_data import kept_while_unchanged

MAX_WORDS = 100
MAX_WORD_LENGTH = 60


class GlossaryError(ValueError):
    pass


@dataclass(frozen=True)
class GlossaryDraft:
    """What an admin wrote: the part, the language and the words, one per line."""

    part: str
    language: str
    words: tuple[str, ...]
    active: bool = True


# What the audit trail keeps of an entry.
def _describe(entry: GlossaryEntry) -> dict:
    return describe(entry, leave_out=("created_at", "updated_at"))


def _apply(entry: GlossaryEntry, draft: GlossaryDraft) -> None:
    if draft.part not in TERMS:
        raise GlossaryError(f"unknown part {draft.part!r}")
    if draft.language not in LANGUAGES:
        raise GlossaryError(f"unknown language {draft.language!r}")
    if not draft.words:
        raise GlossaryError("an entry needs at least one word")
    if len(draft.words) > MAX_WORDS or any(len(w) > MAX_WORD_LENGTH for w in draft.words):
        raise GlossaryError(f"at most {MAX_WORDS} words of {MAX_WORD_LENGTH} characters")
    # A word of punctuation alone would match everywhere, or nowhere.
    if not all(any(ch.isalnum() for ch in glossary_word(word)) for word in draft.words):
        raise GlossaryError("every word needs a letter or a digit")
    entry.part = draft.part
    entry.language = draft.language
    entry.words = list(draft.words)
    entry.active = draft.active
    entry.updated_at = utcnow()


def save_entry(entry: GlossaryEntry | None, draft: GlossaryDraft, actor: User) -> GlossaryEntry:
    """Create (``entry`` None) or change an entry. Commits, audited."""
    before = None if entry is None else _describe(entry)
    entry = entry or GlossaryEntry()
    _apply(entry, draft)
    save_audited(entry, before, actor, _describe(entry))
    return entry


def list_entries() -> list[GlossaryEntry]:
    return list(
        db.session.scalars(
            select(GlossaryEntry).order_by(
                GlossaryEntry.active.desc(), GlossaryEntry.part, GlossaryEntry.language
            )
        )
    )


@kept_while_unchanged
def extra_words() -> tuple[PartWords, ...]:
    """The active entries, as grouping reads them."""
    # Entries are committed when saved, never pending here; without the autoflush the item
    # being grouped is written once, with its group (grouping.group_feedback).
    with db.session.no_autoflush:
        rows = db.session.execute(
            select(GlossaryEntry.part, GlossaryEntry.language, GlossaryEntry.words)
            .where(GlossaryEntry.active.is_(True))
            .order_by(GlossaryEntry.id)
        ).all()
    return tuple(PartWords(part, language, tuple(words)) for part, language, words in rows)


def parts_named(text: str, language: str | None) -> frozenset[str]:
    """The parts a text names with the city's words: the staff site's test box. Redacted
    first, and its language detected when not given, as for every stored item."""
    redacted = redact(text, [])
    language = language or detect_language(redacted)[0]
    return problem_terms(redacted, language, extra_words())
