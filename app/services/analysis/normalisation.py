"""Normalisation of short Nordic feedback texts for matching and for the classifiers.

Citizens type on phones and foreign keyboards, so the same word arrives as "päiväkoti" and
"paivakoti", "søknad" and "soknad". Both forms must meet, and so must inflected forms
("rakennusluvasta", "rakennuslupa"): text is lower-cased, stemmed with the Snowball stemmer
of its language and then folded to plain letters. Stemming comes before folding because the
Finnish, Swedish and Nordic stemmers know their suffixes with their diacritics ("-ssä",
"-ene", "-erne").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

LANGUAGES: tuple[str, ...] = ("fi", "sv", "da", "nb", "en")

_STEMMER_NAMES = {
    "fi": "finnish",
    "sv": "swedish",
    "da": "danish",
    "nb": "norwegian",
    "en": "english",
}

# Letters that NFKD does not split into a base letter and a combining mark.
_EXTRA_FOLDS = str.maketrans({"æ": "ae", "ø": "o", "ß": "ss", "đ": "d", "ł": "l", "œ": "oe"})

# Words are runs of letters and digits. An apostrophe inside a word is dropped ("doesn't" →
# "doesnt", "EDU:s" → "edus" is avoided because ":" is not kept); a hyphen splits the word, so
# "SFO-søknad" gives "sfo" and "søknad", the same as the two words typed apart.
TOKEN_RE = re.compile(r"\w+(?:['’\-]\w+)*")
# Personal data arrives as the seed file's placeholders ("{NATIONAL_ID}") or as the markers
# that privacy.redact leaves ("[id]"). Both become one token per kind, so models trained on
# the seed file read redacted text the same way, and no model ever holds a real value.
PERSONAL_DATA_RE = re.compile(
    r"\{(EMAIL|PHONE|NATIONAL_ID|IBAN|NAME|CARD)\}|\[(email|phone|id|iban|name|card)\]"
)
_PERSONAL_DATA_TOKENS = {
    "EMAIL": "pdemail",
    "PHONE": "pdphone",
    "NATIONAL_ID": "pdid",
    "IBAN": "pdiban",
    "NAME": "pdname",
    "CARD": "pdcard",
    "email": "pdemail",
    "phone": "pdphone",
    "id": "pdid",
    "iban": "pdiban",
    "name": "pdname",
    "card": "pdcard",
}


_KEEP_AS_IS = frozenset(_PERSONAL_DATA_TOKENS.values())


def _personal_data_token(match: re.Match[str]) -> str:
    return f" {_PERSONAL_DATA_TOKENS[match.group(1) or match.group(2)]} "


def without_personal_data(text: str) -> str:
    """``text`` with placeholders and redaction markers removed (for language detection)."""
    return PERSONAL_DATA_RE.sub(" ", text)


# A sentence: up to its end mark (or a line break), with the marks.
_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?\n]*")
# A sentence with at least this many cased letters, of which at least two in three are
# capitals, is shouted, not a run of acronyms ("PDF", "IBAN") in an ordinary sentence.
_SHOUTED_LETTERS = 6


def _quieter(match: re.Match[str]) -> str:
    sentence = match.group(0)
    cased = [char for char in sentence if char.isupper() or char.islower()]
    capitals = sum(char.isupper() for char in cased)
    shouted = len(cased) >= _SHOUTED_LETTERS and 3 * capitals >= 2 * len(cased)
    return sentence.lower() if shouted else sentence


def unshouted(text: str) -> str:
    """``text`` with its sentences written in capitals lower-cased ("MAKSU EI ONNISTU!!!").

    The sentence encoder is case-sensitive, and a sentence in capitals reads to it as another
    text: "JOBCENTRETS SELVBETJENING ER NEDE IGEN!!!" came out as praise, the same words in
    lower case as an outage. The classifiers' own features are lower-cased already
    (``normalise``)."""
    return _SENTENCE_RE.sub(_quieter, text)


def fold(text: str) -> str:
    """Lower-case and strip diacritics: ä→a, ö→o, å→a, æ→ae, ø→o, é→e."""
    lowered = text.lower().translate(_EXTRA_FOLDS)
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=8)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(_STEMMER_NAMES.get(language, "english"))


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    """The folded Snowball stem of one lower-case word (cached: feedback repeats its words)."""
    if word.isdigit() or len(word) < 3:
        return fold(word)
    return fold(_stemmer(language).stemWord(word))


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; personal-data placeholders and markers become one token each."""
    text = PERSONAL_DATA_RE.sub(_personal_data_token, text)
    out: list[str] = []
    for token in TOKEN_RE.findall(text.lower()):
        out.extend(part for part in token.replace("'", "").replace("’", "").split("-") if part)
    return out


def normalise(text: str, language: str) -> str:
    """Lower-cased, stemmed and diacritic-folded text: the words joined by single spaces.

    ``language`` picks the stemmer (one of fi, sv, da, nb, en; anything else gets English).
    """
    return " ".join(word if word in _KEEP_AS_IS else stem(word, language) for word in tokens(text))
