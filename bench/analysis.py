"""Benchmark of app.services.analysis: cross-validated accuracy and per-item latency.

    .venv/bin/python bench/analysis.py [PATH] [--folds 5] [--runs 3] [--threshold T]

PATH is a labelled JSON Lines file (default: the dev history app/data/seed_feedback.jsonl).

1. Accuracy: ``evaluate`` with k-fold cross-validation (each fold predicted by models trained
   only on the other folds), with the shipped catalog and routing vocabulary. Then the same
   at several thresholds, with folds that keep each concrete problem (the file's ``problem``
   slug) in one fold, and without the vocabulary (catalog names only) and without any
   catalog, to show what each part contributes.
2. Latency: models trained on the whole file, the language detector preloaded, one warm-up
   pass; then ``analyse_feedback`` (language + normalise + all predictions + routing) on every
   item, timed one by one, in ``--runs`` runs. Reported: the median over runs of the mean.
3. Memory (peak RSS of this process), model blob size, training time, import cost.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app.services.analysis import (  # noqa: E402
    DEFAULT_THRESHOLD,
    LabelledItem,
    TextModels,
    analyse_feedback,
    default_catalog,
    detect_language,
    evaluate,
    evaluate_models,
    evaluate_thresholds,
    load_labelled_with_groups,
    load_seed_items,
    normalise,
    preload_language_detector,
)
from bench import datasets  # noqa: E402
from bench.datasets import (  # noqa: E402
    BLIND,
    DEV,
    LATER_BLIND,
    TRAINING,
    blind_split,
    in_city_convention,
    load_rows,
    shown,
)
from bench.embedding_cache import embeddings  # noqa: E402
from bench.report import machine, result  # noqa: E402

DEFAULT_PATH = DEV
SWEEP = (0.3, 0.4, 0.5, 0.6)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_cost() -> str:
    code = (
        "import sys, time; t = time.perf_counter(); import app; a = time.perf_counter();"
        "from app.services.analysis import normalise, match_rules, detect_language;"
        "b = time.perf_counter(); from app.services.analysis import TextModels;"
        "c = time.perf_counter();"
        "print(f'{a - t:.2f} {b - a:.3f} {c - b:.2f} {\"lingua\" in sys.modules}')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return (
        f"import app (Flask) {out[0]} s; then normalise/match_rules/detect_language "
        f"{out[1]} s; then TextModels (scikit-learn) {out[2]} s; lingua loaded: {out[3]}"
    )


MEMORY_PROBE = """
import sys, time
from app.services.analysis import TextModels, default_catalog, load_labelled
from app.services.analysis import analyse_feedback, preload_language_detector
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
base = rss()
started = time.perf_counter()
preload_language_detector()
loaded = time.perf_counter() - started
lingua = rss()
items = load_labelled(sys.argv[1])
models = TextModels.train(items, default_catalog())
trained = rss()
for item in items:
    analyse_feedback(item.text, models)
