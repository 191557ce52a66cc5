"""Find and remove personal data in feedback text before it leaves for the tracker.

Invariant 5: ticket text is built only from ``redact``'s output. Detected are e-mail addresses,
phone numbers, Nordic identity numbers (checked with python-stdnum), IBANs, payment card
numbers and the names the agent entered. Plain functions over strings: no Flask, no database.

The rules lean towards removing too much where a number can only be personal data (a
checksum-valid identity number, an IBAN-shaped account number, a number written like a phone
number) and towards keeping numbers whose shape alone says nothing (six-digit order numbers,
years, amounts, dates, case numbers, postcodes). Where the shape is ambiguous — bare eight-digit
Danish/Norwegian numbers, bare ten-digit identity numbers — the word in front decides: "tlf",
"hetu", "CPR" make it personal; "tilausnumero", "ordernummer", "faktura" make it ordinary.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from stdnum import iban as stdnum_iban
from stdnum import luhn, numdb
from stdnum.dk import cpr as dk_cpr
from stdnum.exceptions import ValidationError
from stdnum.fi import hetu as fi_hetu
from stdnum.no import fodselsnummer as no_fodselsnummer
from stdnum.se import personnummer as se_personnummer

from app.services.names_in_text import find_names_in_text

MARKERS = {
    "email": "[email]",
    "phone": "[phone]",
    "national_id": "[id]",
    "iban": "[iban]",
    "card": "[card]",
    "name": "[name]",
}
# When spans of different kinds overlap, the merged span is labelled with the most specific.
_PRIORITY = {"email": 0, "iban": 1, "card": 2, "national_id": 3, "phone": 4, "name": 5}
_MARKER_RE = re.compile("|".join(re.escape(m) for m in MARKERS.values()))
_MAX_PASSES = 5


@dataclass(frozen=True)
class PersonalDataSpan:
    """``text[start:end]`` is personal data of ``kind`` (one of MARKERS' keys)."""

    kind: str
    start: int
    end: int


def find_personal_data(text: str, names: Iterable[str] = ()) -> list[PersonalDataSpan]:
    """The personal data in ``text``, as sorted, non-overlapping spans.

    ``names`` are the contact's names as the agent entered them ("Anna-Liisa Virtanen"); the
    full name, each part and Finnish/Nordic inflected forms of the parts are found.
    """
    context = _Context(text)
    spans: list[PersonalDataSpan] = []
    spans += _find_emails(text)
    spans += _find_ibans(text)
    spans += _find_national_ids(text, context)
    spans += _find_phones_and_cards(text, context)
    spans += _find_dotted_phones(text)
    spans += _find_names(text, names)
    spans += _find_other_names(text)
    # A marker left by an earlier pass is never personal data, even when a name equals "name".
    markers = [(m.start(), m.end()) for m in _MARKER_RE.finditer(text)]
    if markers:
        spans = [s for s in spans if not any(a <= s.start and s.end <= b for a, b in markers)]
    return _merge(spans, text)


def preload_redaction() -> None:
    """Load the name lists and word frequencies and compile the patterns (about half a
    second) before the first request or job needs them."""
    redact("Hei, olen Matti Meikäläinen, matti@example.org")


def redact(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with each personal-data span replaced by its marker ("[email]", "[id]" …).

    The output is scanned again until nothing more is found, so redacting twice changes
    nothing: a replacement can split a digit run and leave a remainder that reads differently
    on its own.
    """
    names = tuple(names)
    for _ in range(_MAX_PASSES):
        spans = find_personal_data(text, names)
        if not spans:
            break
        pieces = []
        position = 0
        for span in spans:
            pieces.append(text[position : span.start])
            pieces.append(MARKERS[span.kind])
            position = span.end
        pieces.append(text[position:])
        text = "".join(pieces)
    return text


def _merge(spans: list[PersonalDataSpan], text: str) -> list[PersonalDataSpan]:
    merged: list[PersonalDataSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged:
            last = merged[-1]
            overlaps = span.start < last.end
            # "Anna-Liisa Virtanen" found part by part still becomes one "[name]".
            adjacent_names = (
                span.kind == last.kind == "name"
                and text[last.end : span.start].strip(" \t\u00a0-") == ""
            )
            if overlaps or adjacent_names:
                kind = min(last.kind, span.kind, key=_PRIORITY.__getitem__)
                merged[-1] = PersonalDataSpan(kind, last.start, max(last.end, span.end))
                continue
        merged.append(span)
    return merged


# ---------------------------------------------------------------------------------------------
# Context: the word in front of a number says what the number is
# ---------------------------------------------------------------------------------------------

_CONTEXT_WINDOW = 30  # characters between the end of the word and the number

_ID_WORDS = r"""
    hetu\w* | henkilö-?tun\w* | henkilo-?tun\w* | sotu\w* | sosiaaliturvatun\w*
  | personnum\w* | personnr\w* | p-?nr | samordningsnum\w*
  | fødselsnum\w* | fødselsnr | fodselsnum\w* | f-?nr | d-num\w*
  | cpr\w* | cpr-nr
  | (?:personal|national|civic)\s+id(?:entity)?(?:\s+(?:number|code|no))?
  | (?:personal\s+)?identity\s+(?:number|code) | id\s+number | ssn
  | social\s+security\s+number | personal\s+(?:number|code)
"""
# Words that announce a phone number. "ring" also covers ringde/ringte/ringede: a number
# right after "the caller rang" is usually the caller's.
_PHONE_WORDS = r"""
    puh\w* | gsm | matkapuh\w* | kännyk\w* | soitto\w* | soita\w* | soitta\w* | takaisinsoit\w*
  | tekstivie\w* | yhteysnumero\w*
  | tel | telef\w* | teleph\w* | tlf | tfn | mobil\w* | mob | sms | ring\w* | tilbakering\w*
  | nås | nåes | treffes | kontakt\w* | nummer | numret | nummeret | numre
  | phone\w* | cell\w* | call\s+(?:me|back) | callback | text\s+me | reach\s+me
  | (?:my|new|contact)\s+number | whatsapp
"""
# Words that announce an ordinary number: order, invoice, case, customer numbers.
_REFERENCE_WORDS = r"""
    (?:tilaus|viite|lasku|asiakas|asia|päätös|diaari|hakemus|varaus|lähetys|seuranta|sopimus
      |order|ordre|kund|kunde|faktura|ärende|sags?|saks?|diarie|referens|reference|invoice
      |case|ticket|booking|bokning|tracking|kolli|ref)
    [-\s]?(?:numero\w*|nummer\w*|nro|nr|no|number|id|tunnus\w*)\.?
  | viite\w* | ref | dnr | faktura\w* | lasku\w* | invoice\w* | order\w* | ordre\w*
  | tilaus\w* | ärende\w* | sagsnr | saksnr
"""
_CONTEXT_RE = re.compile(
    rf"(?<!\w)(?:(?P<id>{_ID_WORDS})|(?P<phone>{_PHONE_WORDS})|(?P<ref>{_REFERENCE_WORDS}))(?!\w)",
    re.IGNORECASE | re.VERBOSE,
)


class _Context:
    """The context words of one text, to ask what kind of number follows a position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = [(m.end(), m.lastgroup or "") for m in _CONTEXT_RE.finditer(text)]
        self.ends = [end for end, _ in self.words]

    def before(self, position: int) -> str | None:
        """ "id", "phone", "ref" or None: the nearest context word before ``position``."""
        index = bisect_right(self.ends, position) - 1
        if index < 0:
            return None
        end, kind = self.words[index]
        if position - end > _CONTEXT_WINDOW:
            return None
        # "hetu" or "tilausnumero" speaks of the first number after it only; a phone word
        # often introduces two numbers ("tlf 12 34 56 78 / 87654321").
        if kind != "phone" and any(c.isdigit() for c in self.text[end:position]):
            return None
        return kind


# ---------------------------------------------------------------------------------------------
# E-mail addresses
# ---------------------------------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![\w.%+'’-])[\w%+-]+(?:[.'’][\w%+-]+)*"
    # Finnish public-sector style "etunimi.sukunimi(at)hel.fi" is common enough to catch.
    r"(?:@|\s?[(\[]\s?(?:at|ät)\s?[)\]]\s?)"
    r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?!\w)",
    re.IGNORECASE,
)


