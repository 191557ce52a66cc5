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
from tests.support import personal_data as pd  # noqa: E402

DEFAULT_PATH = DEV
PLACEHOLDER_RE = re.compile(r"\{(EMAIL|PHONE|NATIONAL_ID|IBAN|NAME)\}")
KIND_OF_PLACEHOLDER = {
    "EMAIL": "email",
    "PHONE": "phone",
    "NATIONAL_ID": "national_id",
    "IBAN": "iban",
    "NAME": "name",
}


def fill(item: dict, rng: random.Random) -> tuple[str, list[tuple[str, int, int]], list, str]:
    """The text with values inserted, the (kind, start, end) of each value, the positions of
    the other tokens, and the generated name."""
    language = item["language"]
    country = pd.COUNTRY_OF_LANGUAGE[language]
    name = pd.person_name(rng, language)
    pieces: list[str] = []
    values: list[tuple[str, int, int]] = []
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
        placeholder = match.group(1)
        if placeholder == "EMAIL":
            value = pd.random_email(rng, language)
        elif placeholder == "PHONE":
            phone_country = country if language != "en" else rng.choice(("FI", "INT"))
            value, _ = pd.random_phone(rng, phone_country)
        elif placeholder == "NATIONAL_ID":
            value = pd.random_national_id(rng, country)
        elif placeholder == "IBAN":
            value = pd.random_iban(rng, language)
        else:
            value = name
        values.append((KIND_OF_PLACEHOLDER[placeholder], length, length + len(value)))
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


def run(items: list[dict], seed: int, show_misses: bool) -> dict:
    rng = random.Random(seed)
    inserted: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    leaked = 0
    tokens_total = tokens_removed = 0
    removed_tokens: Counter[str] = Counter()
    seconds = 0.0
    for item in items:
        text, values, tokens, name = fill(item, rng)
        started = time.perf_counter()
        output = redact(text, [name])
        seconds += time.perf_counter() - started
        spans = find_personal_data(text, [name])
        for kind, start, end in values:
            inserted[kind] += 1
            if covered(spans, start, end):
                removed[kind] += 1
            elif show_misses:
                print(f"  miss seed={seed} {item['id']} {kind}: {text[start:end]!r} in {text!r}")
            if text[start:end] in output:
                leaked += 1
        for start, end in tokens:
            tokens_total += 1
            if any(s.start < end and start < s.end for s in spans):
                tokens_removed += 1
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(10)))
    parser.add_argument("--show-misses", action="store_true")
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
    kinds = ["national_id", "email", "phone", "iban", "name"]
    results = [run(items, seed, args.show_misses) for seed in args.seeds]

    print(f"items: {len(items)} from {args.path}; seeds: {args.seeds}")
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{platform.system()} {platform.release()}"
    )
    print()
    print("| kind | values per seed | recall, worst seed | recall, all seeds |")
    print("|---|---|---|---|")
    for kind in kinds:
        per_seed = [
            r["removed"][kind] / r["inserted"][kind] for r in results if r["inserted"][kind]
        ]
        total_in = sum(r["inserted"][kind] for r in results)
        total_rm = sum(r["removed"][kind] for r in results)
        print(
            f"| {kind} | {results[0]['inserted'][kind]} | {min(per_seed):.3f} | "
            f"{total_rm}/{total_in} = {total_rm / total_in:.4f} |"
        )
    fp_total = sum(r["tokens_removed"] for r in results)
    tok_total = sum(r["tokens_total"] for r in results)
    print()
    worst = max(r["tokens_removed"] / r["tokens_total"] for r in results)
    print(
        f"non-personal tokens removed: {fp_total}/{tok_total} = {fp_total / tok_total:.4%} "
        f"(worst seed {worst:.4%}; {results[0]['tokens_total']} tokens per seed)"
    )
    words = Counter()
    for r in results:
        words.update(r["removed_tokens"])
    if words:
        print(f"removed non-personal tokens: {dict(words.most_common(10))}")
    print(f"values still present verbatim after redact: {sum(r['leaked'] for r in results)}")
    print(
        f"redact time per item (median over seeds): "
        f"{statistics.median(r['ms_per_item'] for r in results):.3f} ms"
    )

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
