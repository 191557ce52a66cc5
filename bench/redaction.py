"""Recall and false-positive rate of app.services.privacy.redact on the labelled dev feedback.

Each placeholder ({EMAIL}, {PHONE}, {NATIONAL_ID}, {IBAN}, {NAME}) is filled with a generated
valid value — identity numbers and phone numbers of the item's country (fi→FI, sv→SE, da→DK,
nb→NO, en→FI identity numbers and Finnish or international phones) — and the text is redacted
with the generated name passed as the contact's name, as intake does.

* recall per kind: share of inserted values whose every character lies inside a redacted span
  (and, checked on redact's output, that the value no longer appears);
* false positives: share of the other word tokens (\\w+ outside the placeholders: words, numbers)
  that a span touches.

Usage: python bench/redaction.py [PATH] [--seeds 0 1 … 9] [--ordinary 2000] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.services.privacy import find_personal_data, redact  # noqa: E402
from bench.datasets import DEV  # noqa: E402
from bench.redaction_blind import report_blind  # noqa: E402
from tests.support import personal_data as pd  # noqa: E402

DEFAULT_PATH = DEV
BLIND_PATH = Path(__file__).resolve().parent / "data" / "redaction_blind.jsonl"
PLACEHOLDER_RE = re.compile(r"\{(EMAIL|PHONE|NATIONAL_ID|IBAN|NAME)\}")
KIND_OF_PLACEHOLDER = {
    "EMAIL": "email",
    "PHONE": "phone",
    "NATIONAL_ID": "national_id",
    "IBAN": "iban",
    "NAME": "name",
}


def written_variant(kind: str, rng: random.Random, country: str, language: str) -> tuple[str, str]:
    """(form, value): a valid value of ``kind`` written in one of the review's forms."""
    if kind == "national_id":
        return rng.choice(pd.national_id_variants(rng, country))
    if kind == "iban":
        home = pd.COUNTRY_OF_LANGUAGE.get(language, "FI")
        return rng.choice(pd.iban_variants(rng, home if rng.random() < 0.6 else "DE"))
    phone_country = country if language != "en" else rng.choice(("FI", "SE", "DK", "NO"))
    return rng.choice(pd.phone_variants(rng, phone_country))


def fill(
    item: dict, rng: random.Random, *, variants: bool = False
) -> tuple[str, list[tuple[str, str, int, int]], list, str]:
    """The text with values inserted, the (kind, form, start, end) of each value, the positions
    of the other tokens, and the generated name.

    With ``variants`` identity numbers, IBANs and phones are written in the review's forms (en
    dash, space, no separator, 00 prefix …) and the name is a stranger's: it is not passed to
    redact as the contact's name, so only the free-text name rules can find it.
    """
    language = item["language"]
    country = pd.COUNTRY_OF_LANGUAGE[language]
    name = pd.person_name(rng, language)
    pieces: list[str] = []
    values: list[tuple[str, str, int, int]] = []
    tokens: list[tuple[int, int]] = []
    length = 0
    position = 0
    text = item["text"]

    def add_plain(segment: str) -> None:
        nonlocal length
        for token in re.finditer(r"\w+", segment):
            tokens.append((length + token.start(), length + token.end()))
        pieces.append(segment)
        length += len(segment)

    for match in PLACEHOLDER_RE.finditer(text):
        add_plain(text[position : match.start()])
        kind = KIND_OF_PLACEHOLDER[match.group(1)]
        form = "canonical"
        if kind == "email":
            value = pd.random_email(rng, language)
        elif variants and kind in ("national_id", "iban", "phone"):
            form, value = written_variant(kind, rng, country, language)
        elif kind == "phone":
            phone_country = country if language != "en" else rng.choice(("FI", "INT"))
            value, _ = pd.random_phone(rng, phone_country)
        elif kind == "national_id":
            value = pd.random_national_id(rng, country)
        elif kind == "iban":
            value = pd.random_iban(rng, language)
        else:
            value = name
            form = "name in free text" if variants else "contact's name"
        values.append((kind, form, length, length + len(value)))
        pieces.append(value)
        length += len(value)
        position = match.end()
    add_plain(text[position:])
    return "".join(pieces), values, tokens, name


# Ordinary numbers that must survive, by the word written in front of them. The dev items hold
# few numbers, so this synthetic set measures the false positives that matter most: numbers.
ORDINARY_LABELS = {
    "order/invoice/case word": [
        "tilausnumero",
        "laskun viite",
        "ordernummer",
        "fakturanr",
        "sagsnummer",
        "ordrenummer",
        "order number",
        "invoice",
    ],
    "neutral word": [
        "koodi",
        "kod",
        "kode",
        "code",
        "tunniste",
        "summa",
        "kvittot visar",
        "id",
        "luku",
        "antal",
    ],
}


