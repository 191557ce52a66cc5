"""The embedding view of the text models (``ModelSettings.embedding_weights`` and the routing
thresholds): its settings chosen on the blind set's tuning half, and the shipped history's
embeddings written for the product.

    .venv/bin/python bench/embedding_classifiers.py                          # the sweep
    .venv/bin/python bench/embedding_classifiers.py --write-seed-embeddings  # app/data

The models are trained on the shipped history (the dev history and the training files) as
a fresh install trains them; every figure printed here is on the **tuning half** only (the
held-out half is printed by bench/analysis.py, with the chosen settings).

- Tone fields (kind, sentiment, about digital): the embedding model's C and the blend weight
  w, (1 - w) · text + w · embedding; chosen by the best mean of the three targets' measures
  (kind and sentiment macro-F1, about-digital accuracy).
- Routing: the embedding model's C for e-service and department, their blend weight, the
  e-service threshold and the department (routing) threshold; chosen as the least triage
  with department accuracy among routed items ≥ 0.90 and e-service accuracy ≥ 0.85 (ties:
  the higher e-service accuracy, then the higher department accuracy, then the smaller C).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from dataclasses import replace

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from app.services.analysis import (  # noqa: E402
    LabelledItem,
    ModelSettings,
    TextModels,
    default_catalog,
    evaluate_models,
    load_seed_items,
)
from app.services.analysis.pipeline import SEED_EMBEDDINGS_PATH, embedding_key  # noqa: E402
from bench.datasets import BLIND, blind_split, load_rows, shown  # noqa: E402
from bench.embedding_cache import embeddings  # noqa: E402

TONE = ("kind", "sentiment", "about_digital")
ROUTE = ("eservice", "department")
TONE_C = (1.0, 10.0, 100.0)
ROUTE_C = (10.0, 100.0, 300.0)
WEIGHTS = (0.0, 0.5, 0.6, 0.7, 0.8, 1.0)
ROUTE_WEIGHTS = (0.5, 0.7, 0.85, 1.0)
ESERVICE_THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def write_seed_embeddings() -> None:
    """``problems.embed`` of every shipped item, for ``load_seed_items``."""
    texts = sorted({item.text for item in load_seed_items()})
    vectors = embeddings(texts)
    np.savez_compressed(
        SEED_EMBEDDINGS_PATH,
        keys=np.array([embedding_key(text) for text in texts]),
        vectors=np.stack(vectors).astype(np.float32),
    )
    print(f"{shown(SEED_EMBEDDINGS_PATH)}: {len(texts)} embeddings")


def tuning_items() -> list[LabelledItem]:
    rows = blind_split(load_rows(BLIND))["tuning"]
    items = [LabelledItem.from_dict(row) for row in rows]
    for item, vector in zip(items, embeddings([row["text"] for row in rows]), strict=True):
        item.embedding = vector
    return items


def with_weights(models: TextModels, fields: tuple[str, ...], weight: float) -> TextModels:
    weights = dict(models.settings.embedding_weights) | {name: weight for name in fields}
    return models.with_settings(embedding_weights=tuple(weights.items()))


def sweep_tone(training: list[LabelledItem], tuning: list[LabelledItem]) -> None:
    print("== tone fields on the tuning half: kind F1, sentiment F1, about-digital accuracy")
    scores = {}
    for c in TONE_C:
        settings = replace(ModelSettings(), tone_embedding_regularisation=c)
        models = TextModels.train(training, default_catalog(), settings)
        for w in WEIGHTS:
            report = evaluate_models(tuning, with_weights(models, TONE, w))
            figures = (
                report.kind_macro_f1,
                report.sentiment_macro_f1,
                report.about_digital_accuracy,
            )
            scores[(c, w)] = figures
            print(f"  C {c:6.1f} w {w:.2f}  " + "  ".join(f"{f:.3f}" for f in figures))
    chosen = max(scores, key=lambda key: (np.mean(scores[key]), -key[0]))
    print(f"chosen: C {chosen[0]}, w {chosen[1]}")


def sweep_routing(training: list[LabelledItem], tuning: list[LabelledItem]) -> None:
    print("\n== routing on the tuning half: least triage with department ≥ 0.90, e-service ≥ 0.85")
    feasible = []
    for c in ROUTE_C:
        settings = replace(ModelSettings(), route_embedding_regularisation=c)
        models = TextModels.train(training, default_catalog(), settings)
        for w, te, td in itertools.product(ROUTE_WEIGHTS, ESERVICE_THRESHOLDS, THRESHOLDS):
            chosen = with_weights(models, ROUTE, w).with_settings(eservice_threshold=te)
            report = evaluate_models(tuning, chosen, threshold=td)
            if report.department_accuracy >= 0.90 and report.eservice_accuracy >= 0.85:
                feasible.append((c, w, te, td, report))
    feasible.sort(
        key=lambda row: (
            row[4].triage_share,
            -row[4].eservice_accuracy,
            -row[4].department_accuracy,
            row[0],
        )
    )
    print("  triage  C      w     e-service-thr  threshold  dept(routed)  e-service(routed)")
    for c, w, te, td, report in feasible[:10]:
        print(
            f"  {report.triage_share:.3f}  {c:5.0f}  {w:.2f}  {te:13.2f}  {td:9.2f}  "
            f"{report.department_accuracy:12.3f}  {report.eservice_accuracy:17.3f}"
        )
    if feasible:
        c, w, te, td, _ = feasible[0]
        print(f"chosen: C {c}, w {w}, e-service threshold {te}, threshold {td}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write-seed-embeddings", action="store_true")
    parser.add_argument("--only", choices=("tone", "routing"))
    args = parser.parse_args()
    if args.write_seed_embeddings:
        write_seed_embeddings()
        return
    training = load_seed_items()
    tuning = tuning_items()
    if args.only != "routing":
        sweep_tone(training, tuning)
    if args.only != "tone":
        sweep_routing(training, tuning)


if __name__ == "__main__":
    main()