print(f"{base:.0f} {lingua:.0f} {trained:.0f} {rss():.0f} {loaded:.2f}")
"""


def memory_profile(path: str) -> str:
    """RSS in a fresh process: after imports, after the detector, after training, after use."""
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    base, lingua, trained, used, seconds = out
    return (
        f"fresh process: {base} MB after imports (Flask, scikit-learn); {lingua} MB with the "
        f"language detector preloaded ({seconds} s); {trained} MB after training; {used} MB "
        f"after analysing every item"
    )


def sweep_table(title: str, reports: dict) -> None:
    print(f"\n{title}")
    print("  threshold  triage  dept(routed)  e-service(routed)  sentiment-F1  kind  digital")
    for threshold, r in reports.items():
        print(
            f"  {threshold:9.2f}  {r.triage_share:6.3f}  {r.department_accuracy:12.3f}  "
            f"{r.eservice_accuracy:17.3f}  {r.sentiment_macro_f1:12.3f}  {r.kind_accuracy:.3f}"
            f"  {r.about_digital_accuracy:.3f}"
        )


def embedded(rows: list[dict]) -> list[LabelledItem]:
    """Labelled items with their embeddings, as processing embeds every item."""
    items = [LabelledItem.from_dict(row) for row in rows]
    for item, vector in zip(items, embeddings([item.text for item in items]), strict=True):
        item.embedding = vector
    return items


def blind_set(threshold: float) -> None:
    """Models trained on the shipped history (the dev history and the training files, as a
    fresh install trains them) scored on the blind set: the routing threshold's effect on
    the tuning half, then every figure on the held-out half first."""
    training = load_seed_items()
    models = TextModels.train(training, default_catalog())
    split = blind_split(load_rows(BLIND))
    halves = {name: embedded(rows) for name, rows in split.items()}
    print(
        f"\n== blind set {shown(BLIND)}: models trained on {len(training)} items of "
        + ", ".join(shown(path) for path in TRAINING)
    )
    sweep_table(
        "== tuning half, by routing threshold",
        {t: evaluate_models(halves["tuning"], models, threshold=t) for t in SWEEP},
    )
    held_out = evaluate_models(halves["held-out"], models, threshold=threshold)
    print(f"\n== HELD-OUT HALF ({len(halves['held-out'])} items), threshold {threshold}")
    print(held_out.format())
    targets = (
        ("kind macro-F1 (held-out)", held_out.kind_macro_f1, 0.75, False),
        ("sentiment macro-F1 (held-out)", held_out.sentiment_macro_f1, 0.78, False),
        ("about a digital service (held-out)", held_out.about_digital_accuracy, 0.88, False),
        ("share to triage (held-out)", held_out.triage_share, 0.15, True),
        ("department accuracy, routed (held-out)", held_out.department_accuracy, 0.90, False),
        ("e-service accuracy, routed (held-out)", held_out.eservice_accuracy, 0.85, False),
        ("language accuracy (held-out)", held_out.language_accuracy, 0.97, False),
    )
    for measure, figure, bound, upper in targets:
        met = figure <= bound if upper else figure >= bound
        result(measure, f"{figure:.3f}", f"{'<=' if upper else '>='} {bound}", met)
    # The held-out half's writers label a matter-of-fact report of a fault neutral, the dev
    # history (and the shipped training files) negative: sentiment in that convention too.
    city = evaluate_models(embedded([in_city_convention(row) for row in split["held-out"]]), models)
    result(
        "sentiment macro-F1 (held-out, the dev history's convention)",
        f"{city.sentiment_macro_f1:.3f}",
        ">= 0.78",
        city.sentiment_macro_f1 >= 0.78,
    )
    print("\nsentiment on the held-out half by channel: items, macro-F1, accuracy")
    by_channel: dict[str, list[dict]] = {}
    for row in split["held-out"]:
        by_channel.setdefault(row["channel"], []).append(row)
    for channel, channel_rows in sorted(by_channel.items()):
        report = evaluate_models(embedded(channel_rows), models, threshold=threshold)
        print(
            f"  {channel:15s} {len(channel_rows):4d}  {report.sentiment_macro_f1:.3f}  "
            f"{report.sentiment_accuracy:.3f}"
        )
    written = [row for rows in by_channel.values() for row in rows if row["channel"] != "call_note"]
    report = evaluate_models(embedded(written), models, threshold=threshold)
    print(
        f"  without call notes {len(written):4d}  {report.sentiment_macro_f1:.3f}  "
        f"{report.sentiment_accuracy:.3f}"
    )
    unseen = embedded(datasets.without_trained_problems(split["held-out"]))
    print(f"\n== held-out half without the problems the training files name ({len(unseen)} items)")
    print(evaluate_models(unseen, models, threshold=threshold).format())
    print(f"\n== tuning half ({len(halves['tuning'])} items), threshold {threshold}")
    print(evaluate_models(halves["tuning"], models, threshold=threshold).format())
    for path in LATER_BLIND:
        later = embedded(load_rows(path))
        print(f"\n== later blind file {shown(path)}, whole ({len(later)} items), "
              f"threshold {threshold}")  # fmt: skip
        print(evaluate_models(later, models, threshold=threshold).format())
        city = embedded([in_city_convention(row) for row in load_rows(path)])
        city_f1 = evaluate_models(city, models, threshold=threshold).sentiment_macro_f1
        print(f"  sentiment macro-F1 in the dev history's convention: {city_f1:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--quick", action="store_true", help="skip the sweeps and ablations")
    args = parser.parse_args()

    rows = load_labelled_with_groups(args.path)
    items = [item for item, _ in rows]
    groups = [group for _, group in rows]
    catalog = default_catalog()
    print(f"machine: {machine()}")
    print(f"data: {shown(Path(args.path))}, {len(items)} items")
    print(f"import cost: {import_cost()}")
    blind_set(args.threshold)

    started = time.perf_counter()
    report = evaluate(items, args.folds, args.threshold, catalog=catalog)
    print(
        f"\n== {args.folds}-fold cross-validation (shuffled, seed 0), shipped catalog and "
        f"vocabulary ({time.perf_counter() - started:.0f} s)"
    )
    print(report.format())
    # (measure, figure, lowest or highest allowed, whether the figure must stay below it)
    targets = (
        ("language accuracy", report.language_accuracy, 0.97, False),
        ("department accuracy (routed)", report.department_accuracy, 0.85, False),
        ("e-service accuracy (routed)", report.eservice_accuracy, 0.75, False),
        ("share to triage", report.triage_share, 0.15, True),
        ("sentiment macro-F1", report.sentiment_macro_f1, 0.75, False),
    )
    for measure, figure, bound, upper in targets:
        met = figure <= bound if upper else figure >= bound
        result(measure, f"{figure:.3f}", f"{'<=' if upper else '>='} {bound}", met)

    if not args.quick:
        for seed in (0, 1, 2):
            sweep_table(
                f"== problems kept in one fold, seed {seed}",
                evaluate_thresholds(
                    items, args.folds, SWEEP, catalog=catalog, groups=groups, seed=seed
                ),
            )
        sweep_table(
            "== shuffled folds, seed 1",
            evaluate_thresholds(items, args.folds, SWEEP, catalog=catalog, seed=1),
        )
        names_only = default_catalog(with_vocabulary=False)
        sweep_table(
            "== ablation: catalog names only (no shipped vocabulary), problems in one fold",
            evaluate_thresholds(
                items, args.folds, (0.2, 0.3, 0.4, 0.5, 0.6), catalog=names_only, groups=groups
            ),
        )
        sweep_table(
            "== ablation: no catalog at all (history only), problems in one fold",
            evaluate_thresholds(
                items, args.folds, (0.2, 0.3, 0.4, 0.5, 0.6), catalog=None, groups=groups
            ),
        )

    print("\n== latency (one item: language + normalise + all predictions + routing)")
    print(f"memory: {memory_profile(args.path)}")
    preload_language_detector()
    started = time.perf_counter()
    models = TextModels.train(items, catalog)
    train_seconds = time.perf_counter() - started
    blob = models.dumps()
    print(
        f"trained on {len(items)} items in {train_seconds:.2f} s, blob {len(blob) / 1024:.0f} KiB"
    )
    started = time.perf_counter()
    TextModels.loads(blob)
    print(f"loads: {1000 * (time.perf_counter() - started):.0f} ms")

    texts = [(item.text, item.language) for item in items]
    for text, _ in texts[:20]:  # warm-up: caches of the stemmer and the phrase matcher
        analyse_feedback(text, models)
    means = []
    for run in range(args.runs):
        timings = []
        for text, _ in texts:
            started = time.perf_counter()
            analyse_feedback(text, models)
            timings.append(time.perf_counter() - started)
        mean = statistics.fmean(timings)
        means.append(mean)
        timings.sort()
        print(
            f"run {run + 1}: mean {1000 * mean:.2f} ms, median "
            f"{1000 * statistics.median(timings):.2f} ms, p95 "
            f"{1000 * timings[int(0.95 * len(timings))]:.2f} ms, max {1000 * timings[-1]:.2f} ms"
        )
    print(
        f"per item, median of {args.runs} run means: {1000 * statistics.median(means):.2f} ms "
        f"({1 / statistics.median(means):.0f} items/s on one core)"
    )
    per_item_ms = 1000 * statistics.median(means)
    result("analysis per item", f"{per_item_ms:.2f} ms", "< 25 ms", per_item_ms < 25)

    parts = {
        "detect_language": lambda t, lang: detect_language(t),
        "normalise": lambda t, lang: normalise(t, lang),
        "predict (features + 5 models + rules)": lambda t, lang: models.predict(t, lang),
    }
    for name, call in parts.items():
        started = time.perf_counter()
        for text, language in texts:
            call(text, language)
        print(f"  {name}: {1000 * (time.perf_counter() - started) / len(texts):.3f} ms/item")
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