def _find_emails(text: str) -> list[PersonalDataSpan]:
    lowered = text.lower()
    if "@" not in text and "at)" not in lowered and "at]" not in lowered and "ät" not in lowered:
        return []
    return [PersonalDataSpan("email", m.start(), m.end()) for m in _EMAIL_RE.finditer(text)]


# ---------------------------------------------------------------------------------------------
# IBANs
# ---------------------------------------------------------------------------------------------

# Country code, check digits, then up to 30 more characters, possibly grouped by spaces. The
# match may run into the following words; the longest valid run of whole groups is kept.
_IBAN_CANDIDATE_RE = re.compile(
    r"(?<!\w)[A-Za-z]{2}\d{2}(?:[- \u00a0\u202f\u2010\u2011\u2013]?[A-Za-z0-9]){10,32}"
)
_IBAN_GROUP_RE = re.compile(r"[A-Za-z0-9]+")
_IBAN_DB = numdb.get("iban")


@lru_cache(maxsize=128)
def _bban_pattern(country: str) -> re.Pattern[str] | None:
    info = _IBAN_DB.info(country + "00")[0][1]
    structure = info.get("bban") if info else None
    if not structure:
        return None
    classes = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}
    parts = [
        f"{classes[kind]}{{{count}}}" for count, kind in re.findall(r"(\d+)!([nac])", structure)
    ]
    return re.compile("".join(parts) + r"\Z")