def ordinary_number(rng: random.Random) -> tuple[str, str]:
    """(category, text) with one non-personal number."""
    kind = rng.choice(["reference", "bare", "year", "amount", "date", "time", "case", "postcode"])
    if kind in ("reference", "bare"):
        digits = rng.randint(5, 12)
        number = str(rng.randint(1, 9)) + "".join(
            rng.choice("0123456789") for _ in range(digits - 1)
        )
        label_group = "order/invoice/case word" if kind == "reference" else "neutral word"
        category = f"{digits:2d} digits after {label_group}"
        if rng.random() < 0.2:
            # Exported references sometimes keep leading zeros; 8–12 digits from 0 is also
            # how Finnish and Swedish phone numbers are written.
            number = "0" + number[1:]
            category = f"{digits:2d} digits from 0 after {label_group}"
        return category, f"{rng.choice(ORDINARY_LABELS[label_group])} {number}"
    if kind == "year":
        return "year", f"vuonna {rng.randint(1950, 2030)}"
    if kind == "amount":
        amount = rng.randint(1, 99_999_999)
        grouped = f"{amount:,}".replace(",", rng.choice([" ", "\u00a0", "."]))
        return "amount", f"summa {grouped} {rng.choice(['€', 'kr', 'euroa', 'kronor'])}"
    if kind == "date":
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2000, 2030)
        form = rng.choice(
            [
                f"{day}.{month}.{year}",
                f"{day:02d}.{month:02d}.{year}",
                f"{year}-{month:02d}-{day:02d}",
                f"{day}/{month}/{year}",
            ]
        )
        return "date", f"päivä {form}"
    if kind == "time":
        return "time", f"klo {rng.randint(0, 23):02d}:{rng.choice(['00', '15', '30'])}"
    if kind == "case":
        return "case number", rng.choice(
            [
                f"ÄR {rng.randint(2015, 2030)}-{rng.randint(1, 99999)}",
                f"dnr {rng.randint(2015, 2030)}/{rng.randint(1, 9999)}",
                f"ärende {rng.randint(2015, 2030)}-{rng.randint(1000, 9999)}",
            ]
        )
    return "postcode", f"postinumero {rng.randint(0, 99999):05d}"


def run_ordinary(count: int, seed: int) -> tuple[Counter, Counter, Counter]:
    rng = random.Random(seed)
    seen: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    examples: Counter[str] = Counter()
    for _ in range(count):
        category, phrase = ordinary_number(rng)
        text = f"Asiakas kertoi {phrase} ja lomake ei toimi."
        seen[category] += 1
        if redact(text) != text:
            hit[category] += 1
            examples[phrase] += 1
    return seen, hit, examples


def covered(spans: list, start: int, end: int) -> bool:
    return all(any(s.start <= i < s.end for s in spans) for i in range(start, end))


def run(items: list[dict], seed: int, show_misses: bool, *, variants: bool = False) -> dict:
    rng = random.Random(seed)
    inserted: Counter = Counter()
    removed: Counter = Counter()
    leaked = 0
    tokens_total: Counter[str] = Counter()
    tokens_removed: Counter[str] = Counter()
    removed_tokens: Counter[str] = Counter()
    seconds = 0.0
    for item in items:
        text, values, tokens, name = fill(item, rng, variants=variants)
        contact = [] if variants else [name]
        started = time.perf_counter()
        output = redact(text, contact)
        seconds += time.perf_counter() - started
        spans = find_personal_data(text, contact)
        language = item["language"]
        for kind, form, start, end in values:
            for key in (kind, (kind, form), (kind, language)):
                inserted[key] += 1
            if covered(spans, start, end):
                for key in (kind, (kind, form), (kind, language)):
                    removed[key] += 1
            elif show_misses:
                print(f"  miss seed={seed} {item['id']} {kind}: {text[start:end]!r} in {text!r}")
            if text[start:end] in output:
                leaked += 1
        for start, end in tokens:
            tokens_total[language] += 1
            if any(s.start < end and start < s.end for s in spans):
                tokens_removed[language] += 1
                removed_tokens[text[start:end]] += 1
                if show_misses:
                    print(f"  false positive seed={seed} {item['id']}: {text[start:end]!r}")
    return {
        "inserted": inserted,
        "removed": removed,
        "leaked": leaked,
        "tokens_total": tokens_total,
        "tokens_removed": tokens_removed,
        "removed_tokens": removed_tokens,
        "ms_per_item": 1000 * seconds / len(items),
    }


