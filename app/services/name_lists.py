"""Where the names come from: first and last names of the Nordic countries and of the
countries people move to Nordic cities from, and the places that are no names.

Faker's person lists (a maintained package that ships offline): the Finnish, Swedish, Danish
and Norwegian lists (about 1,500 first and 1,000 last names drawn from the countries'
statistics offices) and the British, Irish, American and New Zealand first names are the
Nordic names; the lists of the countries people move to Nordic cities from (Estonia, Poland,
the Baltics, Turkey, Russia and Ukraine transliterated, Arabic and Somali names as
Pakistan's, Algeria's and Kenya's lists write them, …) and Iceland's (which hold the old
Norse names Norway still gives: Sigrún, Oddvar, Áslaug) are the wider names. Jörg Michael's
first-name dictionary (in the gender-guesser wheel: 48,000 names with their frequency in 55
countries) adds the first names common here (Frøydis, Torgeir, Jette) and, as wider names,
those of everywhere else (Emre, Rajesh, Yuki, Minh). Read once per process, on first use.
"""

from __future__ import annotations

import importlib
import importlib.resources
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from app.services.name_words import COMMON_WORDS, ORDINARY_WORDS

_NORDIC_LOCALES = ("fi_FI", "sv_SE", "da_DK", "no_NO")
# English-language feedback names people with British, Irish, American and New Zealand first
# names too (their last names are mostly ordinary English words: Green, Hall, Brook).
_NORDIC_FIRST_ONLY_LOCALES = ("en_GB", "en_US", "en_IE", "en_NZ")
# Where people living in Nordic cities come from, in Latin letters (Faker's "en" list is
# left out: it is every American given name, ordinary English words among them).
_WIDER_LOCALES = (
    "et_EE lt_LT lv_LV pl_PL cs_CZ sk_SK hu_HU ro_RO hr_HR sl_SI de_DE nl_NL fr_FR it_IT"
    " es_ES pt_BR en_US en_IE en_NZ en_IN en_PK en_KE fr_DZ tr_TR az_AZ uz_UZ id_ID vi_VN sw"
    " yo_NG"
).split()
_CYRILLIC_LOCALES = ("ru_RU", "uk_UA", "bg_BG")
# Russian and Ukrainian names as they are written in the Nordic countries' and English
# spelling alike (Наталья → Natalja, Natalya), so both transliterations are kept.
_CYRILLIC = dict(
    zip(
        "абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя",
        (
            "a b v g g d e e je zh z i i ji j k l m n o p r s t u f h ts ch sh shch - y - e ju ja"
        ).split(),
        strict=True,
    )
)
_ENGLISH_SPELLING = {"j": "y", "ju": "yu", "ja": "ya", "je": "ye", "ji": "yi", "h": "kh"}
# Cities Faker's Norwegian address list does not hold (it has none); Finnish, Swedish and
# Danish cities come from Faker's address lists.
_NORWEGIAN_CITIES = frozenset(
    """oslo bergen trondheim stavanger drammen fredrikstad kristiansand sandnes tromsø
    sarpsborg skien ålesund sandefjord haugesund tønsberg moss porsgrunn bodø arendal hamar
    larvik halden lillehammer molde harstad gjøvik kongsberg""".split()
)


class Names:
    """Lower-case names, each also without its accents ("sigrún" and "sigrun").

    ``rare_first``: the dictionary's first names given elsewhere or rarely here, which are
    names only when capitalised or in a call log's header: in lower case the list holds
    words of every language ("ang", "lie"). ``unsure_first``: first names given here, but
    not often enough to be read as names in lower case after a greeting ("det er gull").
    """

    def __init__(
        self,
        first: frozenset[str],
        last: frozenset[str],
        wider_first: frozenset[str],
        wider_last: frozenset[str],
        rare_first: frozenset[str],
        unsure_first: frozenset[str],
        places: frozenset[str],
    ) -> None:
        self.first = first
        self.last = last
        self.wider_first = wider_first
        self.wider_last = wider_last
        self.rare_first = rare_first
        self.unsure_first = unsure_first
        self.places = places


def _person_lists(locale: str) -> tuple[set[str], set[str]]:
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    first: set[str] = set()
    last: set[str] = set()
    for attribute in dir(provider):
        value = getattr(provider, attribute)
        if not isinstance(value, (list, tuple, dict)):
            continue
        if "first_name" in attribute:
            first.update(n.lower() for n in value)
        elif "last_name" in attribute:
            last.update(n.lower() for n in value)
    return first, last


def _spellings(name: str) -> Iterator[str]:
    """``name`` as it is written in Latin letters in the Nordic countries."""
    if any("а" <= c <= "я" or c in "ёєіїґ" for c in name):
        nordic = "".join(_CYRILLIC.get(c, c) for c in name).replace("-", "")
        yield nordic
        yield "".join(_ENGLISH_SPELLING.get(part, part) for part in _cyrillic_parts(name))
        return
    yield name
    folded = _fold(name)
    yield folded


