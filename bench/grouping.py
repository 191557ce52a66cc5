"""Benchmark of problem grouping (app/services/grouping.py): quality and time per item.

    .venv/bin/python bench/grouping.py [--runs 3] [--seeds 5]
    .venv/bin/python bench/grouping.py --write-seed-pairs   # app/data/seed_pairs.json

1. The pair scorer is learned from the dev history's labelled pairs (the shipped
   app/data/seed_pairs.json, regenerated from app/data/seed_feedback.jsonl by
   ``--write-seed-pairs``), exactly as a fresh install uses it.
2. The blind set (bench/data/blind_feedback.jsonl, bench/datasets.py): the joining and the
   suggestion thresholds are chosen on its tuning half (best recall at precision >= 0.9; the
   suggestion threshold: the lowest whose suggestions are right at least one time in four);
   every figure is then reported on the held-out half first, then on the tuning half and the
   whole file.
3. Items arrive one by one in file order and are grouped as the product does (the same
   functions): online leader clustering within the item's labelled e-service (department when
   it has none); only the kinds the product groups, as labelled. Pairwise precision and recall
   of "same problem" (an item without a problem label is a problem of its own).
   Top-3 suggestion recall: of the items that started a group of their own although a group
   of their problem was open, the share whose problem's group was among the (at most three)
   suggestions.
4. The dev file cross-checked by e-service halves (scorer learned on one half, scored on the
   other), for comparison with the earlier hand-weighted figures.
5. Time per item: signals (embedding, glossary terms, n-grams, codes) and the comparison with
   10, 100 and 1,000 open groups.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# One OpenMP thread for the embedding, as a worker runs it on this 2-core machine: more
# threads only spin against the other processes (CPU time 5x on a busy machine).
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app.services.analysis.problems import (  # noqa: E402
    PAIR_FEATURES,
    GroupProfile,
    ItemSignals,
    LabelledReport,
    PairScorer,
    embed,
    item_signals,
    preload_embedding_model,
    ranked_groups,
    seed_pairs,
)
from app.services.grouping import ACTIONABLE_KINDS, SUGGESTIONS  # noqa: E402
from app.services.understanding import SEED_PAIRS_PATH  # noqa: E402
from bench.datasets import BLIND, DEV, blind_split, load_rows, shown  # noqa: E402

TARGET_PRECISION = 0.9
THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(1, 20))  # 0.05 … 0.95
SUGGESTION_PRECISION = 0.25


@dataclass
class Outcome:
    precision: float
    recall: float
    groups: int
    suggestion_recall: float | None = None
    suggestion_precision: float | None = None
    suggested_items: int = 0

    def __str__(self) -> str:
        text = f"P {self.precision:.3f}  R {self.recall:.3f}  groups {self.groups:3d}"
        if self.suggestion_recall is not None:
            text += f"  top-{SUGGESTIONS} suggestion recall {self.suggestion_recall:.3f}"
        if self.suggestion_precision is not None:
            text += f" (suggestions right {self.suggestion_precision:.2f})"
        return text


@dataclass
class Run:
    labels: list[int] = field(default_factory=list)
    missed: int = 0  # started a group although its problem's group was open
    found: int = 0  # ... and that group was suggested
    suggestions: int = 0
    right: int = 0


def reports(rows: Sequence[dict[str, Any]]) -> list[LabelledReport]:
    return [
        LabelledReport(
            scope=row["eservice"] or f"dept:{row['department']}",
            problem=row["problem"],
            # Placeholders stand where redaction leaves its markers; both are left out.
            signals=item_signals(row["text"], row["language"]),
        )
        for row in rows
    ]


def actionable(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items the product groups: of the grouped kinds and with a department (an item with
    none waits in triage, ungrouped)."""
    return [row for row in rows if row["kind"] in ACTIONABLE_KINDS and row["department"]]


def group(
    items: Sequence[LabelledReport], threshold: float, scorer: PairScorer, suggest: float = 1.1
) -> Run:
    """Group in order as the product does; count the suggestions it would make."""
    open_groups: dict[str, list[tuple[int, GroupProfile]]] = {}
    problem_of: dict[int, str | None] = {}
    run = Run()
    for item in items:
        groups = open_groups.setdefault(item.scope, [])
        ranked = ranked_groups(item.signals, groups, scorer)
        if ranked and ranked[0][1] >= threshold:
            number = ranked[0][0]
        else:
            number = len(problem_of)
            suggested = [key for key, p in ranked[:SUGGESTIONS] if p >= suggest]
            right = [key for key in suggested if _same(problem_of[key], item.problem)]
            run.suggestions += len(suggested)
            run.right += len(right)
            if any(_same(problem_of[key], item.problem) for key, _ in groups):
                run.missed += 1
                run.found += bool(right)
            groups.append((number, GroupProfile()))
            problem_of[number] = item.problem
        dict(groups)[number].add(item.signals)
        run.labels.append(number)
    return run


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and a == b


