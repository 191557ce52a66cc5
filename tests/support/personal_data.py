"""Synthetic but valid personal data for tests and benchmarks.

Every identity number is built from a birth date and a serial, with its check digits computed
here (not taken from python-stdnum), so the tests check our arithmetic against stdnum's
instead of trusting one implementation twice. Two entry points share the same builders:

* plain functions taking a ``random.Random`` (``random_national_id(rng, "FI")``), used by the
  benchmark, which must be reproducible from a seed;
* hypothesis strategies (``hetus()``, ``phone_numbers()`` …), used by property tests, which
  shrink through the builders' parameters.

Nothing here refers to a real person: names are common Nordic names drawn at random, numbers
are random.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

from hypothesis import strategies as st

# ---------------------------------------------------------------------------------------------
# Finland: henkilötunnus DDMMYYCIIIK
# ---------------------------------------------------------------------------------------------

HETU_CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Since 2023 the 1900s and 2000s have several century signs each; all stay valid.
HETU_CENTURY_SIGNS = {1800: "+", 1900: "-YXWVU", 2000: "ABCDEF"}


def hetu(birth: date, individual: int, sign_choice: int = 0) -> str:
    """A valid henkilötunnus; ``individual`` in 2..899, ``sign_choice`` picks the century sign."""
    signs = HETU_CENTURY_SIGNS[birth.year // 100 * 100]
    sign = signs[sign_choice % len(signs)]
    body = f"{birth:%d%m%y}{individual:03d}"
    return f"{body[:6]}{sign}{body[6:]}{HETU_CHECK_CHARS[int(body) % 31]}"


# ---------------------------------------------------------------------------------------------
# Sweden: personnummer (YY)YYMMDD-NNNK, Luhn over the last ten digits
# ---------------------------------------------------------------------------------------------


def luhn_check_digit(digits: str) -> str:
    """The digit that makes ``digits + digit`` pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # these are doubled once the check digit is appended
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


PERSONNUMMER_STYLES = ("short-dash", "short", "long-dash", "long")


def personnummer(
    birth: date, serial: int, style: str = "short-dash", today: date | None = None
) -> str:
    """A valid personnummer; ``serial`` in 0..999, ``style`` one of PERSONNUMMER_STYLES."""
    today = today or date.today()
    short = f"{birth:%y%m%d}{serial:03d}"
    full = short + luhn_check_digit(short)
    if style == "short":
        return full
    if style == "short-dash":
        # The dash becomes a plus in the year the holder turns 100.
        separator = "+" if today.year - birth.year >= 100 else "-"
        return f"{full[:6]}{separator}{full[6:]}"
    century = f"{birth.year // 100:02d}"
    if style == "long":
        return century + full
    return f"{century}{full[:6]}-{full[6:]}"


# ---------------------------------------------------------------------------------------------
# Denmark: CPR DDMMYY-SSSS; the 7th digit and the year give the century
# ---------------------------------------------------------------------------------------------

CPR_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def cpr_century_digits(year: int) -> str:
    """The 7th digits that put a two-digit year into ``year``'s century (CPR rules)."""
    yy = year % 100
    if 1900 <= year <= 1999:
        return "0123" + ("49" if yy >= 37 else "")
    if 2000 <= year <= 2036:
        return "49" + ("5678" if yy <= 57 else "")
    if 2037 <= year <= 2057:
        return "5678"
    if 1858 <= year <= 1899:
        return "5678"
    raise ValueError(f"no CPR century digit for {year}")


def cpr_mod11_ok(digits: str) -> bool:
    return sum(w * int(d) for w, d in zip(CPR_WEIGHTS, digits, strict=True)) % 11 == 0