def _is_iban(compact: str, written_country: str) -> bool:
    if stdnum_iban.is_valid(compact):
        return True
    # A mistyped IBAN is still somebody's account number: keep the checksum out of it when
    # the country code is written in capitals and the rest has exactly that country's BBAN
    # layout, which no ordinary number in feedback has.
    if not written_country.isupper():
        return False
    pattern = _bban_pattern(written_country)
    return bool(pattern and compact[2:4].isdigit() and pattern.match(compact[4:]))


def _find_ibans(text: str) -> list[PersonalDataSpan]:
    spans = []
    position = 0
    while match := _IBAN_CANDIDATE_RE.search(text, position):
        groups = list(_IBAN_GROUP_RE.finditer(match.group()))
        found = None
        for count in range(len(groups), 0, -1):
            last = groups[count - 1]
            end = match.start() + last.end()
            if end < len(text) and text[end].isalnum():
                continue  # the candidate was cut inside a word
            compact = "".join(g.group() for g in groups[:count]).upper()
            if 15 <= len(compact) <= 34 and _is_iban(compact, match.group()[:2]):
                found = PersonalDataSpan("iban", match.start(), end)
                break
        if found:
            spans.append(found)
            position = found.end
        else:
            position = match.start() + 1
    return spans


# ---------------------------------------------------------------------------------------------
# Nordic identity numbers
# ---------------------------------------------------------------------------------------------

_ID_EDGE_BEFORE = r"(?<![\w+])"
_ID_EDGE_AFTER = r"(?![\w])"
# People and their word processors write the separator as a hyphen-minus, an en or em dash,
# U+2010/U+2011, a minus sign or a space; the checksum decides, not the separator.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"
_ID_SEPARATOR = rf"[-{_DASHES} \u00a0]"
# Henkilötunnus: DDMMYY, century sign (- + A–F, U–Y since 2023), three digits, check character.
_HETU_RE = re.compile(
    rf"{_ID_EDGE_BEFORE}\d{{6}}(?:[+A-Za-z]|{_ID_SEPARATOR})\d{{3}}[0-9A-Za-z]{_ID_EDGE_AFTER}"
)
# Ten digits: Swedish YYMMDD-NNNN / YYMMDD+NNNN and Danish DDMMYY-SSSS, or bare.
_TEN_RE = re.compile(rf"{_ID_EDGE_BEFORE}\d{{6}}(?:\+|{_ID_SEPARATOR})?\d{{4}}{_ID_EDGE_AFTER}")
# Twelve digits: Swedish YYYYMMDD-NNNN.
_TWELVE_RE = re.compile(
    rf"{_ID_EDGE_BEFORE}(?:18|19|20)\d{{6}}(?:\+|{_ID_SEPARATOR})?\d{{4}}{_ID_EDGE_AFTER}"
)
# Eleven digits: Norwegian fødselsnummer, often written DDMMYY NNNNN or DDMMYY-NNNNN.
_ELEVEN_RE = re.compile(rf"{_ID_EDGE_BEFORE}\d{{6}}{_ID_SEPARATOR}?\d{{5}}{_ID_EDGE_AFTER}")
_TO_HYPHEN = str.maketrans(dict.fromkeys(_DASHES + " \u00a0", "-"))


