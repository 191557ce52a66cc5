"""Redaction of personal data (invariant 5): examples per kind and language, ordinary numbers
that must survive, and properties over generated valid personal data."""

from __future__ import annotations

import ast
import os
import random
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban
from stdnum.dk import cpr as dk_cpr
from stdnum.fi import hetu as fi_hetu
from stdnum.no import fodselsnummer as no_fodselsnummer
from stdnum.se import personnummer as se_personnummer

from app.services import finnish_inflection, name_lists, name_words, names_in_text, privacy
from app.services.privacy import MARKERS, PersonalDataSpan, find_personal_data, redact
from tests.support import personal_data as pd

# REDACTION_EXAMPLES=5000 for a deeper search than the quick default.
PROPERTY = settings(
    max_examples=int(os.environ.get("REDACTION_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def assert_removed(value: str, output: str) -> None:
    """Neither the value nor its digit sequence is left in ``output``."""
    assert value not in output, output
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 7:
        assert digits not in re.sub(r"[\s\-+().]", "", output), output


# ---------------------------------------------------------------------------------------------
# Examples, per kind and language
# ---------------------------------------------------------------------------------------------

EMAILS = [
    ("fi", "Sähköposti {} kiitos.", "anna-liisa.virtanen@example.fi"),
    ("fi", "Vastaus osoitteeseen {}", "etunimi.sukunimi(at)hel.fi"),
    ("sv", "Kundens e-post: {}.", "karin_lindqvist+kommun@hotmail.se"),
    ("da", "Mail {}.", "søren.jensen@outlook.dk"),
    ("nb", "E-posten min er {}", "ola.nordmann@kommune.example.no"),
    ("en", "Please contact me. {}", "J.Smith42@mail.example.co.uk"),
    ("en", "Write to {} please", "sean.o'neill@example.ie"),
]


@pytest.mark.parametrize(("language", "template", "value"), EMAILS)
def test_email_addresses_are_removed(language, template, value):
    text = template.format(value)
    assert redact(text) == template.format("[email]")


PHONES = [
    ("fi", "puh {} kiitos", "+358 40 123 4567"),
    ("fi", "Pyytää soittoa numeroon {}.", "040-123 4567"),
    ("fi", "as. {} soitti", "0401234567"),
    ("fi", "numero {}", "00358 40 123 4567"),
    ("fi", "numero {}", "00358401234567"),
    ("fi", "vaihde {} arkisin", "(09) 310 1691"),
    ("fi", "puhelin {}", "+358 (0)40 123 4567"),
    ("fi", "puh. {} (arkisin)", "040/123 4567"),
    ("fi", "puh. {}.", "040 - 123 4567"),
    ("sv", "tfn {}", "070–123 45 67"),
    ("fi", "soita klo 9–16 tai 18:00 – {}", "040-123 4567"),
    ("sv", "Nås på {}.", "+46 70 123 45 67"),
    ("sv", "Kund ringde ({}), vigseltid", "070-123 45 67"),
    ("sv", "Växel {}", "08-123 456 78"),
    ("da", "Tlf {}.", "+45 12 34 56 78"),
    ("da", "Tlf {}.", "12345678"),
    ("da", "ring til mig på {}", "12 34 56 78"),
    ("nb", "Tilbakering {}.", "+47 912 34 567"),
    ("nb", "mobil {}", "912 34 567"),
    ("nb", "Mitt nummer er {}", "91234567"),
    ("en", "New number {}", "+44 20 7946 0958"),
    ("en", "Caller: {}, refund", "+1 (555) 123-4567"),
]


@pytest.mark.parametrize(("language", "template", "value"), PHONES)
def test_phone_numbers_are_removed(language, template, value):
    text = template.format(value)
    output = redact(text)
    assert output == template.format("[phone]")
    assert_removed(value, output)


def test_bracketed_phone_keeps_its_brackets():
    assert redact("Kund ringde (070-123 45 67).") == "Kund ringde ([phone])."


def test_the_national_id_examples_are_valid():
    # Guards the examples below: each is valid for stdnum (or deliberately a special case).
    assert fi_hetu.is_valid("131052-308T")
    assert fi_hetu.is_valid(pd.hetu(date(2005, 4, 1), 123, sign_choice=1))  # "B"
    assert se_personnummer.is_valid("811218-9876")
    assert dk_cpr.is_valid("050570-0015")
    assert no_fodselsnummer.is_valid("15108695088")


NATIONAL_IDS = [
    ("fi", "Hain apuvälinettä äidilleni, hetu {}.", "131052-308T"),
    ("fi", "henkilötunnus {} ok", "131052-308t"),
    ("fi", "lapsen tunnus {}", pd.hetu(date(2005, 4, 1), 123, sign_choice=1)),
    ("fi", "tunnus {}", pd.hetu(date(1990, 7, 15), 456, sign_choice=1)),  # century sign "Y"
    ("fi", "tunnus {}", pd.hetu(date(1990, 7, 15), 456, sign_choice=5)),  # century sign "U"
    ("fi", "tilapäinen {}", pd.hetu(date(1985, 1, 2), 905)),  # temporary range 900–999
    ("sv", "Kund, personnummer {}, ringde", "811218-9876"),
    ("sv", "pnr {}", "8112189876"),
    ("sv", "pnr {}", "198112189876"),
    ("sv", "pnr {}", "19811218-9876"),
    ("sv", "född {}", pd.personnummer(date(1920, 5, 5), 123, "short-dash")),  # "+" separator
    ("sv", "samordningsnummer {}", "811278-9873"),  # day + 60
    ("da", "CPR {}.", "050570-0015"),
    ("da", "Borger {} ringede", pd.cpr(date(2010, 3, 3), 17)),  # post-2007, no modulus 11
    ("nb", "Innbygger ringte (fnr {}), lurte", "15108695088"),
    ("nb", "Fnr til barnet: {}.", "151086 95088"),
    ("nb", "D-nummer {}", pd.fodselsnummer(date(1975, 3, 12), 10, "d")),
    ("en", "Identity verified, national ID {}. Sent by post.", "131052-308T"),
]


@pytest.mark.parametrize(("language", "template", "value"), NATIONAL_IDS)
def test_national_identity_numbers_are_removed(language, template, value):
    text = template.format(value)
    output = redact(text)
    assert output == template.format("[id]")
    assert_removed(value, output)


def test_coordination_number_example_is_luhn_valid():
    assert not se_personnummer.is_valid("811278-9873")  # stdnum rejects day 78 …
    assert privacy._is_personnummer("811278-9873")  # … we accept it as day 18 + 60


IBANS = [
    ("fi", "Haluaa maksun takaisin tilille {}.", "FI21 1234 5600 0007 85"),
    ("en", "the form rejects my IBAN {}. It's valid", "PL61109010140000071219812874"),
    ("nb", "Oppgitt konto: {}. Bedt om", "DE89 3704 0044 0532 0130 00"),
    ("sv", "tillbaka till {}", "SE45 5000 0000 0583 9825 7466"),
    ("da", "refusion til {}. CPR", "DK50 0040 0440 1162 43"),
    ("nb", "konto {}", "NO9386011117947"),
    ("en", "account {} thanks", "gb29 nwbk 6016 1331 9268 19"),
]


@pytest.mark.parametrize(("language", "template", "value"), IBANS)
def test_ibans_are_removed(language, template, value):
    assert stdnum_iban.is_valid(value)
    text = template.format(value)
    output = redact(text)
    assert output == template.format("[iban]")
    assert_removed(value, output)


def test_iban_followed_by_words_keeps_the_words():
    assert redact("tilille FI2112345600000785 Kiitos paljon") == "tilille [iban] Kiitos paljon"


def test_mistyped_iban_in_capitals_is_still_an_account_number():
    # Right country layout, wrong check digits: a typo in an account number.
    assert not stdnum_iban.is_valid("FI22 1234 5600 0007 85")
    assert redact("tilille FI22 1234 5600 0007 85") == "tilille [iban]"


CARDS = [
    ("fi", "maksoin kortilla {} mutta", "4111 1111 1111 1111"),
    ("sv", "kort {}", "5555555555554444"),
    ("en", "card {} expired", "3782 822463 10005"),
    ("da", "kort {}", "4571-1234-5678-9016"),
]


@pytest.mark.parametrize(("language", "template", "value"), CARDS)
def test_card_numbers_are_removed(language, template, value):
    text = template.format(value)
    output = redact(text)
    assert output == template.format("[card]")
    assert_removed(value, output)


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Asiakas Anna-Liisa Virtanen soitti.", "Asiakas [name] soitti."),
        ("Asiakas VIRTANEN ANNA-LIISA soitti.", "Asiakas [name] soitti."),
        ("Anna soitti, Virtanen ei.", "[name] soitti, [name] ei."),
        ("Lähetetty Virtaselle ja Anna-Liisalle.", "Lähetetty [name] ja [name]."),
        ("Virtasen hakemus, Virtasta ei tavoitettu.", "[name] hakemus, [name] ei tavoitettu."),
        ("Annaan ei saatu yhteyttä", "[name] ei saatu yhteyttä"),
        ("Liisa's form", "[name] form"),
        ("Virtaset ja Virtanen-Smith", "Virtaset ja [name]-[name]"),
    ],
)
def test_finnish_names_full_parts_and_inflected(text, expected):
    assert redact(text, ["Anna-Liisa Virtanen"]) == expected


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("Karin Lindqvist", "Kund Karin Lindqvist, personnummer", "Kund [name], personnummer"),
        ("Karin Lindqvist", "Lindqvists ansökan", "[name] ansökan"),
        ("Søren Jensen", "Borger søren jensen ringede", "Borger [name] ringede"),
        ("Kari Nordmann", "Mvh Kari", "Mvh [name]"),
        ("John Smith", "Smithille lähti kirje", "[name] lähti kirje"),
        ("Ludwig van Beethoven", "Ludwig van Beethoven called", "[name] called"),
        ("Ludwig van Beethoven", "van Gogh", "van Gogh"),
    ],
)
def test_names_in_the_other_languages(name, text, expected):
    assert redact(text, [name]) == expected