def score(items: Sequence[LabelledReport], run: Run) -> Outcome:
    true_pairs = together = both = 0
    for (a, la), (b, lb) in itertools.combinations(zip(items, run.labels, strict=True), 2):
        same = _same(a.problem, b.problem)
        true_pairs += same
        together += la == lb
        both += same and la == lb
    return Outcome(
        precision=both / together if together else 1.0,
        recall=both / true_pairs if true_pairs else 1.0,
        groups=len(set(run.labels)),
        suggestion_recall=run.found / run.missed if run.missed else None,
        suggestion_precision=run.right / run.suggestions if run.suggestions else None,
        suggested_items=run.missed,
    )


def choose_threshold(items: Sequence[LabelledReport], scorer: PairScorer) -> float:
    """The joining threshold with the best recall at the target precision (else the most
    precise)."""
    results = [(score(items, group(items, t, scorer)), t) for t in THRESHOLDS]
    good = [(o.recall, o.precision, t) for o, t in results if o.precision >= TARGET_PRECISION]
    if good:
        return max(good)[2]
    return max((o.precision, o.recall, t) for o, t in results)[2]


def choose_suggestion_threshold(
    items: Sequence[LabelledReport], threshold: float, scorer: PairScorer
) -> float:
    """The lowest suggestion threshold whose suggestions are right often enough."""
    for suggest in THRESHOLDS:
        if suggest >= threshold:
            break
        outcome = score(items, group(items, threshold, scorer, suggest))
        if (outcome.suggestion_precision or 0.0) >= SUGGESTION_PRECISION:
            return suggest
    return threshold


