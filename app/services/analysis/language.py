"""Language of a feedback text: fi, sv, da, nb or en.

lingua-language-detector, restricted to the five languages and with its models preloaded,
is right on about 96–99 % of short feedback texts (DESIGN.md; bench/results/analysis.md).
Nearly all its errors are Danish against Norwegian Bokmål, which share most words. When its
top two answers are those two and it is unsure, a handful of spellings that differ between
them decide ("meg/mig", "av/af", "nå/nu", "etter/efter", "blir/bliver"); failing that, the
form's language (``hint``) does.

The detector takes about a second and ~200 MB to build, so it is built on first use, once
per process, not at import: importing the analysis package stays cheap for the web process
and the command line.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from app.services.analysis.normalisation import LANGUAGES, without_personal_data

# Below this, lingua's top answer is treated as unsure.
UNSURE_BELOW = 0.6
FALLBACK_LANGUAGE = "en"
SHORT_TEXT_LETTERS = 25

_DANISH_ONLY = frozenset(
    "mig dig sig af hvad nogen noget nogle efter bliver blev siger gør nu meget tak tilbage "
    "fik gik hjælp hjælpe spørgsmål ansøgning ansøgningen venlig venlige hvornår".split()
)
_NORWEGIAN_ONLY = frozenset(
    "meg deg seg av hva noen noe etter blir ble sier gjør nå mye veldig takk tilbake fikk gikk "
    "hjelp hjelpe spørsmål søknad søknaden vennlig vennlige ikkje".split()
)
_WORD_RE = re.compile(r"\w+")

_lock = threading.Lock()
_detector: Any = None
_codes: dict[Any, str] = {}


def _get_detector() -> Any:
    """The process-wide lingua detector, built on first use (thread-safe)."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from lingua import Language, LanguageDetectorBuilder  # heavy: load lazily

                by_code = {
                    "fi": Language.FINNISH,
                    "sv": Language.SWEDISH,
                    "da": Language.DANISH,
                    "nb": Language.BOKMAL,
                    "en": Language.ENGLISH,
                }
                _codes.update({language: code for code, language in by_code.items()})
                _detector = (
                    LanguageDetectorBuilder.from_languages(*by_code.values())
                    .with_preloaded_language_models()
                    .build()
                )
    return _detector


def preload() -> None:
    """Build the detector now (a worker calls this at start, so no request pays for it)."""
    _get_detector()


def danish_or_norwegian(text: str) -> str | None:
    """ "da" or "nb" when the words that only one of them spells that way say so, else None."""
    words = _WORD_RE.findall(text.lower())
    danish = sum(word in _DANISH_ONLY for word in words) + text.lower().count("æ") // 2
    norwegian = sum(word in _NORWEGIAN_ONLY for word in words)
    if danish > norwegian:
        return "da"
    if norwegian > danish:
        return "nb"
    return None


def detect_language(text: str, hint: str | None = None) -> tuple[str, float]:
    """(language, confidence in 0..1) for ``text``; ``hint`` is the form's or the caller's
    language, used when the detector is unsure or the text has no letters."""
    hint = hint if hint in LANGUAGES else None
    text = without_personal_data(text)  # "{NATIONAL_ID}", "[email]" are not words of any language
    if not any(ch.isalpha() for ch in text):
        return (hint or FALLBACK_LANGUAGE), 0.0
    values = _get_detector().compute_language_confidence_values(text)
    ranked = [(_codes[v.language], float(v.value)) for v in values]
    best, confidence = ranked[0]
    if confidence >= UNSURE_BELOW:
        return best, confidence
    scores = dict(ranked)
    runner_up = ranked[1][0] if len(ranked) > 1 else None
    if {best, runner_up} == {"da", "nb"}:
        decided = danish_or_norwegian(text)
        if decided is not None:
            return decided, scores[decided]
    # A few words ("ok", "Funkar.") say little: then the form's language is the better guess.
    short = sum(ch.isalpha() for ch in text) < SHORT_TEXT_LETTERS
    if hint is not None and (hint in {best, runner_up} or short):
        return hint, scores.get(hint, 0.0)
    return best, confidence