def test_short_name_parts_match_only_capitalised():
    # "Per" is also a word ("per post"); as a name it is written with a capital.
    assert redact("Per ringde, svar per post.", ["Per Ek"]) == "[name] ringde, svar per post."


def test_names_never_match_inside_words():
    assert redact("annala ja hannan", ["Anna Virtanen"]) == "annala ja hannan"


def test_half_of_a_double_name_is_a_name_only_when_capitalised():
    text = "anna palautetta, Anna soitti"
    assert redact(text, ["Anna-Liisa Virtanen"]) == "anna palautetta, [name] soitti"


def test_no_names_given_still_removes_a_full_name_in_the_text():
    # Issue 16: a name that is not the contact's was kept ("Lars Mäkinen soitti").
    text = "Asiakas Anna-Liisa Virtanen soitti."
    assert redact(text) == "Asiakas [name] soitti."
    assert redact(text, ["", "  "]) == "Asiakas [name] soitti."


def test_name_equal_to_a_marker_word_keeps_redaction_idempotent():
    once = redact("Name anna@example.fi phone", ["Name Phone"])
    assert once == "[name] [email] [name]"
    assert redact(once, ["Name Phone"]) == once


# ---------------------------------------------------------------------------------------------
# What must survive
# ---------------------------------------------------------------------------------------------

ORDINARY = [
    "tilausnumero 123456",
    "Tilausnumero 12345678 ei näy",
    "ordernummer 8112189876 saknas",  # a checksum-valid personnummer after an order word
    "vuonna 2024 ja 1998",
    "summa 1 250 € ja 12 500 000 euroa",
    "päivä 12.03.2024 klo 14.30",
    "ärende ÄR 2024-1234",
    "Kund ringde om ärende 2024-1234",
    "postinumero 00100 Helsinki",
    "FI-00100 Helsinki",
    "belastet to ganger (2 x 1200 kr)",
    "kl 17:00, bekreftelsen sa 18:00",
    "filen er bare 3 MB, 10/10",
    "Y-tunnus 0123456-7",
    "org.nr 556123-4567",
    "1 000 000 000 kronor",
    "sivut 12 34 ja 56",
    "årene 2019 2020 2021",
    "laskun viite 1234567890123",
    "fakturanummer 12345678901",
    "version 3.14.15926",
    "+20 astetta",
    "2+2 = 4",
    "ärende 0123/2024 och 01/03/2024",
    "avoinna 8 - 16, vuosina 2019 - 2024",
    "tlf-samtal om 2019–2024",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_numbers_survive(text):
    assert redact(text) == text
    assert find_personal_data(text) == []


@pytest.mark.parametrize(
    "text",
    [
        # Call notes as agents write them: after a cue, "IBAN" (a name in a foreign list) was
        # taken for a person, and the problem's own word left the ticket.
        "Caller says the form rejects their IBAN as invalid. Checked with caller, IBAN is ok.",
        "Arbeidsgiver ringte, IBAN avvises som ugyldig i søknaden. Sendt til SOC.",
        "Asiakas soitti, IBAN ei kelpaa.",
        "Route on map goes across the railway. Forwarded to EDU.",
    ],
)
def test_acronyms_in_capitals_are_not_names(text):
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Asiakas KORHONEN soitti.", "Asiakas [name] soitti."),
        ("Kund: ANDERS HOLM. Ärende: bygglov.", "Kund: [name]. Ärende: bygglov."),
        ("Caller: AHMED, asked about the form.", "Caller: [name], asked about the form."),
    ],
)
def test_names_in_capitals_are_still_names(text, expected):
    assert redact(text) == expected