def cross_check(items: Sequence[LabelledReport], seeds: int) -> None:
    """The dev file: the scorer and threshold learned on half of the e-services, scored on
    the other half."""
    scopes = sorted({item.scope for item in items})
    results = []
    for seed in range(seeds):
        shuffled = scopes[:]
        random.Random(seed).shuffle(shuffled)
        half = set(shuffled[: len(shuffled) // 2])
        for tune in (half, set(scopes) - half):
            tuning = [item for item in items if item.scope in tune]
            testing = [item for item in items if item.scope not in tune]
            scorer = PairScorer.train(*seed_pairs(tuning))
            threshold = choose_threshold(tuning, scorer)
            results.append(score(testing, group(testing, threshold, scorer)))
    print(
        f"  held-out halves ({len(results)}): mean P "
        f"{statistics.mean(r.precision for r in results):.3f}, "
        f"R {statistics.mean(r.recall for r in results):.3f}; min P "
        f"{min(r.precision for r in results):.3f}, min R {min(r.recall for r in results):.3f}"
    )


def cross_lingual_auc(items: Sequence[LabelledReport], languages: Sequence[str]) -> str:
    """Same-problem AUC of the embedding cosine alone, over pairs of items of one e-service
    (all pairs, and the pairs in two languages)."""
    scored: dict[str, list[tuple[float, bool]]] = {"all": [], "cross-lingual": []}
    for (a, la), (b, lb) in itertools.combinations(zip(items, languages, strict=True), 2):
        if a.scope != b.scope:
            continue
        pair = (float(a.signals.embedding @ b.signals.embedding), _same(a.problem, b.problem))
        scored["all"].append(pair)
        if la != lb:
            scored["cross-lingual"].append(pair)
    return ", ".join(
        f"{name} {_auc(pairs):.3f} ({len(pairs)} pairs)" for name, pairs in scored.items()
    )


def _auc(pairs: Sequence[tuple[float, bool]]) -> float:
    positives = [s for s, same in pairs if same]
    negatives = [s for s, same in pairs if not same]
    if not positives or not negatives:
        return float("nan")
    ranks = np.argsort(np.argsort([s for s, _ in pairs])) + 1
    positive_ranks = sum(r for r, (_, same) in zip(ranks, pairs, strict=True) if same)
    return (positive_ranks - len(positives) * (len(positives) + 1) / 2) / (
        len(positives) * len(negatives)
    )


def machine() -> str:
    cpu = "unknown CPU"
    for line in open("/proc/cpuinfo").read().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"
    )


def timing(rows: Sequence[dict[str, Any]], probe: ItemSignals, runs: int) -> None:
    """CPU time (the machine is shared: CPU time shows the cost without the wait)."""
    preload_embedding_model()
    means = []
    for _ in range(runs):
        cpu = time.process_time()
        for row in rows:
            item_signals(row["text"], row["language"])
        means.append((time.process_time() - cpu) / len(rows))
    print(f"signals per item, CPU, median of {runs} runs: {1000 * statistics.median(means):.1f} ms")
    cpu = time.process_time()
    for row in rows:
        embed(row["text"])
    print(f"  of which the embedding: CPU {1000 * (time.process_time() - cpu) / len(rows):.1f} ms")
    scorer = PairScorer.train(*_written_seed_pairs())
    for size in (10, 100, 1000):
        profiles = [(number, GroupProfile()) for number in range(size)]
        for _, profile in profiles:
            profile.add(probe)
        cpu = time.process_time()
        for _ in range(20):
            ranked_groups(probe, profiles, scorer)
        per_item = (time.process_time() - cpu) / 20
        print(f"  comparing with {size:5d} open groups: CPU {1000 * per_item:.2f} ms per item")


def _written_seed_pairs() -> tuple[np.ndarray, list[bool]]:
    data = json.loads(SEED_PAIRS_PATH.read_text(encoding="utf-8"))
    return np.asarray(data["features"], dtype=np.float32), data["labels"]


def write_seed_pairs(dev_rows: Sequence[dict[str, Any]]) -> None:
    features, labels = seed_pairs(reports(actionable(dev_rows)))
    SEED_PAIRS_PATH.write_text(
        json.dumps(
            {
                "source": "app/data/seed_feedback.jsonl, by bench/grouping.py --write-seed-pairs",
                "features_names": list(PAIR_FEATURES),
                "features": [[round(float(v), 5) for v in row] for row in features],
                "labels": [bool(v) for v in labels],
            },
            separators=(",", ":"),
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {shown(SEED_PAIRS_PATH)}: {len(labels)} pairs, {sum(labels)} of one problem")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--write-seed-pairs", action="store_true")
    args = parser.parse_args()
    dev_rows = load_rows(DEV)
    if args.write_seed_pairs:
        write_seed_pairs(dev_rows)
        return
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the start")
    scorer = PairScorer.train(*_written_seed_pairs())
    print(f"pair scorer from {shown(SEED_PAIRS_PATH)}: {scorer.trained_on} pairs, "
          f"{scorer.positives} of one problem")  # fmt: skip
    print(
        "  weights: "
        + ", ".join(f"{n} {w:+.2f}" for n, w in zip(PAIR_FEATURES, scorer.weights, strict=True))
    )
    halves = blind_split(load_rows(BLIND))
    tuning_rows = actionable(halves["tuning"])
    tuning = reports(tuning_rows)
    threshold = choose_threshold(tuning, scorer)
    suggest = choose_suggestion_threshold(tuning, threshold, scorer)
    print(f"== blind set {shown(BLIND)}: thresholds chosen on the tuning half: "
          f"join {threshold:.2f}, suggest {suggest:.2f}")  # fmt: skip
    held_rows = actionable(halves["held-out"])
    held = reports(held_rows)
    for name, items, rows in (
        ("held-out half", held, held_rows),
        ("tuning half", tuning, tuning_rows),
    ):
        problems = len({row["problem"] for row in rows} - {None})
        print(f"  {name}: {len(items)} items of the grouped kinds, {problems} problems")
        print(f"    {score(items, group(items, threshold, scorer, suggest))}")
        print(f"    embedding AUC: {cross_lingual_auc(items, [r['language'] for r in rows])}")
    print("  held-out half by joining threshold (suggestions at the chosen threshold):")
    for t in THRESHOLDS[3:17:2]:
        print(f"    {t:.2f}  {score(held, group(held, t, scorer, min(suggest, t)))}")
    dev = reports(actionable(dev_rows))
    print(f"== dev file {shown(DEV)}: {len(dev)} items of the grouped kinds")
    print(
        f"  scorer and thresholds as shipped: {score(dev, group(dev, threshold, scorer, suggest))}"
    )
    print("  cross-checked by e-service halves (scorer and threshold learned on one half):")
    cross_check(dev, args.seeds)
    print("== time per item")
    timing(dev_rows, dev[0].signals, args.runs)
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
