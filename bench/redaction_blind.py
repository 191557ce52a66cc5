"""Recall and precision of redaction on a labelled set written by someone who never saw the code.

Each line: {"id", "language", "text", "pii": [{"type", "value"}]}; the values are written in
the text as they are. Nothing is passed as the contact's name: every name must be found by
the free-text rules. The form of a value is read off the value alone (its separators, its
prefix), so the report says which written forms fail without anyone reading the sentences.

* recall per type, per type and form, per type and language: share of labelled values whose
  every character lies inside a found span;
* precision per language: share of found spans that overlap a labelled value; and the share
  of the other word tokens that a span touches.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from app.services.privacy import find_personal_data

_SEPARATORS = {
    "-": "hyphen",
    "\u2013": "en dash",
    "\u2010": "U+2010",
    "\u2011": "U+2011",
    "\u2212": "minus",
    "\u2014": "em dash",
    " ": "space",
    "\u00a0": "nbsp",
    "+": "plus",
    ".": "dot",
    "/": "slash",
}


def form_of(kind: str, value: str) -> str:
    """A description of how ``value`` is written, from its shape only."""
    kind = kind.lower()
    separators = sorted({_SEPARATORS.get(c, f"U+{ord(c):04X}") for c in value if not c.isalnum()})
    digits = sum(c.isdigit() for c in value)
    joined = ", ".join(separators) or "no separator"
    if kind in ("national_id", "id", "identity_number"):
        return f"{digits} digits/chars, {joined}"
    if kind == "phone":
        prefix = "+" if value.startswith("+") else "00" if value.startswith("00") else "0"
        prefix = prefix if value.lstrip("(")[:1] in "+0" else "no prefix"
        return f"{prefix}, {joined}"
    if kind == "iban":
        case = "lower case" if value[:2].islower() else "upper case"
        return f"{case}, {joined}"
    if kind == "name":
        return f"{len(value.split())} word(s)"
    return joined


def _covered(spans: list, start: int, end: int) -> bool:
    return all(any(s.start <= i < s.end for s in spans) for i in range(start, end))


def evaluate(path: Path) -> dict[str, Counter]:
    counts: dict[str, Counter] = {
        "inserted": Counter(),
        "removed": Counter(),
        "spans": Counter(),
        "true_spans": Counter(),
        "tokens": Counter(),
        "tokens_removed": Counter(),
    }
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        text, language = item["text"], item.get("language", "?")
        spans = find_personal_data(text)
        occupied: list[tuple[int, int]] = []
        for pii in item.get("pii", []):
            kind, value = pii["type"].lower(), pii["value"]
            keys = (kind, (kind, form_of(kind, value)), (kind, language))
            places = [(m.start(), m.end()) for m in re.finditer(re.escape(value), text)]
            occupied += places
            for key in keys:
                counts["inserted"][key] += 1
                if places and all(_covered(spans, a, b) for a, b in places):
                    counts["removed"][key] += 1
        for span in spans:
            counts["spans"][language] += 1
            if any(span.start < b and a < span.end for a, b in occupied):
                counts["true_spans"][language] += 1
        for token in re.finditer(r"\w+", text):
            if any(token.start() < b and a < token.end() for a, b in occupied):
                continue
            counts["tokens"][language] += 1
            if any(s.start < token.end() and token.start() < s.end for s in spans):
                counts["tokens_removed"][language] += 1
    return counts


def report_blind(path: Path) -> None:
    counts = evaluate(path)
    inserted, removed = counts["inserted"], counts["removed"]
    print("| value | labelled | found | recall |")
    print("|---|---|---|---|")
    for key in sorted(inserted, key=lambda k: (isinstance(k, tuple), str(k))):
        label = " / ".join(key) if isinstance(key, tuple) else f"**{key}**"
        print(
            f"| {label} | {inserted[key]} | {removed[key]} | {removed[key] / inserted[key]:.3f} |"
        )
    print()
    print("| language | spans found | on a labelled value | precision | other tokens removed |")
    print("|---|---|---|---|---|")
    languages = sorted(set(counts["spans"]) | set(counts["tokens"]))
    for language in [*languages, "all"]:

        def total(name: str, language: str = language) -> int:
            counter = counts[name]
            return sum(counter.values()) if language == "all" else counter[language]

        spans, true = total("spans"), total("true_spans")
        tokens, hit = total("tokens"), total("tokens_removed")
        precision = f"{true / spans:.3f}" if spans else "–"
        share = f"{hit}/{tokens} = {hit / tokens:.2%}" if tokens else "–"
        print(f"| {language} | {spans} | {true} | {precision} | {share} |")