FAILED_CHECKSUMS = [
    "tunnus 131052-308U",  # hetu with a wrong check character
    "koodi 811218-9877",  # personnummer failing Luhn
    "koodi 15108695089",  # fødselsnummer with a wrong second check digit
    "numero 2503171234",  # ten bare digits: a CPR date, no modulus 11, no CPR word
    "kort 4111 1111 1111 1112",  # Luhn fails
    "iban fi21 1234 5600 0007 86",  # lower case and bad checksum
]


@pytest.mark.parametrize("text", FAILED_CHECKSUMS)
def test_numbers_failing_their_checksum_survive(text):
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    ["hetu 131052-308U", "personnummer 811218-9877", "fnr 15108695089", "CPR 2503171234"],
)
def test_an_identity_word_makes_a_mistyped_identity_number_personal(text):
    # After "hetu", "CPR" … the agent was writing an identity number down, typo or not.
    word = text.split()[0]
    assert redact(text) == f"{word} [id]"


def test_eight_bare_digits_need_a_phone_word():
    assert redact("koodi 12345678") == "koodi 12345678"
    assert redact("tlf 12345678") == "tlf [phone]"
    assert redact("tlf 12345678 / 87654321") == "tlf [phone] / [phone]"


# ---------------------------------------------------------------------------------------------
# Spans, merging, markers
# ---------------------------------------------------------------------------------------------


def test_find_reports_kinds_and_offsets():
    text = "hetu 131052-308T, puh 040 123 4567, anna@example.fi"
    spans = find_personal_data(text)
    assert [(s.kind, text[s.start : s.end]) for s in spans] == [
        ("national_id", "131052-308T"),
        ("phone", "040 123 4567"),
        ("email", "anna@example.fi"),
    ]
    assert all(isinstance(s, PersonalDataSpan) for s in spans)


def test_overlapping_spans_merge_into_one_marker():
    text = "Lähetä osoitteeseen anna.virtanen@example.fi tänään"
    spans = find_personal_data(text, ["Anna Virtanen"])
    assert spans == [PersonalDataSpan("email", 20, 44)]
    assert redact(text, ["Anna Virtanen"]) == "Lähetä osoitteeseen [email] tänään"


def test_identity_number_that_also_reads_as_a_phone_is_labelled_as_id():
    # 11 digits starting with 0: a fødselsnummer and a trunk-prefixed phone number.
    value = pd.fodselsnummer(date(2001, 1, 5), 3)
    assert redact(f"fnr {value}") == "fnr [id]"


def test_markers_are_the_documented_ones():
    assert MARKERS == {
        "email": "[email]",
        "phone": "[phone]",
        "national_id": "[id]",
        "iban": "[iban]",
        "card": "[card]",
        "name": "[name]",
    }


def test_empty_and_plain_text():
    assert redact("") == ""
    assert find_personal_data("") == []
    assert redact("Lomake ei toimi.") == "Lomake ei toimi."