def cpr(
    birth: date, serial: int, century_choice: int = 0, *, dash: bool = True, modulus11: bool = False
) -> str:
    """A CPR number with a valid date; ``serial`` in 0..999 gives the last three digits.

    With ``modulus11`` the serial is stepped until the old modulus-11 check holds, as for the
    numbers issued before 2007 (some serials never satisfy it; the next one is taken).
    """
    centuries = cpr_century_digits(birth.year)
    head = f"{birth:%d%m%y}"
    for step in range(1000 * len(centuries)):
        attempt = serial + step
        digit = centuries[(century_choice + attempt // 1000) % len(centuries)]
        number = f"{head}{digit}{attempt % 1000:03d}"
        if not modulus11 or cpr_mod11_ok(number):
            return f"{number[:6]}-{number[6:]}" if dash else number
    raise ValueError("no modulus-11 serial")  # pragma: no cover - every date has one


# ---------------------------------------------------------------------------------------------
# Norway: fødselsnummer DDMMYYIIIKK with two modulus-11 check digits (D- and H-numbers too)
# ---------------------------------------------------------------------------------------------

NO_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
NO_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _mod11_digit(digits: str, weights: tuple[int, ...]) -> int:
    return (11 - sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11) % 11


def fodselsnummer_individual_range(year: int) -> list[int]:
    """Individual numbers (digits 7–9) that put the birth year in its century."""
    if 1900 <= year <= 1999:
        # 900–999 also mean the 1900s for people born from 1940 on.
        return list(range(0, 500)) + (list(range(900, 1000)) if year >= 1940 else [])
    if 2000 <= year <= 2039:
        return list(range(500, 1000))
    if 1854 <= year <= 1899:
        return list(range(500, 750))
    raise ValueError(f"no individual range for {year}")


def fodselsnummer(
    birth: date, individual: int, kind: str = "plain", *, spaced: bool = False
) -> str:
    """A valid fødselsnummer; ``kind`` is "plain", "d" (day+40) or "h" (month+40).

    ``individual`` indexes the century's range of individual numbers; it is stepped until
    both check digits exist (a check digit of 10 makes a number unusable).
    """
    day, month = birth.day, birth.month
    if kind == "d":
        day += 40
    elif kind == "h":
        month += 40
    individuals = fodselsnummer_individual_range(birth.year)
    for step in range(len(individuals)):
        serial = individuals[(individual + step) % len(individuals)]
        number = f"{day:02d}{month:02d}{birth:%y}{serial:03d}"
        first = _mod11_digit(number, NO_WEIGHTS_1)
        if first == 10:
            continue
        second = _mod11_digit(number + str(first), NO_WEIGHTS_2)
        if second == 10:
            continue
        number += f"{first}{second}"
        return f"{number[:6]} {number[6:]}" if spaced else number
    raise ValueError("no valid individual number")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# IBAN: BBAN per the country's structure, ISO 7064 mod 97-10 check digits
# ---------------------------------------------------------------------------------------------

# Countries whose only rule beyond the structure is mod 97, plus Norway (11-digit account
# number with its own modulus-11 digit, built below).
IBAN_STRUCTURES = {
    "FI": "n14",
    "SE": "n20",
    "DK": "n14",
    "NO": "n11",
    "DE": "n18",
    "PL": "n24",
    "EE": "n16",
    "GB": "a4n14",
    "NL": "a4n10",
    "IS": "n22",
    "LT": "n16",
    "LV": "a4c13",
    "FR": "n10c11n2",
}
_ALPHABETS = {
    "n": "0123456789",
    "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "c": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
}


def iban_check_digits(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    as_number = "".join(str(int(char, 36)) for char in rearranged)
    return f"{98 - int(as_number) % 97:02d}"


def _no_account_check_ok(account: str) -> bool:
    weights = (6, 7, 8, 9, 4, 5, 6, 7, 8, 9)
    check = sum(w * int(d) for w, d in zip(weights, account[:10], strict=True)) % 11
    return check != 10 and str(check) == account[10]


def iban(country: str, rng: random.Random, *, grouped: bool = True) -> str:
    """A valid IBAN for ``country`` (a key of IBAN_STRUCTURES), grouped in fours or compact."""
    while True:
        bban = "".join(
            rng.choice(_ALPHABETS[kind])
            for kind, count in re.findall(r"([nac])(\d+)", IBAN_STRUCTURES[country])
            for _ in range(int(count))
        )
        if country == "NO":
            head = bban[:10]
            check = (
                sum(w * int(d) for w, d in zip((6, 7, 8, 9, 4, 5, 6, 7, 8, 9), head, strict=True))
                % 11
            )
            if check == 10:
                continue
            bban = head + str(check)
        break
    compact = country + iban_check_digits(country, bban) + bban
    if not grouped:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


# ---------------------------------------------------------------------------------------------
# Phone numbers, in the formats people actually write
# ---------------------------------------------------------------------------------------------

# "#" is a random digit, "M" a mobile prefix digit chosen per country. Formats marked with
# needs_context are bare eight-digit Danish/Norwegian numbers: without a word such as "tlf"
# they cannot be told apart from order numbers, so tests put such a word in front.
PHONE_FORMATS: dict[str, list[tuple[str, bool]]] = {
    "FI": [
        ("+358 4M ### ####", False),
        ("+3584M#######", False),
        ("04M-### ####", False),
        ("04M ### ####", False),
        ("04M#######", False),
        ("00358 4M ### ####", False),
        ("003584M#######", False),
        ("(09) ### ####", False),
        ("09 ### ####", False),
        ("+358 (0)4M ### ####", False),
        ("050 #######", False),
        ("+358 9 ### ####", False),
    ],
    "SE": [
        ("+46 7M ### ## ##", False),
        ("+467M#######", False),
        ("07M-### ## ##", False),
        ("07M ### ## ##", False),
        ("07M#######", False),
        ("08-### ### ##", False),
        ("0046 7M ### ## ##", False),
        ("+46 8 ### ### ##", False),
    ],
    "DK": [
        ("+45 M# ## ## ##", False),
        ("+45M#######", False),
        ("M# ## ## ##", False),
        ("0045 M# ## ## ##", False),
        ("M#######", True),
        ("M### ####", True),
    ],
    "NO": [
        ("+47 9## ## ###", False),
        ("+479#######", False),
        ("9## ## ###", False),
        ("9# ## ## ##", False),
        ("0047 9## ## ###", False),
        ("9#######", True),
        ("+47 M# ## ## ##", False),
    ],
    "INT": [
        ("+44 20 #### ####", False),
        ("+49 30 #######", False),
        ("+1 555 ### ####", False),
        ("+372 5### ####", False),
        ("+48 5## ### ###", False),
    ],
}
_MOBILE_DIGITS = {"FI": "0145", "SE": "02369", "DK": "23456789", "NO": "2345679", "INT": "1"}


def phone(country: str, format_index: int, digits: str) -> str:
    """Fill format ``format_index`` of ``country`` from ``digits`` (at least 12 digits)."""
    template, _ = PHONE_FORMATS[country][format_index % len(PHONE_FORMATS[country])]
    feed = iter(digits)
    out = []
    for char in template:
        if char == "#":
            out.append(next(feed))
        elif char == "M":
            choices = _MOBILE_DIGITS[country]
            out.append(choices[int(next(feed)) % len(choices)])
        else:
            out.append(char)
    return "".join(out)


def phone_needs_context(country: str, format_index: int) -> bool:
    return PHONE_FORMATS[country][format_index % len(PHONE_FORMATS[country])][1]


# Words that tell a reader (and the redactor) that a phone number follows.
PHONE_LABELS = (
    "puh.",
    "puhelin",
    "Tlf",
    "tlf.",
    "telefon:",
    "mobil",
    "Nås på",
    "ring",
    "Tilbakering",
    "phone",
    "tel.",
    "SMS",
    "Mitt nummer:",
    "soittoa numeroon",
)

# ---------------------------------------------------------------------------------------------
# E-mail addresses and names
# ---------------------------------------------------------------------------------------------

FIRST_NAMES = {
    "fi": [
        "Anna-Liisa",
        "Matti",
        "Aino",
        "Juha",
        "Sanna",
        "Mikko",
        "Päivi",
        "Jussi",
        "Tuula",
        "Eero",
        "Hannele",
        "Ville",
    ],
    "sv": ["Karin", "Lars", "Elin", "Anders", "Maja", "Björn", "Ingrid", "Oskar", "Astrid"],
    "da": ["Mette", "Søren", "Jens", "Lone", "Mads", "Kirsten", "Rasmus", "Signe"],
    "nb": ["Kari", "Ola", "Ingrid", "Bjørn", "Solveig", "Håkon", "Sigrid", "Eirik"],
    "en": ["John", "Emily", "Oliver", "Charlotte", "Piotr", "Agnieszka", "Ahmed", "Fatima"],
}
LAST_NAMES = {
    "fi": [
        "Virtanen",
        "Korhonen",
        "Mäkinen",
        "Nieminen",
        "Mäkelä",
        "Hämäläinen",
        "Laine",
        "Heikkinen",
        "Koskinen",
        "Järvinen",
        "Lehtonen",
        "Saarinen",
    ],
    "sv": ["Johansson", "Andersson", "Lindqvist", "Karlsson", "Nilsson", "Eriksson", "Öberg"],
    "da": ["Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Sørensen"],
    "nb": ["Johansen", "Olsen", "Larsen", "Haugen", "Bakken", "Solberg", "Kristiansen"],
    "en": ["Smith", "Clarke", "Kowalski", "Nowak", "Hussein", "Okafor", "Williams"],
}
EMAIL_DOMAINS = [
    "example.fi",
    "posti.fi",
    "gmail.com",
    "hotmail.se",
    "outlook.dk",
    "online.no",
    "kommune.example.no",
    "mail.example.co.uk",
    "xn--mkel-loa.fi",
]


def _ascii_fold(text: str) -> str:
    table = str.maketrans({"ä": "a", "ö": "o", "å": "a", "ø": "o", "æ": "ae", "é": "e"})
    return text.lower().translate(table)


def email(first: str, last: str, domain: str, style: int = 0, number: int = 0) -> str:
    """An address built like people build them: anna-liisa.virtanen@, avirtanen42@ …"""
    first_a, last_a = _ascii_fold(first), _ascii_fold(last)
    local = [
        f"{first_a}.{last_a}",
        f"{first_a[0]}{last_a}{number}",
        f"{last_a}_{first_a}",
        f"{first_a}+palaute",
        f"{first.lower()}.{last.lower()}",  # unicode local part, seen in the wild
        f"{first_a}{number}",
    ][style % 6]
    return f"{local}@{domain}"


def person_name(rng: random.Random, language: str) -> str:
    pool = language if language in FIRST_NAMES else "en"
    return f"{rng.choice(FIRST_NAMES[pool])} {rng.choice(LAST_NAMES[pool])}"


# ---------------------------------------------------------------------------------------------
# Random draws (benchmark) — one function per kind
# ---------------------------------------------------------------------------------------------

TODAY = date.today()
COUNTRY_OF_LANGUAGE = {"fi": "FI", "sv": "SE", "da": "DK", "nb": "NO", "en": "FI"}


def _random_date(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def random_national_id(rng: random.Random, country: str) -> str:
    yesterday = TODAY - timedelta(days=1)
    if country == "FI":
        birth = _random_date(rng, date(1900, 1, 1), yesterday)
        return hetu(birth, rng.randrange(2, 900), rng.randrange(6))
    if country == "SE":
        birth = _random_date(rng, date(1920, 1, 1), yesterday)
        return personnummer(birth, rng.randrange(1000), rng.choice(PERSONNUMMER_STYLES))
    if country == "DK":
        birth = _random_date(rng, date(1937, 1, 1), yesterday)
        return cpr(birth, rng.randrange(1000), rng.randrange(6))
    if country == "NO":
        birth = _random_date(rng, date(1900, 1, 1), yesterday)
        kind = rng.choice(("plain", "plain", "plain", "d"))
        return fodselsnummer(birth, rng.randrange(500), kind, spaced=rng.random() < 0.2)
    raise ValueError(country)


def random_phone(rng: random.Random, country: str) -> tuple[str, bool]:
    """A phone number and whether it needs a phone word in front to be recognised."""
    index = rng.randrange(len(PHONE_FORMATS[country]))
    digits = "".join(rng.choice("0123456789") for _ in range(14))
    return phone(country, index, digits), phone_needs_context(country, index)


def random_email(rng: random.Random, language: str) -> str:
    pool = language if language in FIRST_NAMES else "en"
    return email(
        rng.choice(FIRST_NAMES[pool]),
        rng.choice(LAST_NAMES[pool]),
        rng.choice(EMAIL_DOMAINS),
        rng.randrange(6),
        rng.randrange(100),
    )


def random_iban(rng: random.Random, language: str) -> str:
    home = COUNTRY_OF_LANGUAGE.get(language, "FI")
    country = home if rng.random() < 0.6 else rng.choice(sorted(IBAN_STRUCTURES))
    return iban(country, rng, grouped=rng.random() < 0.6)


# ---------------------------------------------------------------------------------------------
# Written variants: the same valid value as people type it (issue 16's review forms)
# ---------------------------------------------------------------------------------------------

# Dashes that keyboards, word processors and phones put where a hyphen-minus belongs.
DASHES = {"en dash": "\u2013", "hyphen U+2010": "\u2010", "minus U+2212": "\u2212"}


def _separated(number: str, cut: int, separator: str) -> str:
    return f"{number[:cut]}{separator}{number[cut:]}"


def national_id_variants(rng: random.Random, country: str) -> list[tuple[str, str]]:
    """(form, number) for one random person of ``country``, in every way it is written."""
    yesterday = TODAY - timedelta(days=1)
    if country == "FI":
        number = hetu(_random_date(rng, date(1900, 1, 1), yesterday), rng.randrange(2, 900))
        forms = [("hetu DDMMYY-NNNC", number), ("hetu space", number.replace("-", " ", 1))]
        return forms + [(f"hetu {n}", number.replace("-", d, 1)) for n, d in DASHES.items()]
    if country == "SE":
        birth = _random_date(rng, date(1930, 1, 1), yesterday)
        short = personnummer(birth, rng.randrange(1000), "short")
        long = personnummer(birth, rng.randrange(1000), "long")
        return [
            ("pnr YYMMDD-NNNN", _separated(short, 6, "-")),
            ("pnr YYMMDD NNNN", _separated(short, 6, " ")),
            ("pnr YYMMDDNNNN", short),
            ("pnr YYYYMMDDNNNN", long),
            ("pnr YYYYMMDD-NNNN", _separated(long, 8, "-")),
            ("pnr YYYYMMDD NNNN", _separated(long, 8, " ")),
            ("pnr en dash", _separated(short, 6, "\u2013")),
        ]
    if country == "DK":
        birth = _random_date(rng, date(1937, 1, 1), yesterday)
        number = cpr(birth, rng.randrange(1000), rng.randrange(6), dash=False, modulus11=True)
        return [
            ("cpr DDMMYY-SSSS", _separated(number, 6, "-")),
            ("cpr DDMMYY SSSS", _separated(number, 6, " ")),
            ("cpr DDMMYYSSSS", number),
            ("cpr en dash", _separated(number, 6, "\u2013")),
        ]
    if country == "NO":
        number = fodselsnummer(_random_date(rng, date(1900, 1, 1), yesterday), rng.randrange(500))
        return [
            ("fnr DDMMYYNNNNN", number),
            ("fnr DDMMYY NNNNN", _separated(number, 6, " ")),
            ("fnr DDMMYY-NNNNN", _separated(number, 6, "-")),
            ("fnr en dash", _separated(number, 6, "\u2013")),
        ]
    raise ValueError(country)


def iban_variants(rng: random.Random, country: str) -> list[tuple[str, str]]:
    compact = iban(country, rng, grouped=False)
    groups = [compact[i : i + 4] for i in range(0, len(compact), 4)]
    return [
        ("iban compact", compact),
        ("iban spaced", " ".join(groups)),
        ("iban dashes", "-".join(groups)),
        ("iban lower case spaced", " ".join(groups).lower()),
    ]


# Forms of a number given with its country code; "C" is the calling code, "N" the national
# significant number (without the trunk 0).
_INTERNATIONAL_FORMS = {
    "+C N": "+{code} {rest}",
    "+C-N": "+{code}-{rest}",
    "00C N": "00{code} {rest}",
    "00CN": "00{code}{compact}",
    "00C-N": "00{code}-{rest}",
    "+C (0)N": "+{code} (0){rest}",
}
_CALLING_CODES = {"FI": "358", "SE": "46", "DK": "45", "NO": "47"}
_NATIONAL_MOBILE = {
    "FI": "4M ### ####",
    "SE": "7M ### ## ##",
    "DK": "M# ## ## ##",
    "NO": "9## ## ###",
}


def phone_variants(rng: random.Random, country: str) -> list[tuple[str, str]]:
    """(form, number): one mobile number of ``country`` written with its calling code."""
    feed = iter("".join(rng.choice("0123456789") for _ in range(14)))
    rest = "".join(
        next(feed) if c == "#" else rng.choice(_MOBILE_DIGITS[country]) if c == "M" else c
        for c in _NATIONAL_MOBILE[country]
    )
    code = _CALLING_CODES[country]
    compact = rest.replace(" ", "")
    return [
        (f"phone {form}", template.format(code=code, rest=rest, compact=compact))
        for form, template in _INTERNATIONAL_FORMS.items()
    ]


# ---------------------------------------------------------------------------------------------
# Hypothesis strategies
# ---------------------------------------------------------------------------------------------


def _birth_dates(first: date) -> st.SearchStrategy[date]:
    return st.dates(min_value=first, max_value=TODAY - timedelta(days=1))


def hetus() -> st.SearchStrategy[str]:
    return st.builds(hetu, _birth_dates(date(1900, 1, 1)), st.integers(2, 899), st.integers(0, 5))


def personnummers() -> st.SearchStrategy[str]:
    return st.builds(
        personnummer,
        _birth_dates(date(1900, 1, 1)),
        st.integers(0, 999),
        st.sampled_from(PERSONNUMMER_STYLES),
    )


def cprs(*, dash: bool = True, modulus11: bool = False) -> st.SearchStrategy[str]:
    return st.builds(
        cpr,
        _birth_dates(date(1937, 1, 1)),
        st.integers(0, 999),
        st.integers(0, 5),
        dash=st.just(dash),
        modulus11=st.just(modulus11),
    )


def fodselsnummers() -> st.SearchStrategy[str]:
    return st.builds(
        fodselsnummer,
        _birth_dates(date(1900, 1, 1)),
        st.integers(0, 499),
        st.sampled_from(("plain", "d", "h")),
        spaced=st.booleans(),
    )


def national_ids() -> st.SearchStrategy[tuple[str, str]]:
    """(country, number) for the four Nordic schemes."""
    return st.one_of(
        hetus().map(lambda n: ("FI", n)),
        personnummers().map(lambda n: ("SE", n)),
        cprs().map(lambda n: ("DK", n)),
        fodselsnummers().map(lambda n: ("NO", n)),
    )


def phone_numbers() -> st.SearchStrategy[tuple[str, bool]]:
    """(number, needs a phone word in front) over every country's formats."""

    def build(country: str, index: int, digits: str) -> tuple[str, bool]:
        return phone(country, index, digits), phone_needs_context(country, index)

    return st.sampled_from(sorted(PHONE_FORMATS)).flatmap(
        lambda country: st.builds(
            build,
            st.just(country),
            st.integers(0, len(PHONE_FORMATS[country]) - 1),
            st.text("0123456789", min_size=14, max_size=14),
        )
    )


def emails() -> st.SearchStrategy[str]:
    firsts = [n for names in FIRST_NAMES.values() for n in names]
    lasts = [n for names in LAST_NAMES.values() for n in names]
    return st.builds(
        email,
        st.sampled_from(firsts),
        st.sampled_from(lasts),
        st.sampled_from(EMAIL_DOMAINS),
        st.integers(0, 5),
        st.integers(0, 999),
    )


def ibans() -> st.SearchStrategy[str]:
    return st.builds(
        lambda country, seed, grouped: iban(country, random.Random(seed), grouped=grouped),
        st.sampled_from(sorted(IBAN_STRUCTURES)),
        st.integers(0, 2**32),
        st.booleans(),
    )


def names() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(FIRST_NAMES)).flatmap(
        lambda lang: st.builds(
            lambda f, last: f"{f} {last}",
            st.sampled_from(FIRST_NAMES[lang]),
            st.sampled_from(LAST_NAMES[lang]),
        )
    )


# Ordinary text around the personal data: words of the five languages and the kinds of
# numbers that must survive redaction (years, amounts, dates, times, case and order numbers,
# postcodes). Each number comes with a word so numbers never run into the value.
FILLER_WORDS = (
    "asiakas soitti lomake ei toimi hakemus päätös kiitos nopeasta palvelusta "
    "kund ringde e-tjänsten fungerar inte ansökan beslut tack "
    "borger ringede selvbetjening virker ikke ansøgning afgørelse tak "
    "innbygger ringte skjemaet fungerer ikke søknad vedtak takk "
    "caller says the form does not work application decision thanks "
    "äiti förskola børnehave barnehage skoleskyss päiväkoti"
).split()
FILLER_NUMBERS = (
    "vuonna 2024",
    "summa 1 250 €",
    "päivä 12.03.2024",
    "klo 14",
    "ärende ÄR 2024-1234",
    "postinumero 00100",
    "tilausnumero 123456",
    "på 3 uker",
    "betalte 1200 kr",
    "kl. 18:00",
    "sivu 2",
    "år 1998",
)


def surrounding_text() -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(FILLER_WORDS), st.sampled_from(FILLER_NUMBERS))
    return st.lists(piece, min_size=0, max_size=12).map(" ".join)
