"""How a word is used in the five languages of the feedback, for telling names from words.

Two cheap facts that the name rules in ``names_in_text`` lean on:

* how common a word is as an ordinary word: wordfreq's "small" lists for Finnish, Swedish,
  Danish, Norwegian Bokmål and English (maintained, offline, inside the wheel; words used at
  least once per million). A capitalised word that no list of names holds is taken as a
  name only in a person's place *and* when it is rare as a word ("Semhar", "Ghebremedhin",
  "Ngozi"), never when it is a frequent word ("Services", "Stark", "Drew");
* whether a text reads as English: English "at" names an office or a place ("Pat at Urban
  Environment"), Danish and Norwegian "at" is a conjunction ("sagde at Hanne Vinther er
  syg"), so a rule about "at" holds only in English text.

The lists are loaded on first use (about 0.3 s, once per process), not at import, so that
importing the application stays cheap.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

_LANGUAGES = ("fi", "sv", "da", "nb", "en")
# Zipf frequency (log10 of uses per billion words): 3 is once per million words, the least
# a "small" list holds; below this a word is rare in all five languages.
_RARE_ZIPF = 3.5

# Function words that only one side uses: English, or Danish/Norwegian (where "at" is "that"
# or the infinitive's "to"). Swedish and Finnish never write "at" alone.
_ENGLISH_WORDS = frozenset(
    "the and is was are to for my with from of you it this that have has but not be would"
    " could please thanks".split()
)
_SCANDINAVIAN_WORDS = frozenset(
    "og er ikke jeg det har på med til af av som hun han ble blev vi der kan skal mig meg"
    " sagde sa sige si så".split()
)
_TOKEN_RE = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _frequencies() -> tuple[dict[str, float], ...]:
    # Imported here: wordfreq pulls in regex, langcodes and ftfy, which only this needs.
    from wordfreq import get_frequency_dict

    return tuple(get_frequency_dict(language, wordlist="small") for language in _LANGUAGES)


@lru_cache(maxsize=4096)
def zipf(word: str) -> float:
    """The highest Zipf frequency of ``word`` as written in lower case in any of the five
    languages; 0.0 when no list holds it."""
    lowered = word.lower()
    highest = max(table.get(lowered, 0.0) for table in _frequencies())
    return math.log10(highest * 1e9) if highest else 0.0


def english_zipf(word: str) -> float:
    """Zipf frequency of ``word`` in English alone: capitalised English words in a title or
    an office's name ("Urban Environment") are no Nordic surnames ("Kjetil Rød", "Lie")."""
    frequency = _frequencies()[_LANGUAGES.index("en")].get(word.lower(), 0.0)
    return math.log10(frequency * 1e9) if frequency else 0.0


def is_rare_word(word: str) -> bool:
    """Rare as an ordinary word in all five languages: each part of a hyphenated word."""
    return all(zipf(part) < _RARE_ZIPF for part in word.split("-") if part)


@lru_cache(maxsize=256)
def reads_as_english(text: str) -> bool:
    """More English function words in ``text`` than Danish or Norwegian ones."""
    english = scandinavian = 0
    for token in _TOKEN_RE.findall(text.lower()):
        english += token in _ENGLISH_WORDS
        scandinavian += token in _SCANDINAVIAN_WORDS
    return english >= scandinavian
