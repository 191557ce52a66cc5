"""People's names written in free text, whoever they are ("Lars Mäkinen soitti", "Matille").

``privacy`` finds the contact's own names from what the agent entered; this module finds the
names nobody entered: callers' relatives, staff, the citizen's name in an e-mail signature.
The names come from Faker's Finnish, Swedish, Danish and Norwegian person lists (a maintained
package that ships offline, about 1,500 first and 1,000 last names drawn from the countries'
statistics offices), and are used with rules of case and context instead of alone:

* a known first name followed by a capitalised word is a full name ("Jens Berg"), and a
  capitalised word right before a known last name is its first name ("Mirja Mäkinen");
* a known first or last name standing alone counts when capitalised — first names also when
  inflected the Finnish way ("Matille", "Virtaselle") — except where the word is also an
  ordinary word that starts a sentence or is a month ("Anna", "Per", "My", "August");
* after "my name is", "nimeni on", "jag heter", "Mvh" … or a title ("rouva", "fru", "Mr")
  one or two capitalised words are a name even when no list knows them.

All-caps and CamelCase words (SFO, MitID, BankID) are never names: they are product names and
acronyms, which is how e-service names are written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from faker.providers.person import da_DK, en_GB, fi_FI, no_NO, sv_SE

_PROVIDERS = (fi_FI.Provider, sv_SE.Provider, da_DK.Provider, no_NO.Provider)
# English-language feedback names people with British first names too (the last names are
# mostly ordinary English words: Green, Hall, Brook).
_FIRST_NAME_ONLY_PROVIDERS = (en_GB.Provider,)
_FIRST_NAME_LISTS = ("first_names", "first_names_male", "first_names_female")

# Names that are also ordinary words of the five languages, capitalised at the start of a
# sentence ("Anna palautetta", "Per post", "My name", "Inga problem", "Tom sida") or always
# (months): alone they count only inside a sentence and not as months; in a full name, always.
_ORDINARY_WORDS = frozenset(
    """
    aina alli anna armas aamu eli helmi hilja ilona into kai kaino lahja lumi oiva rauha satu
    sini sulo suvi taimi toivo tuuli tyyne usko veli onni sama
    alla bo bror dag del dina ebbe inga juni liv maj mina my per sten stig sol tom ulf vera
    else mai rut vilja ask björn ville ingen inge kan vil
    august april may june mark will bill grace hope rose frank joy faith dawn iris ruby amber
    holly ivy lily heather crystal penny summer autumn guy sue pat rob jay art max ray don
    dean carol jack
    hall hagen rask
    """.split()
)
# Words that are names and also always capitalised in their other sense: months, and the
# Finnish holidays that are also first names ("Vappuna", "Juhannus").
_MONTHS = frozenset("january february march april may june july august vappu juhannus".split())
# A name right before one of these words names a street or a square, not a person:
# "Karl Johans gate", "H.C. Andersens Boulevard", "Gustav Adolfs torg".
_PLACE_WORDS = frozenset(
    """gate gata gatan gaten vej vei veien vejen väg vägen torg torget torv plass plassen plads
    pladsen allé alle boulevard street road avenue square lane katu tie kuja polku tori aukio
    puisto park parken""".split()
)
_INITIAL_AFTER = re.compile(r"[ \u00a0][A-ZÅÄÖÆØ]\.")

# Finnish case endings (longest first) and the genitive -s / 's of the other languages.
_ENDINGS = sorted(
    "lle llä lla ltä lta ssä ssa stä sta ksi na nä ta tä n a ä lle'".split(), key=len, reverse=True
)
_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’:][^\W\d_]+)*")
_SENTENCE_END_RE = re.compile(r"[.!?…:;\n\"«»“”(]\s*$")
_CONTEXT_RE = re.compile(
    r"""(?ix)
    (?<!\w)(?:my\s+name\s+is|name\s*:|i\s+am\s+called
      |nimeni\s+on|nimi\s*:|nimi\s+on
      |jag\s+heter|mitt\s+namn\s+är|namn\s*:|heter
      |jeg\s+hedder|jeg\s+heter|mitt\s+navn\s+er|navn\s*:|hedder
      |terveisin|ystävällisin\s+terveisin|t\.|hälsningar|mvh|med\s+vänliga\s+hälsningar
      |med\s+venlig\s+hilsen|venlig\s+hilsen|med\s+vennlig\s+hilsen|vennlig\s+hilsen|hilsen
      |regards|best\s+regards|kind\s+regards|sincerely
      |rouva|herra|neiti|fru|herr|hr\.|fr\.|mr\.?|mrs\.?|ms\.?|miss|dr\.?
      |soittaja|yhteyshenkilö|kontaktperson|contact\s+person|handläggare
      |sagsbehandler|saksbehandler|käsittelijä)
    \s+$"""
)


@lru_cache(maxsize=1)
def _known_names() -> tuple[frozenset[str], frozenset[str]]:
    first: set[str] = set()
    last: set[str] = set()
    for provider in _PROVIDERS:
        for attribute in _FIRST_NAME_LISTS:
            first.update(n.lower() for n in getattr(provider, attribute, ()))
        last.update(n.lower() for n in getattr(provider, "last_names", ()))
    for provider in _FIRST_NAME_ONLY_PROVIDERS:
        for attribute in _FIRST_NAME_LISTS:
            first.update(n.lower() for n in getattr(provider, attribute, ()))
    return frozenset(first), frozenset(last)


def _is_capitalised(word: str) -> bool:
    # "Anna-Liisa", "Mäkinen", "O'Brien"; not "SFO", "MitID", "BankID", "eLasku".
    letters = [c for c in word if c.isalpha()]
    return (
        len(letters) >= 2
        and letters[0].isupper()
        and not any(c.isupper() for c in word[1:].split("-")[0][1:] if c.isalpha())
        and not word.isupper()
    )


def _lemmas(word: str) -> Iterator[str]:
    """The word and the base forms it may be an inflection of (lower case)."""
    lowered = word.lower().rstrip("'’").replace("’", "'")
    if lowered.endswith("'s"):
        yield lowered[:-2]
    yield lowered
    stem = lowered.replace(":", "")
    for ending in _ENDINGS:
        if not stem.endswith(ending) or len(stem) - len(ending) < 2:
            continue
        base = stem[: -len(ending)]
        yield from _bases(base)
    if len(stem) > 4 and stem[-1] == "n" and stem[-2] == stem[-3]:
        yield stem[:-2]  # illative: Annaan, Mattiin
    if stem.endswith("s"):
        yield stem[:-1]  # Nordic genitive: Annas, Larsens


def _bases(base: str) -> Iterator[str]:
    yield base
    if base.endswith("se") or base.endswith("s"):
        yield base.rstrip("e")[:-1] + "nen"  # Virtaselle, Virtasen, Virtasta → Virtanen
    if base.endswith("i") and len(base) > 3:
        yield base[:-1]  # Johanssonille → Johansson
    # Consonant gradation of the stem: Mati- → Matti, Peka- → Pekka, Jusi- → Jussi.
    if len(base) > 2 and base[-1] in "aeiouyäö" and base[-2] in "ktp":
        yield base[:-1] + base[-2] + base[-1]


def _kind(word: str) -> str | None:
    """ "first", "last" or None: what the lists know ``word`` (or its base form) as."""
    first, last = _known_names()
    parts = word.split("-")
    if len(parts) == 2 and all(p[:1].isupper() for p in parts if p):
        # Anna-Liisa, Sven-Erik: the last half carries the inflection.
        if parts[0].lower() in first and any(lem in first for lem in _lemmas(parts[1])):
            return "first"
    lemmas = list(_lemmas(word))
    if any(lemma in first for lemma in lemmas):
        return "first"
    if any(lemma in last for lemma in lemmas):
        return "last"
    return None


def _first_name_before(word: str, last_name: str) -> bool:
    """Whether ``word`` is the unknown first name of ``last_name`` ("Mirja Mäkinen").

    An inflected last name inflects its first name too ("Mirjalle Mäkiselle"): a word without
    the same ending before it ("Lähetetty Virtaselle") is no first name.
    """
    if word.lower() in _ORDINARY_WORDS or _kind(last_name) != "last":
        return False
    base_form = last_name.lower() in _known_names()[1]
    return base_form or word[-2:].lower() == last_name[-2:].lower()


def _starts_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start]
    return start == 0 or not text[:start].strip() or bool(_SENTENCE_END_RE.search(before))


def find_names_in_text(text: str) -> list[tuple[int, int]]:
    """(start, end) of each person's name in ``text``, full names as one span."""
    spans = []
    for start, end in _candidate_names(text):
        following = text[end : end + 20].split()
        if following and following[0].strip(".,;:").lower() in _PLACE_WORDS:
            continue
        if _INITIAL_AFTER.match(text, end):
            end += 3  # "Matti V."
        spans.append((start, end))
    return spans