def _as_written_with_hyphen(number: str) -> str:
    """``number`` with its separator as the hyphen-minus the checksum libraries expect."""
    return number.translate(_TO_HYPHEN)


def _digits_and_sign(number: str) -> str:
    """A ten- or twelve-digit number with any dash or space dropped and a "+" kept."""
    return _as_written_with_hyphen(number).replace("-", "")


def _is_personnummer(candidate: str) -> bool:
    if se_personnummer.is_valid(candidate):
        return True
    # Samordningsnummer (coordination number): day + 60. stdnum rejects the date; check the
    # date with the real day and the Luhn digit over the number as written.
    number = se_personnummer.compact(candidate)
    day = int(number[-7:-5]) if number[-7:-5].isdigit() else 0
    if not 61 <= day <= 91:
        return False
    digits = re.sub(r"\D", "", number)
    shifted = f"{number[:-7]}{day - 60:02d}{number[-5:]}"
    try:
        se_personnummer.get_birth_date(shifted)
    except ValidationError:
        return False
    return luhn.is_valid(digits[-10:])


def _is_new_style_cpr(candidate: str) -> bool:
    # stdnum checks the date and that it is not in the future; the modulus-11 check was
    # dropped for CPR numbers issued since 2007, so stdnum does not apply it.
    return dk_cpr.is_valid(candidate)


def _find_national_ids(text: str, context: _Context) -> list[PersonalDataSpan]:
    spans = []

    def add(match: re.Match[str]) -> None:
        spans.append(PersonalDataSpan("national_id", match.start(), match.end()))

    for match in _HETU_RE.finditer(text):
        # After "hetu", "personnummer" … a number of the right shape is an identity number
        # even with a typo in it: that is exactly what the agent was writing down.
        number = _as_written_with_hyphen(match.group())
        if fi_hetu.is_valid(number, allow_temporary=True) or context.before(match.start()) == "id":
            add(match)
    for match in _TWELVE_RE.finditer(text):
        number = _digits_and_sign(match.group())
        if _is_personnummer(number) or context.before(match.start()) == "id":
            add(match)
    for match in _ELEVEN_RE.finditer(text):
        number = _digits_and_sign(match.group())
        if no_fodselsnummer.is_valid(number) or context.before(match.start()) == "id":
            add(match)
    for match in _TEN_RE.finditer(text):
        written = _as_written_with_hyphen(match.group())
        said = context.before(match.start())
        if said == "id":
            add(match)
        elif not written.isdigit():
            # Written with a separator, the shape is an identity number's own.
            number = written.replace("-", "")
            if _is_personnummer(number) or ("+" not in number and _is_new_style_cpr(number)):
                add(match)
        elif said != "ref":
            # Ten bare digits pass a date check about one time in thirty and Luhn one in ten:
            # ask for the Swedish check digit, or the Danish modulus 11 (pre-2007 numbers).
            if _is_personnummer(written) or (
                _is_new_style_cpr(written) and dk_cpr.checksum(written) == 0
            ):
                add(match)
    return spans


# ---------------------------------------------------------------------------------------------
# Phone numbers and payment cards: runs of digit groups
# ---------------------------------------------------------------------------------------------