def print_recall(results: list[dict], keys: list) -> None:
    print("| value | inserted | recall, worst seed | recall, all seeds |")
    print("|---|---|---|---|")
    for key in keys:
        per_seed = [r["removed"][key] / r["inserted"][key] for r in results if r["inserted"][key]]
        total_in = sum(r["inserted"][key] for r in results)
        total_rm = sum(r["removed"][key] for r in results)
        label = " / ".join(key) if isinstance(key, tuple) else key
        print(
            f"| {label} | {total_in} | {min(per_seed):.3f} | "
            f"{total_rm}/{total_in} = {total_rm / total_in:.4f} |"
        )


def print_false_positives(results: list[dict]) -> None:
    print()
    print("| language | other tokens | removed | share |")
    print("|---|---|---|---|")
    languages = sorted({lang for r in results for lang in r["tokens_total"]})
    for language in [*languages, None]:
        total = sum(
            r["tokens_total"][language] if language else sum(r["tokens_total"].values())
            for r in results
        )
        hit = sum(
            r["tokens_removed"][language] if language else sum(r["tokens_removed"].values())
            for r in results
        )
        print(f"| {language or 'all'} | {total} | {hit} | {hit / total:.4%} |")
    words: Counter[str] = Counter()
    for r in results:
        words.update(r["removed_tokens"])
    if words:
        print(f"\nremoved non-personal tokens: {dict(words.most_common(15))}")
    print(f"values still present verbatim after redact: {sum(r['leaked'] for r in results)}")


def show_blind_misses(path: Path) -> None:
    """Each labelled value of the blind set that a span leaves uncovered, and each span that
    touches no labelled value (what --show-misses prints for that set)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        text = item["text"]
        spans = find_personal_data(text)
        places = []
        for pii in item.get("pii", []):
            found = [(m.start(), m.end()) for m in re.finditer(re.escape(pii["value"]), text)]
            places += found
            if not found or not all(covered(spans, a, b) for a, b in found):
                print(f"  miss {item['id']} {pii['type']}: {pii['value']!r} in {text!r}")
        for span in spans:
            if not any(span.start < b and a < span.end for a, b in places):
                print(f"  false positive {item['id']} {span.kind}: {text[span.start : span.end]!r}")


def report_dev(items: list[dict], seeds: list[int], show_misses: bool, variants: bool) -> None:
    results = [run(items, seed, show_misses, variants=variants) for seed in seeds]
    kinds = ["national_id", "email", "phone", "iban", "name"]
    keys = sorted({k for r in results for k in r["inserted"] if isinstance(k, tuple)})
    print_recall(results, kinds)
    print()
    print_recall(results, [k for k in keys if k[1] not in ("fi", "sv", "da", "nb", "en")])
    print()
    print_recall(results, [k for k in keys if k[1] in ("fi", "sv", "da", "nb", "en")])
    print_false_positives(results)
    print(
        f"redact time per item (median over seeds): "
        f"{statistics.median(r['ms_per_item'] for r in results):.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(10)))
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--blind", type=Path, default=BLIND_PATH)
    parser.add_argument(
        "--ordinary",
        type=int,
        default=2000,
        help="synthetic ordinary-number phrases per seed (0 to skip)",
    )
    args = parser.parse_args()

    items = [
        json.loads(line)
        for line in args.path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    print(f"items: {len(items)} from {args.path}; seeds: {args.seeds}")
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{platform.system()} {platform.release()}"
    )
    print("\n## dev set, canonical forms, the contact's name passed as intake does\n")
    report_dev(items, args.seeds, args.show_misses, variants=False)
    print("\n## dev set, written variants, names of strangers in free text\n")
    report_dev(items, args.seeds, args.show_misses, variants=True)
    if args.blind.exists():
        print(f"\n## blind set {args.blind}\n")
        report_blind(args.blind)
        if args.show_misses:
            show_blind_misses(args.blind)

    if args.ordinary:
        seen: Counter[str] = Counter()
        hit: Counter[str] = Counter()
        examples: Counter[str] = Counter()
        for seed in args.seeds:
            a, b, c = run_ordinary(args.ordinary, seed)
            seen.update(a)
            hit.update(b)
            examples.update(c)
        print()
        print(f"ordinary numbers ({args.ordinary} synthetic phrases per seed): share removed")
        print()
        print("| number | phrases | removed | share |")
        print("|---|---|---|---|")
        for category in sorted(seen):
            print(
                f"| {category} | {seen[category]} | {hit[category]} | "
                f"{hit[category] / seen[category]:.2%} |"
            )
        total_seen, total_hit = sum(seen.values()), sum(hit.values())
        print(f"| all | {total_seen} | {total_hit} | {total_hit / total_seen:.2%} |")
        if examples:
            print(f"\nexamples removed: {list(examples)[:12]}")


if __name__ == "__main__":
    main()