def _candidate_names(text: str) -> list[tuple[int, int]]:
    words = [m for m in _WORD_RE.finditer(text) if _is_capitalised(m.group())]
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(words):
        word = words[index]
        nxt = words[index + 1] if index + 1 < len(words) else None
        adjacent = nxt is not None and text[word.end() : nxt.start()] in {" ", "\u00a0"}
        initial = _starts_sentence(text, word.start())
        kind = _kind(word.group()) or (None if initial else _surname_by_ending(word.group()))
        lowered = word.group().lower()
        introduced = bool(_CONTEXT_RE.search(text[max(0, word.start() - 40) : word.start()]))
        if adjacent and (
            kind == "first" or introduced or _first_name_before(word.group(), nxt.group())
        ):
            if nxt.group().lower() not in _MONTHS:
                spans.append((word.start(), nxt.end()))
                index += 2
                continue
        if kind or introduced:
            ordinary = lowered in _MONTHS or (initial and lowered in _ORDINARY_WORDS)
            if introduced or not (ordinary or (initial and kind == "last")):
                spans.append((word.start(), word.end()))
        index += 1
    return spans + _lower_case_full_names(text)


# Nordic surnames by their ending: Finnish -nen (and its inflected -se- stem), Swedish -sson
# and -ström/-qvist, Danish and Norwegian -sen. Inside a sentence, a capitalised word of this
# shape is a surname: the languages' nouns are not capitalised there.
_SURNAME_ENDING = re.compile(
    r"(?:nen|s(?:e(?:n|lle|llä|lla|ltä|lta|ssä|ssa|stä|sta))|sson|ström|qvist|kvist|sen)$",
    re.IGNORECASE,
)


def _surname_by_ending(word: str) -> str | None:
    return "last" if len(word) > 5 and _SURNAME_ENDING.search(word) else None


def _lower_case_full_names(text: str) -> list[tuple[int, int]]:
    """ "liisa virtanen": a known first name and a known last name, both in lower case."""
    first, last = _known_names()
    words = list(_WORD_RE.finditer(text))
    spans = []
    for given, family in zip(words, words[1:], strict=False):
        if text[given.end() : family.start()] not in {" ", "\u00a0"}:
            continue
        if not (given.group().islower() and family.group().islower()):
            continue
        name = given.group()
        if name in _ORDINARY_WORDS or len(name) < 3 or name not in first:
            continue
        if any(lemma in last for lemma in _lemmas(family.group())):
            spans.append((given.start(), family.end()))
    return spans