# A run is digit groups joined by one space, a hyphen or en dash (spaced or not), nothing
# after ")", or a slash after an area code ("040/123 4567", but not "0123/2024"):
# "+358 (0)40 123 4567", "(09) 310 1691", "070-123 45 67", "4111 1111 1111 1111". It never
# starts inside a word, a decimal number or a date ("12.03.2024" gives runs of at most four
# digits), but may follow an abbreviation's dot ("puh.040 123 4567").
_RUN_SEPARATOR = (
    r"(?:[ \u00a0\u202f]|[ \u00a0]?[-–][ \u00a0]?|(?<=\))"
    r"|(?:(?<=(?<!\d)0\d\d)|(?<=(?<!\d)0\d\d\d))/(?!(?:19|20)\d\d(?!\d)))"
)
_RUN_RE = re.compile(rf"(?<![\w/+])(?<!\d[.,])(?:\(?\+)?\(?\d+\)?(?:{_RUN_SEPARATOR}\(?\d+\)?)*")
_GROUP_RE = re.compile(r"\(?\+?\d+\)?")
_MAX_WINDOW_GROUPS = 8

# Calling code: national significant number length range.
_NORDIC_CALLING_CODES = {"358": (6, 12), "354": (7, 9), "45": (8, 8), "46": (7, 10), "47": (8, 8)}
# Danish and Norwegian subscriber numbers are written 12 34 56 78 or 912 34 567; amounts are
# grouped by thousands (12 345 678), so these groupings alone are evidence enough.
_NORDIC_8_DIGIT_GROUPINGS = {(2, 2, 2, 2), (3, 2, 3)}


@dataclass(frozen=True)
class _Group:
    raw: str
    start: int
    end: int
    digits: str


def _find_phones_and_cards(text: str, context: _Context) -> list[PersonalDataSpan]:
    spans: list[PersonalDataSpan] = []
    for run in _RUN_RE.finditer(text):
        groups = [
            _Group(
                g.group(),
                run.start() + g.start(),
                run.start() + g.end(),
                re.sub(r"\D", "", g.group()),
            )
            for g in _GROUP_RE.finditer(run.group())
        ]
        if sum(len(g.digits) for g in groups) < 7:
            continue
        spans += _scan_run(text, groups, context)
    return spans


# Phone numbers grouped with dots ("040.123.4567", "12.34.56.78", "+45.12.34.56.78"). Dates
# are dotted too, so a dotted run is a phone only in a shape no date has: from a trunk 0 or
# a calling code with 8 to 12 digits, not day.month.year; or a Danish/Norwegian 2-2-2-2 or
# 3-2-3 grouping.
_DOTTED_RE = re.compile(r"(?<![\w.+])(?:\+|00)?\d{1,4}(?:\.\d{2,4}){2,4}(?![\w]|\.\d)")


def _find_dotted_phones(text: str) -> list[PersonalDataSpan]:
    spans = []
    for match in _DOTTED_RE.finditer(text):
        written = match.group()
        groups = written.lstrip("+").split(".")
        digits = "".join(groups)
        lengths = tuple(len(g) for g in groups)
        if written.startswith(("+", "00")):
            international = digits[2:] if written.startswith("00") else digits
            phone = any(
                international.startswith(code) and low <= len(international) - len(code) <= high
                for code, (low, high) in _NORDIC_CALLING_CODES.items()
            )
        elif digits.startswith("0"):
            date_like = len(groups) == 3 and lengths[2] == 4 and lengths[0] <= 2
            phone = 8 <= len(digits) <= 12 and not date_like
        else:
            phone = digits[0] in "23456789" and lengths in _NORDIC_8_DIGIT_GROUPINGS
        if phone:
            spans.append(PersonalDataSpan("phone", match.start(), match.end()))
    return spans