def _norse_spellings(name: str) -> Iterator[str]:
    """An Icelandic name as Norway and Denmark write the same old Norse name: Þorsteinn →
    Torstein, Gunnhildur → Gunnhild, Þorleifur → Torleif, Torleiv, Ingibjörg → Ingebjørg."""
    yield name
    name = _fold(name.replace("þ", "t").replace("ö", "ø"))
    yield name
    if len(name) >= 6 and name.endswith("ur"):
        name = name[:-2]  # the nominative ending
        yield name
    if name.endswith("nn"):
        yield name[:-1]
    if name.endswith("f"):
        yield name[:-1] + "v"
    if "ibj" in name:
        yield name.replace("ibj", "ebj")


def _cyrillic_parts(name: str) -> Iterator[str]:
    for c in name:
        part = _CYRILLIC.get(c, c)
        yield "" if part == "-" else part


def _fold(word: str) -> str:
    # Icelandic þ and ð are written th and d; other accents are dropped (Áslaug → Aslaug).
    word = word.replace("þ", "th").replace("ð", "d")
    decomposed = unicodedata.normalize("NFD", word)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) or c in "\u030a\u0308")
    return unicodedata.normalize("NFC", kept)


# Nordic letters as they are typed on a keyboard without them: "jarvinen", "sodergren".
_ASCII_LETTERS = str.maketrans({"ä": "a", "ö": "o", "å": "a", "ø": "o", "æ": "ae", "ü": "u"})


def _without_nordic_letters(names: set[str]) -> set[str]:
    """The names with Nordic letters typed as plain ones, unless that spells a common word or
    a short one ("Pär" typed is the Danish "par")."""
    typed = {name.translate(_ASCII_LETTERS) for name in names if len(name) >= 5}
    return typed - names - COMMON_WORDS - ORDINARY_WORDS


def _with_spellings(names: set[str]) -> frozenset[str]:
    return frozenset(spelling for name in names for spelling in _spellings(name) if spelling)


@lru_cache(maxsize=1)
def known_names() -> Names:
    first: set[str] = set()
    last: set[str] = set()
    for locale in _NORDIC_LOCALES:
        given, family = _person_lists(locale)
        first |= given
        last |= family
    for locale in _NORDIC_FIRST_ONLY_LOCALES:
        first |= _person_lists(locale)[0]
    wider_first: set[str] = set()
    wider_last: set[str] = set()
    for locale in (*_WIDER_LOCALES, *_CYRILLIC_LOCALES):
        given, family = _person_lists(locale)
        wider_first |= given
        wider_last |= family
    norse = {n for name in _person_lists("is_IS")[0] for n in _norse_spellings(name)}
    frequent, common, elsewhere = _first_names_by_country()
    unsure = common - frequent - first
    first |= common
    wider = (_with_spellings(wider_first) | norse) - first
    return Names(
        frozenset(first | _without_nordic_letters(first)),
        frozenset(last | _without_nordic_letters(last)),
        wider,
        _with_spellings(wider_last) - last,
        _with_spellings(elsewhere) - first - wider,
        frozenset(unsure),
        _places(),
    )


# Columns of Jörg Michael's first-name dictionary (nam_dict.txt, shipped in the
# gender-guesser wheel; GNU FDL): from column 30 one frequency digit per country, 1 (rare) to
# D (common, logarithmic), in this order.
_DICTIONARY_COUNTRIES = (
    "gb ie us it mt pt es fr be lu nl frisia de at ch is dk no se fi ee lv lt pl cz sk hu ro bg"
    " ba hr xk mk me rs si al gr ru by md ua am az ge stans tr arabia il cn in jp kr vn other"
).split()
# A name given at least this often in Denmark, Norway, Sweden or Finland (or in Britain,
# Ireland, the USA: English-language feedback) is a first name like Faker's; rarer ones are
# often also ordinary words ("Toimi", "Ilo", "Lie") and count only as wider names. Two steps
# (four times) more often, it is also a name in lower case after a greeting.
_COMMON_HERE = {"dk": 3, "no": 3, "se": 3, "fi": 3, "gb": 4, "ie": 4, "us": 4}
_FREQUENT = 2


def _first_names_by_country() -> tuple[set[str], set[str], set[str]]:
    """First names (frequent here, common here, all others) in the dictionary."""
    columns = {30 + _DICTIONARY_COUNTRIES.index(c): least for c, least in _COMMON_HERE.items()}
    path = importlib.resources.files("gender_guesser") / "data" / "nam_dict.txt"
    frequent: set[str] = set()
    here: set[str] = set()
    elsewhere: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        # A "+" in column 29 repeats a name with its umlauts expanded (Käte as Kaete).
        if line[:1] in "#=" or len(line) < 31 or line[29] == "+":
            continue
        # A "+" inside a name stands for a hyphen, a space or nothing (Jun+Wei).
        name = line[3:29].strip().lower().replace("+", "-")
        margin = max(
            int(line[column], 16) - least if line[column].strip() else -1
            for column, least in columns.items()
        )
        (frequent if margin >= _FREQUENT else here if margin >= 0 else elsewhere).add(name)
    return frequent, here | frequent, elsewhere - here - frequent


def _places() -> frozenset[str]:
    places = set(_NORWEGIAN_CITIES)
    for locale in ("fi_FI", "sv_SE", "da_DK"):
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        for attribute in ("cities", "countries"):
            places.update(p.lower() for p in getattr(provider, attribute, ()))
    return frozenset(places)