def test_module_is_plain_python():
    tree = ast.parse(Path(privacy.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert imported <= {
        "__future__",
        "re",
        "bisect",
        "collections",
        "dataclasses",
        "functools",
        "stdnum",
        "app",
    }
    # The one import from the application is the free-text name finder, plain as well, with
    # its modules of name lists (Faker's, read with importlib), inflection and word
    # frequencies (wordfreq's lists, loaded on first use).
    assert _modules_imported_from(names_in_text) <= {
        "__future__",
        "collections",
        "functools",
        "app.services.finnish_inflection",
        "app.services.name_lists",
        "app.services.name_words",
    }
    assert _modules_imported_from(name_lists) <= {
        "__future__",
        "collections",
        "functools",
        "app.services.name_words",
    }
    assert _modules_imported_from(finnish_inflection) <= {
        "__future__",
        "collections",
        "app.services.name_words",
    }
    assert _modules_imported_from(name_words) <= {"__future__", "functools", "wordfreq"}


def _modules_imported_from(module) -> set[str]:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    return {
        node.module if (node.module or "").startswith("app.") else (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }


# ---------------------------------------------------------------------------------------------
# Properties: generated valid personal data never survives
# ---------------------------------------------------------------------------------------------

GENERIC_LABELS = (
    "Asiakas",
    "kund:",
    "Borger",
    "innbygger",
    "caller",
    "tieto",
    "uppgift",
    "oppgitt",
    "given",
    "(",
    "–",
    "ja",
    "och",
    "og",
    "and",
)
AFTER = (" ", ". ", ", ", "! ", ") ", "\n")


def embedded(before: str, label: str, value: str, after_sep: str, after: str) -> str:
    return f"{before} {label} {value}{after_sep}{after}".strip()


@PROPERTY
@given(st.data())
def test_generated_identity_numbers_are_valid_for_stdnum(data):
    country, number = data.draw(pd.national_ids())
    module = {"FI": fi_hetu, "SE": se_personnummer, "DK": dk_cpr, "NO": no_fodselsnummer}
    assert module[country].is_valid(number), (country, number)


@PROPERTY
@given(pd.cprs(dash=False, modulus11=True))
def test_generated_old_style_cprs_pass_modulus_11(number):
    assert dk_cpr.is_valid(number) and dk_cpr.checksum(number) == 0


@PROPERTY
@given(pd.ibans())
def test_generated_ibans_are_valid_for_stdnum(value):
    assert stdnum_iban.is_valid(value)


@PROPERTY
@given(
    pd.surrounding_text(),
    st.sampled_from(GENERIC_LABELS),
    pd.national_ids(),
    st.sampled_from(AFTER),
    pd.surrounding_text(),
)
def test_identity_numbers_never_survive(before, label, id_, after_sep, after):
    _, value = id_
    output = redact(embedded(before, label, value, after_sep, after))
    assert_removed(value, output)
    assert "[id]" in output


@PROPERTY
@given(pd.cprs(dash=False, modulus11=True), pd.surrounding_text(), pd.surrounding_text())
def test_bare_old_style_cprs_never_survive(value, before, after):
    assert_removed(value, redact(embedded(before, "borger", value, " ", after)))


@PROPERTY
@given(
    pd.surrounding_text(),
    st.sampled_from(GENERIC_LABELS),
    st.sampled_from(pd.PHONE_LABELS),
    pd.phone_numbers(),
    st.sampled_from(AFTER),
    pd.surrounding_text(),
)
def test_phone_numbers_never_survive(before, generic, phone_label, phone, after_sep, after):
    value, needs_context = phone
    # Bare eight-digit DK/NO numbers are recognised only after a phone word (see module doc).
    label = phone_label if needs_context else generic
    assert_removed(value, redact(embedded(before, label, value, after_sep, after)))


@PROPERTY
@given(
    pd.surrounding_text(),
    st.sampled_from(GENERIC_LABELS),
    pd.emails(),
    st.sampled_from(AFTER),
    pd.surrounding_text(),
)
def test_emails_never_survive(before, label, value, after_sep, after):
    output = redact(embedded(before, label, value, after_sep, after))
    assert_removed(value, output)
    assert "@" not in output


@PROPERTY
@given(
    pd.surrounding_text(),
    st.sampled_from(GENERIC_LABELS),
    pd.ibans(),
    st.sampled_from(AFTER),
    pd.surrounding_text(),
)
def test_ibans_never_survive(before, label, value, after_sep, after):
    assert_removed(value, redact(embedded(before, label, value, after_sep, after)))


@PROPERTY
@given(pd.surrounding_text(), pd.names(), st.sampled_from(AFTER), pd.surrounding_text())
def test_names_never_survive(before, name, after_sep, after):
    first, last = name.split(" ", 1)
    text = embedded(before, "asiakas", name, after_sep, f"{after} {first} {last}")
    output = redact(text, [name])
    assert name not in output
    assert not re.search(rf"(?<!\w)({re.escape(first)}|{re.escape(last)})(?!\w)", output)


@PROPERTY
@given(
    pd.surrounding_text(),
    pd.national_ids(),
    pd.phone_numbers(),
    pd.emails(),
    pd.ibans(),
    pd.names(),
)
def test_redact_is_idempotent_on_feedback_like_text(text, id_, phone, email, iban, name):
    full = f"{text} {name}, hetu {id_[1]}, puh {phone[0]}. {email} {iban} {text}"
    once = redact(full, [name])
    assert redact(once, [name]) == once


NUMBERISH = st.text(alphabet="0123456789 -+()@.,:/abcFISEDKxy[]ä\n", max_size=80)


@PROPERTY
@given(NUMBERISH)
def test_redact_is_idempotent_on_arbitrary_text(text):
    once = redact(text)
    assert redact(once) == once


@PROPERTY
@given(st.one_of(NUMBERISH, pd.surrounding_text()))
def test_spans_are_sorted_disjoint_and_text_outside_them_is_kept(text):
    spans = find_personal_data(text)
    for span in spans:
        assert span.kind in MARKERS and 0 <= span.start < span.end <= len(text)
    for left, right in zip(spans, spans[1:], strict=False):
        assert left.end <= right.start
    if spans:
        output = redact(text)
        assert output.startswith(text[: spans[0].start])
        assert output.endswith(text[spans[-1].end :])


# ---------------------------------------------------------------------------------------------
# Issue 16: the forms the outside review wrote, and names nobody entered
# ---------------------------------------------------------------------------------------------

VARIANT_LABELS = {"FI": "hetu", "SE": "pnr", "DK": "cpr", "NO": "fnr"}


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("country", ["FI", "SE", "DK", "NO"])
def test_written_variants_of_identity_numbers_ibans_and_phones_are_removed(seed, country):
    rng = random.Random(seed)
    forms = (
        pd.national_id_variants(rng, country)
        + pd.iban_variants(rng, country)
        + pd.phone_variants(rng, country)
    )
    for form, value in forms:
        for text in (
            f"Asiakas {VARIANT_LABELS[country]} {value} soitti.",
            f"Kunden ringde, {value}.",
            f"{value}",
        ):
            output = redact(text)
            assert_removed(value, output)
            assert not any(c.isdigit() for c in output), (form, text, output)


@pytest.mark.parametrize("number", ["040.123.4567", "070.123.45.67", "22.33.44.55", "912.34.567"])
def test_phone_numbers_grouped_with_dots(number):
    assert redact(f"Ring {number} i morgen.") == "Ring [phone] i morgen."


@pytest.mark.parametrize(
    "number",
    ["131052-308T", "131052–308T", "131052‐308T", "131052 308T", "131052−308T"],
)
def test_henkilotunnus_with_any_dash_or_a_space(number):
    assert redact(f"hetu {number}") == "hetu [id]"
    assert redact(f"Asiakas kertoi {number} puhelimessa") == "Asiakas kertoi [id] puhelimessa"


def test_identity_numbers_failing_their_checksum_stay_with_any_separator():
    for text in ("koodi 131052–308U", "koodi 811228 9875", "koodi 311299–12345"):
        assert redact(text) == text


# Issue 16, names in free text by class of miss: each class is found by a rule (a cue, a
# suffix rule, a wider name list), not by a list of the strings below.
NAMES_BY_CLASS = {
    "lower case in agents' notes": [
        ("asiakas marja-leena soitti, lomake ei toimi", "asiakas [name] soitti, lomake ei toimi"),
        ("innbygger ringte, navn: kari hansen", "innbygger ringte, navn: [name]"),
        (
            "caller said her name is fatima, wants a callback",
            "caller said her name is [name], wants a callback",
        ),
        ("jeg heter silje og bor på Nordstrand", "jeg heter [name] og bor på Nordstrand"),
        ("olen tero ja lomake ei toimi", "olen [name] ja lomake ei toimi"),
        ("navn: kari heggheim, ringer igjen", "navn: [name], ringer igjen"),
    ],
    "inflected Finnish": [
        ("Lähetin viestin Heikille eilen.", "Lähetin viestin [name] eilen."),
        ("Puhuin Järven kanssa.", "Puhuin [name] kanssa."),
        ("Annoin paperit Mäelle.", "Annoin paperit [name]."),
        ("Kiitos Laineelle avusta.", "Kiitos [name] avusta."),
        ("Tuomaksen koulumatka on pitkä.", "[name] koulumatka on pitkä."),
        ("Ohjaaja Riikalta ei kuulunut mitään.", "Ohjaaja [name] ei kuulunut mitään."),
    ],
    "genitives": [
        ("Jag pratade med Ingegerds handläggare.", "Jag pratade med [name] handläggare."),
        ("Kristians lærer svarer ikke.", "[name] lærer svarer ikke."),
        ("Idas mor ringede igen.", "[name] mor ringede igen."),
        ("Eeron hetu puuttuu.", "[name] hetu puuttuu."),
    ],
    "titles and calling verbs": [
        ("Keskustelin rouva Heinosen kanssa.", "Keskustelin rouva [name] kanssa."),
        ("Hr. Solberg ønsker svar.", "Hr. [name] ønsker svar."),
        ("Dr. Okafor wrote to us.", "Dr. [name] wrote to us."),
        ("I called Siobhan at the office.", "I called [name] at the office."),
        ("Ringte tilbake til Gunvor kl. 14.", "Ringte tilbake til [name] kl. 14."),
        ("Telefon: spør etter Gunnhild.", "Telefon: spør etter [name]."),
        ("pernille skriver: blanketten mangler", "[name] skriver: blanketten mangler"),
        ("ingrid heter jag, ring mig", "[name] heter jag, ring mig"),
    ],
    "double-barrelled and prefixed": [
        ("Anna-Maija Lehtonen-Virtanen soitti.", "[name] soitti."),
        ("Hilde Bakke-Johansen ba om svar.", "[name] ba om svar."),
        ("I, Robert McAllister, appeal.", "I, [name], appeal."),
        ("Kontakt: Gustaf af Klercker, tfn saknas", "Kontakt: [name], tfn saknas"),
        ("Letter addressed to K. Johansson.", "Letter addressed to [name]."),
    ],
    "immigrant names": [
        ("Asiakas Abdirahman Warsame kysyi tulkkia.", "Asiakas [name] kysyi tulkkia."),
        ("Zainab Al-Hashimi ringde om skolskjutsen.", "[name] ringde om skolskjutsen."),
        ("Olena Kovalenko ei saa lomaketta lähetettyä.", "[name] ei saa lomaketta lähetettyä."),
        ("I'm olga petrova, reply in English", "I'm [name], reply in English"),
        ("This is Rajesh Kumar writing.", "This is [name] writing."),
        ("Mehmet Yilmaz ringede om affaldet.", "[name] ringede om affaldet."),
        ("Sigrún Heggheim har klaget.", "[name] har klaget."),
    ],
    "sentence start": [
        ("Birgitta ringde två gånger.", "[name] ringde två gånger."),
        ("Anna soitti uudelleen.", "[name] soitti uudelleen."),
        ("Vedr. Ole Kirkegaard, dødsbo.", "Vedr. [name], dødsbo."),
        ("Eivind og jeg har søkt.", "[name] og jeg har søkt."),
        ("Megan at the library was rude to me.", "[name] at the library was rude to me."),
    ],
    "relatives": [
        ("Sonen min Torleiv har ikkje fått plass.", "Sonen min [name] har ikkje fått plass."),
        ("My daughter Freya's teacher left.", "My daughter [name] teacher left."),
        (
            "Skriver for naboen min, Oddvar, som ikke har PC.",
            "Skriver for naboen min, [name], som ikke har PC.",
        ),
        ("Skrevet på vegne af min far, Knud Erik Larsen.", "Skrevet på vegne af min far, [name]."),
    ],
    # Second pass of issue 16: classes read off the development set's misses, the sentences
    # and names here are new.
    "call log headers and senders, any case": [
        ("opkald: mads krogh 0101 ang. affaldsspand", "opkald: [name] 0101 ang. affaldsspand"),
        ("samtale: synnøve haugland, klage på brøyting", "samtale: [name], klage på brøyting"),
        (
            "Call: tomás ruiz, asked about swimming hall prices",
            "Call: [name], asked about swimming hall prices",
        ),
        ("caller aiko nakamura wanted a card", "caller [name] wanted a card"),
        ("samtale: reidun, vil ha tilbakemelding", "samtale: [name], vil ha tilbakemelding"),
        ("Message from Siobhan Kelly: the form crashes", "Message from [name]: the form crashes"),
        ("asiakas rantanen kysyi laskusta", "asiakas [name] kysyi laskusta"),
        ("kund (fru lindberg) ringde om snöröjningen", "kund (fru [name]) ringde om snöröjningen"),
        ("k. nyström ringde om bygglovet", "[name] ringde om bygglovet"),
        ("borger (jens-ole sørensen) spørger om parkering", "borger ([name]) spørger om parkering"),
    ],
    "surname starting a sentence": [
        ("Heikkinen lupasi soittaa takaisin.", "[name] lupasi soittaa takaisin."),
        (
            "Johansson på stadsbyggnadskontoret svarar aldrig.",
            "[name] på stadsbyggnadskontoret svarar aldrig.",
        ),
        (
            "Mortensen fra teknik og miljø har ikke svaret.",
            "[name] fra teknik og miljø har ikke svaret.",
        ),
    ],
    "first-name dictionary": [
        ("Frøydis ringte igjen om søppelhentingen.", "[name] ringte igjen om søppelhentingen."),
        ("Jeg har snakket med Torgeir i resepsjonen.", "Jeg har snakket med [name] i resepsjonen."),
        ("I spoke to Priyanka at the service desk.", "I spoke to [name] at the service desk."),
        ("Mustafa ringde angående bygglovet.", "[name] ringde angående bygglovet."),
        ("Yusuf called twice about the bin.", "[name] called twice about the bin."),
    ],
    "self-introductions and three-word names": [
        ("Hi, I'm Chidinma Eze and I need help.", "Hi, I'm [name] and I need help."),
        ("Hej, jag är Dragana Petrović och har en fråga.", "Hej, jag är [name] och har en fråga."),
        ("Kari Anne Lunde ringte om parkeringsloven.", "[name] ringte om parkeringsloven."),
        ("Tran Thi Hoa called about the daycare fee.", "[name] called about the daycare fee."),
        ("Olen Pertti Salonen ja asun Vantaalla.", "Olen [name] ja asun Vantaalla."),
    ],
    "titles, roles and bare relatives": [
        ("Rektor Lindahl har inte svarat.", "Rektor [name] har inte svarat."),
        ("Opettaja Kivelä ei vastaa Wilmassa.", "Opettaja [name] ei vastaa Wilmassa."),
        ("Skolelederen Nygård svarer ikke.", "Skolelederen [name] svarer ikke."),
        ("Asukas Pentti Ojala kysyi pysäköinnistä.", "Asukas [name] kysyi pysäköinnistä."),
        ("Kaisan Wilma-tunnukset eivät toimi.", "[name] Wilma-tunnukset eivät toimi."),
        ("Vi søker plass for datter Ylva.", "Vi søker plass for datter [name]."),
        ("Eg skriv for dotter mi Sigrid.", "Eg skriv for dotter mi [name]."),
        ("Kiitos avusta, t. Mervi Aalto", "Kiitos avusta, t. [name]"),
        (
            "kund ringde, ebba, vårdnadshavare, ser inte schemat",
            "kund ringde, [name], vårdnadshavare, ser inte schemat",
        ),
    ],
    "names that are words, by what follows": [
        ("Satu ja Mikko muuttivat viime kuussa.", "[name] ja [name] muuttivat viime kuussa."),
        ("Mark from the library was very helpful.", "[name] from the library was very helpful."),
        ("Maj från hemtjänsten kom aldrig.", "[name] från hemtjänsten kom aldrig."),
        ("Jonas' lærer har ikke svart.", "[name] lærer har ikke svart."),
    ],
    "sign-offs and all caps": [
        ("ring mig efter kl. 16 – signe", "ring mig efter kl. 16 – [name]"),
        ("Tack på förhand!\n/Malin", "Tack på förhand!\n/[name]"),
        ("Kind regards,\nEilidh", "Kind regards,\n[name]"),
        ("Tak for hjælpen\n– Kaj", "Tak for hjælpen\n– [name]"),
        ("Tack på förhand\n/Bosse", "Tack på förhand\n/[name]"),
        ("Asiakas JUHA KORHONEN vaatii vastauksen.", "Asiakas [name] vaatii vastauksen."),
    ],
    # Fourth pass (names set 3 read as a development set): each class in new sentences.
    "thanks to someone at an office, any case": [
        ("tack till ingegerd på stadsbiblioteket!", "tack till [name] på stadsbiblioteket!"),
        ("takk til torbjørn i svømmehallen", "takk til [name] i svømmehallen"),
        ("kiitos raimolle ja sirkalle avusta", "kiitos [name] ja [name] avusta"),
        ("TACK TILL BENGTSSON PÅ MILJÖKONTORET", "TACK TILL [name] PÅ MILJÖKONTORET"),
    ],
    "surname first, letters typed plainly": [
        ("kettunen osmo, soittopyyntö huomenna", "[name], soittopyyntö huomenna"),
        ("invånare ostlund ringde om parkering", "invånare [name] ringde om parkering"),
    ],
    "nickname in quotes": [
        ('Asiakas Reijo "Repe" Kettunen soitti.', "Asiakas [name] soitti."),
    ],
    "families and households": [
        ("Greetings from the Nwosu family!", "Greetings from the [name] family!"),
        ("Best wishes, the Kowal-Jensen household", "Best wishes, the [name] household"),
    ],
    "places only a person fills": [
        ("Could Henrietta phone me back?", "Could [name] phone me back?"),
        ("Hi, it's Tunde again (Babatunde Oyelaran).", "Hi, it's [name] again ([name])."),
        ("I'm Nkechi and I need help with the form.", "I'm [name] and I need help with the form."),
        ("Ask Cornelius, he knows the case.", "Ask [name], he knows the case."),
        ("spoke w/ aulikki about the bus", "spoke w/ [name] about the bus"),
        ("cheers all, brendan", "cheers all, [name]"),
    ],
    "relatives and children": [
        ("Min mand Gorm og jeg vil giftes.", "Min mand [name] og jeg vil giftes."),
        ("Asiakas soitti poikansa Veetin puolesta.", "Asiakas soitti poikansa [name] puolesta."),
        ("Sønnen vår Eskild har fått plass.", "Sønnen vår [name] har fått plass."),
        (
            "Hälsningar Valdemar Ekdahl med barnen Alvar och Agnes",
            "Hälsningar [name] med barnen [name] och [name]",
        ),
    ],
    "hedged names": [
        (
            "borger ringede, hed vist nok ejnar, ringer igen",
            "borger ringede, hed vist nok [name], ringer igen",
        ),
        ("soittaja esittäytyi nimellä osmo", "soittaja esittäytyi nimellä [name]"),
        ("Han hette typ Teodor eller Theodor.", "Han hette typ [name] eller [name]."),
    ],
    "a name recurring alone": [
        (
            "Eleven heter Ture Ekdahl. Ekdahl har glömt sitt lösenord.",
            "Eleven heter [name]. [name] har glömt sitt lösenord.",
        ),
        (
            "Rowena here. My brother Gideon is ill, so Gideon's forms are late.",
            "[name] here. My brother [name] is ill, so [name] forms are late.",
        ),
    ],
    # Fifth pass (names set 4 read as a development set): each cause in new sentences.
    "a first name is no inflected place": [
        ("Malin på kundtjänst svarade snabbt.", "[name] på kundtjänst svarade snabbt."),
    ],
    "Danish and Norwegian 'at' is 'that'": [
        ("Hun sagde at Hanne Tvede er syg.", "Hun sagde at [name] er syg."),
    ],
    "a first name after 'i' is a person": [
        ("Jeg fik fat i Signe i går.", "Jeg fik fat i [name] i går."),
    ],
    "roles, siblings, Finnish relatives in the allative": [
        ("Ilmoittaja: Hakala Pentti. Kohde: katu.", "Ilmoittaja: [name]. Kohde: katu."),
        ("Ohjaaja Ailu Valle kertoi.", "Ohjaaja [name] kertoi."),
        ("Bus pass for siblings Dawit and Selam.", "Bus pass for siblings [name] and [name]."),
        ("Kuljetus tyttärelle Hodan.", "Kuljetus tyttärelle [name]."),
    ],
    "quotes and initials after a cue": [
        ("I met someone called 'Mo' there.", "I met someone called '[name]' there."),
        ("Yours sincerely, K. Ramaswamy", "Yours sincerely, [name]"),
        ("hi its jake again", "hi its [name] again"),
    ],
    "names side by side, unknown but rare as words": [
        ("Takk til Anna Berg og Semret Woldemichael.", "Takk til [name] og [name]."),
        ("Thanks to Olusegun and Fiona!", "Thanks to [name] and [name]!"),
        # An e-service is a rare word but in a list of words: it stays beside a name.
        ("Tack till Färdtjänst och Anna Berg.", "Tack till Färdtjänst och [name]."),
    ],
    "a given name at an office or from somewhere": [
        ("Great help from Bilal at the pool.", "Great help from [name] at the pool."),
        ("great help from dave at the desk", "great help from [name] at the desk"),
        ("Rustam fra Tadsjikistan trenger hjelp.", "[name] fra Tadsjikistan trenger hjelp."),
    ],
    "genitives before a relative or a teacher, Finnish 'X-niminen'": [
        ("I'm Ngozi's mum.", "I'm [name]'s mum."),
        ("Lauges klasselærer svarer ikke.", "[name] klasselærer svarer ikke."),
        ("Tapasin Anneli-nimisen virkailijan.", "Tapasin [name]-nimisen virkailijan."),
    ],
    "handed over to someone, double first names in capitals": [
        ("ÄRENDET ÖVERLÄMNAT TILL LARS-ERIK.", "ÄRENDET ÖVERLÄMNAT TILL [name]."),
        ("MANGE TAK TIL ANNE-METTE FOR HJÆLPEN", "MANGE TAK TIL [name] FOR HJÆLPEN"),
    ],
    "thanks, pupils, callers and clerks": [
        ("Thank you Gwen for sorting it out!", "Thank you [name] for sorting it out!"),
        (
            "Eleven Noor i klass 4B behöver skolskjuts.",
            "Eleven [name] i klass 4B behöver skolskjuts.",
        ),
        ("innringer: torunn, gjelder bostøtte", "innringer: [name], gjelder bostøtte"),
        ("Puhuin virkailija Niinistön kanssa.", "Puhuin virkailija [name] kanssa."),
    ],
    "asking and calling someone, Irish surnames in a family's place": [
        ("kysy jaanalta lisää", "kysy [name] lisää"),
        ("ring til mette hvis der er spørgsmål", "ring til [name] hvis der er spørgsmål"),
        ("ring henrik i morgen", "ring [name] i morgen"),
        ("Kind regards, the O'Sullivan family", "Kind regards, the [name] family"),
    ],
    "a name that is a word, joined to a person or at an office": [
        ("Hope and I are still waiting.", "[name] and I are still waiting."),
        ("Anna och mamma ringde igen.", "[name] och mamma ringde igen."),
        ("Grace at the library was lovely.", "[name] at the library was lovely."),
        ("Kari og broren Sindre trenger skyss.", "[name] og broren [name] trenger skyss."),
        ("Anders och familjen flyttar.", "[name] och familjen flyttar."),
        ("Emil 7 år har inte fått plats.", "[name] 7 år har inte fått plats."),
        ("Sara 3B saknar skolskjuts.", "[name] 3B saknar skolskjuts."),
        ("Mikko ja vaimo muuttivat.", "[name] ja vaimo muuttivat."),
    ],
    "lists of names ending in 'and'": [
        (
            "Present: Aoife, Siddharth and Chukwuemeka.",
            "Present: [name], [name] and [name].",
        ),
        ("Paikalla olivat Marjo, Teuvo ja Sakari.", "Paikalla olivat [name], [name] ja [name]."),
    ],
    "titles are no names": [
        ("Kunde (Mrs. Patel) ringede om vielse.", "Kunde (Mrs. [name]) ringede om vielse."),
        ("Caller: Mrs Quigley, wants a call back", "Caller: Mrs [name], wants a call back"),
        ("Ringde Halvarsson om snöröjningen.", "Ringde [name] om snöröjningen."),
    ],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lars Mäkinen soitti ja kysyi päätöksestä.", "[name] soitti ja kysyi päätöksestä."),
        (
            "Hi, my name is Jens Berg and the form fails.",
            "Hi, my name is [name] and the form fails.",
        ),
        ("Soitin Matille takaisin.", "Soitin [name] takaisin."),
        ("Lupasin lähettää Virtaselle päätöksen.", "Lupasin lähettää [name] päätöksen."),
        (
            "Jag heter Åsa Lindgren och ringer om bygglov.",
            "Jag heter [name] och ringer om bygglov.",
        ),
        ("Mvh Kristoffer Nyaas", "Mvh [name]"),
        ("Mirja Mäkinen ringde om Bygglov.", "[name] ringde om Bygglov."),
        ("Kiitos Sanna nopeasta avusta!", "Kiitos [name] nopeasta avusta!"),
        ("Borgeren oplyste, at Søren Kjærgaard er far.", "Borgeren oplyste, at [name] er far."),
        ("Puhuin eilen Korpisen kanssa.", "Puhuin eilen [name] kanssa."),
        ("asiakas liisa virtanen soitti", "asiakas [name] soitti"),
        ("Soitin Matti V. kanssa.", "Soitin [name] kanssa."),
        *(
            pytest.param(text, expected, id=f"{kind}: {text[:30]}")
            for kind, examples in NAMES_BY_CLASS.items()
            for text, expected in examples
        ),
    ],
)
def test_names_in_free_text_are_removed_without_a_contact(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Anna palautetta lomakkeella.",
        "Per post kom inget beslut.",
        "Tom sida visas i Bibliotekets e-tjänst.",
        "Log ind med MitID virker ikke.",
        "Innlogging med BankID feiler på Skole- og SFO-søknad.",
        "In August the school transport form broke.",
        "Ville anmäla en trasig gatlykta via mobilen.",
        "Ingen svarade. Kirjaston verkkopalvelu on selkeä. Hyvä!",
        "My application for a Resident parking permit was rejected.",
        "Vahva tunnistautuminen ei toimi Suomi.fi-palvelussa.",
        "Kontoret ligger i Karl Johans gate 22 og H.C. Andersens Boulevard 3.",
        "Vappuna palvelu oli kiinni; päivä 01.02.2024, versio 2.10.3.",
        "Will the form work in May?",
        "Sama vika yhä.",
        # Issue 16: ordinary words read as inflected names ("Olen" = Ole-n), quoted messages,
        # common words after a cue, pronouns before "ringde", places, e-services, institutions,
        # nationalities.
        "Olen yrittänyt monta kertaa.",
        "Tai sitten lomake kaatuu.",
        "Jo kolmas kerta tällä viikolla.",
        "Andre kommuner har bedre løsninger.",
        "Toivon että joku vastaa.",
        "Then nothing happened.",
        "Kenttä on pakollinen.",
        "Tomta vår er feil.",
        "Alla ringde samtidigt.",
        "Man ringer och ingen svarar.",
        "Jeres vejledning er svær.",
        "Skattestyrelsen har ikke svaret.",
        "Borgerservice på Rådhuspladsen er lukket.",
        "Dronning Louises Bro er spærret.",
        "The Rose Garden is closed.",
        "Det står 'Inga ansökningar'.",
        "Wilmaan ei pääse.",
        "Freja eID fungerar inte.",
        "Mina sidor laddar inte.",
        "Jeg bor i Bergen.",
        "Kaarinan ja Turun bussi myöhästyi.",
        "I'm sure the form is broken.",
        "Det er bra at dere svarer.",
        "Hej, jag anmälde vår dotter till förskolan.",
        "på vegne av andre søkere",
        "Digital Post virker ikke.",
        "My Danish CPR is fine.",
        "Hemsidan laddar inte i Safari.",
        "Dottern har plats på förskolan Solrosen.",
        "van Gogh",
        "Kr 55 kr/tim.",
        # Second pass: headers without a name, self-descriptions, organisations signing,
        # adjectives, places (districts, streets, saints, kindergartens), pronouns and nouns
        # before a calling verb.
        "Notat: henvist til Borgerservice, sak lukket.",
        "Samtal: klagomål på snöröjning, skickat vidare.",
        "soitto: ei vastausta, yritetään huomenna.",
        "caller: needs an interpreter, Somali",
        "I'm Danish and live in Oslo.",
        "Hei, olen yrittänyt soittaa monta kertaa.",
        "Det er flott at dere har lengre åpningstider.",
        "Mvh Styret i Sameiet Solbakken",
        "Terveisin Asukasyhdistys",
        "Toinen lapsi on jonossa.",
        "Suomalainen palvelu toimii hyvin.",
        "Bo i en lägenhet är dyrt.",
        "Sankt Hans bål er aflyst.",
        "Hun bor i Nørre Allé og Peter Bangs Vej.",
        "Bussen till Bagarmossen var försenad igen.",
        "Vi bor i Sydhavnen og tager T-banen.",
        "Lapsi on Kallion koulussa.",
        "In Kallio the snow was not cleared.",
        "Asunto on Kalliossa.",
        "Skolan ringde och sa att bussen inte kommer.",
        "Har D-nummer men ikke BankID.",
        "The English lessons are good.",
        "Stenen vid S:t Eriks torg är lös.",
        "Hon är på Solrosen hela dagen.",
        "Han sa att ärendet var stängt.",
        "Onneksi lomake toimi nyt.",
        "Omat Wilma-tunnukset eivät toimi.",
        "opkald: mor til elev, spørger om SFO",
        "caller: young woman, moving to Espoo",
        "opkald: ang. parkering ved Rådhuset",
        "Terveisin, Espoon kaupunki",
        "Mvh\nTeknisk förvaltning",
        "Tack på förhand\n/Styrelsen",
        # Fourth pass: streets, kings, verbs, holidays, offices, nationalities, weekdays.
        "Gropen på Gustav Adolfsgatan är stor.",
        "Juhani Ahon kadun päässä on kuoppa.",
        "Kristian IVs gade er spærret.",
        "Chase up the missing form, please.",
        "The Midsummer Eve bonfire was cancelled.",
        "Spoke with the clerk at Urban Planning.",
        "Customer Services never answered.",
        "I'm Ghanaian and new here.",
        "It's Monday again and nothing works.",
        "hej, jeg heter ikke noget særligt og mailen virker ikke",
        "Det är Stadsbyggnadskontoret igen.",
        "Kiitos avusta ja nopeasta vastauksesta.",
        "Thanks to everyone at the library!",
        "Could Customer Service call me back?",
        "Can Support call me back?",
        "It's Kela again, asking for papers.",
        "The Nordic family of apps is growing.",
        "takk til hun i skranken",
        # Fifth pass: companies and shops, schools named after a person, Finnish verbal
        # nouns, nouns with their article, streets at the end of a sentence.
        "Talonmies, As Oy Pihlajarinne",
        "Laskun lähetti Routa Oy.",
        "Café Vera vid torget har stängt.",
        "Astrid Lindgrens skola har få platser.",
        "St. Henry's Cathedral parking is blocked.",
        "Voiko Vihkimisen varauksen tehdä netissä?",
        "Borgerens svigermor har brug for hjælp.",
        "The Parents class was full.",
        "Lag fartsdumper i Olav Vs gate!",
        # A frequent noun with its article is no -nen surname; after a cue, an e-service or a
        # frequent word no list holds is what the cue word is about.
        "Tack Kommunen för snöröjningen.",
        "Virkailija Kelasta soitti.",
        "The pupil Transport form broke.",
        # Titles and offices: a surname alone that is among the most frequent words, a first
        # name before a frequent English word, a name in a company's.
        "Jag har problem med Stark autentisering.",
        "Kiitos, Urban Environment toimii nyt.",
        "Hei, Kivi Systems Ab ei vastaa.",
        # A first name starting a sentence, joined to a thing by "and"/"or": the word.
        "Stein og grus ligger på gangveien.",
        "Saga eller verklighet?",
        "Ester och andra kemikalier får inte hällas ut.",
        "Will at least someone answer?",
        # A city that is also a first name, after "i": only "fik fat i Signe" is a person.
        "Vi bodde i Sofia tidigare.",
        # An office in one word signs for no person.
        "Mvh Borgerservice",
        # After a cue, a lower-case word only a wider list holds that is among the most
        # frequent words of some language: a pronoun, a noun.
        "Kan jeg søke på vegne av ham, eller må fastlegen gjøre det?",
        "Innbygger (mann, ca. 70) ønsker hjemmebesøk.",
        # A sentence's first word before a small number: a numbered place.
        "Kaj 4 ved havnen har ingen belysning.",
    ],
)
def test_ordinary_words_and_e_service_names_stay(text):
    assert redact(text) == text