def _scan_run(text: str, groups: list[_Group], context: _Context) -> list[PersonalDataSpan]:
    spans = []
    k = 0
    after_match = True
    while k < len(groups):
        # A number may start inside a run only after a match, after a group of four or more
        # digits ("2024 040 123 4567") or after a spaced dash ("18:00 – 040 123 4567"); after
        # "1 000" the "000 000" of an amount is no phone.
        joint = text[groups[k - 1].end : groups[k].start] if k else ""
        spaced_dash = len(joint) > 1 and joint.strip() in {"-", "–"}
        if after_match or spaced_dash or len(groups[k - 1].digits) >= 4:
            last_end = min(len(groups), k + _MAX_WINDOW_GROUPS)
            for end in range(last_end, k, -1):
                window = groups[k:end]
                kind = _classify_window(text, window, context)
                if kind:
                    spans.append(PersonalDataSpan(kind, *_window_bounds(window)))
                    k = end
                    after_match = True
                    break
            else:
                k += 1
                after_match = False
        else:
            k += 1
    return spans


def _window_bounds(window: Sequence[_Group]) -> tuple[int, int]:
    # Keep a bracket that only encloses the whole number outside: "(040 123 4567)".
    first, last = window[0], window[-1]
    start = first.start + (1 if first.raw.startswith("(") and ")" not in first.raw else 0)
    end = last.end - (1 if last.raw.endswith(")") and "(" not in last.raw else 0)
    return start, end


def _classify_window(text: str, window: Sequence[_Group], context: _Context) -> str | None:
    digits = "".join(g.digits for g in window)
    if len(digits) > 19:
        return None
    if _is_card(window, digits):
        return "card"
    return "phone" if _is_phone(text, window, digits, context) else None


def _is_card(window: Sequence[_Group], digits: str) -> bool:
    if not 13 <= len(digits) <= 19 or any(g.raw != g.digits for g in window):
        return False
    lengths = tuple(len(g.digits) for g in window)
    grouped_like_card = (
        len(lengths) == 1
        or (all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4)
        or lengths in {(4, 6, 5), (4, 6, 4)}
    )
    # Issuer prefixes of Visa, Mastercard, Amex, Diners, JCB, Discover, Maestro, UnionPay:
    # they exclude most long reference numbers before the 1-in-10 Luhn test.
    issuer = (
        digits[0] in "456"
        or digits[:2] in {"34", "35", "36", "37", "38", "39"}
        or "300" <= digits[:3] <= "305"
        or 2221 <= int(digits[:4]) <= 2720
    )
    return grouped_like_card and issuer and luhn.is_valid(digits)


def _is_phone(text: str, window: Sequence[_Group], digits: str, context: _Context) -> bool:
    first = window[0]
    if first.raw.lstrip("(").startswith("+"):
        return _is_international(window, with_plus=True)
    if digits.startswith("00"):
        return _is_international(window, with_plus=False)
    said = context.before(first.start)
    if said == "ref":
        return False
    lengths = tuple(len(g.digits) for g in window)
    if digits.startswith("0"):
        # Trunk prefix: Finnish and Swedish numbers, 040 123 4567, (09) 310 1691, 08-123 456 78.
        business_id = lengths == (7, 1)  # Finnish Y-tunnus 0123456-7
        return 8 <= len(digits) <= 12 and not business_id
    if len(digits) == 8 and digits[0] in "23456789" and lengths in _NORDIC_8_DIGIT_GROUPINGS:
        return True
    if said == "phone" and 7 <= len(digits) <= 12:
        # "ringde om ärende 2024-1234": a year, a hyphen and a serial is a case number.
        separator = text[window[0].end : window[1].start] if len(window) > 1 else ""
        case_number = (
            lengths[0] == 4 and digits[:2] in {"19", "20"} and separator.strip() in {"-", "–", "/"}
        )
        return not case_number
    return False


def _is_international(window: Sequence[_Group], *, with_plus: bool) -> bool:
    # "(0)" is the trunk prefix some write inside an international number; it is not dialled.
    digits = "".join(g.digits for g in window if g.raw != "(0)")
    if not with_plus:
        digits = digits[2:]
    if not digits or digits[0] == "0":
        return False
    for code, (shortest, longest) in _NORDIC_CALLING_CODES.items():
        if digits.startswith(code):
            return shortest <= len(digits) - len(code) <= longest
    if not with_plus and len(window) == 1:
        # A bare 00… run is only trusted for the Nordic codes above: order numbers can start
        # with zeros too.
        return False
    return 8 <= len(digits) <= 15


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

# Lower-case particles are kept in the full-name pattern but not removed on their own: "de",
# "af", "van" are ordinary words in the five languages.
_NAME_PARTICLES = frozenset("af av von van de der den da di du la le zu til el al bin ibn".split())
# Finnish case endings and the Nordic/English genitive, longest first so the whole word goes.
_FINNISH_ENDINGS = (
    "lle llä lla ltä lta ssä ssa stä sta ksi han hen hin hon hun hyn hän hön na nä ta tä n a ä"
).split()
_GENITIVE = r"(?:'s|’s|s)"
_ENDINGS = "|".join(sorted(_FINNISH_ENDINGS, key=len, reverse=True))
# Surnames in -nen inflect on the stem -se-/-s-: Virtanen, Virtasen, Virtaselle, Virtasta.
_NEN_ENDINGS = (
    r"(?:e(?:lle|llä|lla|ltä|lta|ssä|ssa|stä|sta|ksi|na|nä|en|n)|ta|tä"
    r"|i(?:lle|llä|lla|ltä|lta|ssä|ssa|stä|sta|ksi|na|nä|en|a|ä))"
)


def _name_parts(name: str) -> list[tuple[str, bool]]:
    """The parts to look for, each with whether it may be written in lower case."""
    parts: list[tuple[str, bool]] = []
    for token in re.split(r"[\s,]+", name.strip()):
        token = token.strip(".;:()\"'")
        # Short parts (Per, Ola, Ida) and the halves of a double name (Anna of Anna-Liisa)
        # are also ordinary words ("per post", "anna palautetta"): only capitalised.
        candidates = [(token, len(token) > 3)]
        if "-" in token:
            candidates += [(half, False) for half in token.split("-")]
        for part, any_case in candidates:
            if len(part) < 2 or part.lower() in _NAME_PARTICLES:
                continue
            if any(part == known for known, _ in parts):
                continue
            parts.append((part, any_case))
    return parts


def _literal(text: str, any_case: bool) -> str:
    if any_case:
        return rf"(?i:{re.escape(text)})"
    return re.escape(text[0].upper()) + rf"(?i:{re.escape(text[1:])})"


def _part_pattern(part: str, any_case: bool) -> str:
    stem = _literal(part, any_case)
    if len(part) <= 3:
        return rf"{stem}(?::?(?:{_ENDINGS})|{_GENITIVE})?"
    forms = [stem]
    lowered = part.lower()
    if lowered.endswith("nen") and len(part) > 5:
        forms.append(_literal(part[:-3], any_case) + rf"(?i:s{_NEN_ENDINGS})")
    if lowered[-1] in "aeiouyäö":
        # Illative lengthens the last vowel: Anna → Annaan, Mattila → Mattilaan.
        endings = rf"(?i::?(?:{_ENDINGS}|{re.escape(lowered[-1])}n)|{_GENITIVE})"
    else:
        # Names ending in a consonant take -i- before a Finnish ending: Johanssonille.
        endings = rf"(?i::?i?(?:{_ENDINGS})|{_GENITIVE})"
    return rf"(?:{'|'.join(forms)}){endings}?"


def _find_names(text: str, names: Iterable[str]) -> list[PersonalDataSpan]:
    alternatives = []
    for name in names:
        if not name or not name.strip():
            continue
        tokens = name.split()
        if len(tokens) > 1:
            alternatives.append(r"(?i:" + r"[\s\-]+".join(re.escape(t) for t in tokens) + ")")
        alternatives += [_part_pattern(part, any_case) for part, any_case in _name_parts(name)]
    if not alternatives:
        return []
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")
    return [PersonalDataSpan("name", m.start(), m.end()) for m in pattern.finditer(text)]


def _find_other_names(text: str) -> list[PersonalDataSpan]:
    return [PersonalDataSpan("name", start, end) for start, end in find_names_in_text(text)]
