"""Cross-validated evaluation of language detection, routing and the text classifiers.

Each fold's items are predicted by models trained only on the other folds, so no item ever
sees itself, and nothing from the shipped seed file enters unless the caller puts it in
``items``. Items about the same concrete problem (``group``) can be kept in one fold, which
measures how the models do on problems they have never seen.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.services.analysis.catalog import Catalog
from app.services.analysis.language import detect_language
from app.services.analysis.models import DEFAULT_THRESHOLD, LabelledItem, ModelSettings, TextModels
from app.services.analysis.rules import KeywordRule, RuleSet


@dataclass
class EvaluationReport:
    """Shares are in 0..1; accuracies of routing are among automatically routed items."""

    items: int
    folds: int  # 0: trained models evaluated on held-out items
    threshold: float
    language_accuracy: float  # no hint: the text alone
    language_accuracy_with_hint: float  # the item's language given as the form's
    routed_share: float
    triage_share: float
    department_accuracy: float  # among routed items
    eservice_accuracy: float  # among routed items; "no e-service" must match too
    eservice_accuracy_when_named: float  # among routed items that were given an e-service
    department_accuracy_overall: float  # triage counted as wrong
    sentiment_macro_f1: float
    sentiment_accuracy: float
    kind_accuracy: float
    kind_macro_f1: float
    about_digital_accuracy: float
    methods: dict[str, int] = field(default_factory=dict)
    per_language: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def format(self) -> str:
        """A plain-text table for the command line and the benchmark."""
        how = f"{self.folds}-fold cross-validation" if self.folds else "the current models"
        lines = [
            f"items {self.items}, {how}, threshold {self.threshold:.2f}",
            f"language accuracy            {self.language_accuracy:.3f}"
            f"   (with the form's language as hint {self.language_accuracy_with_hint:.3f})",
            f"routed automatically         {self.routed_share:.3f}"
            f"   triage {self.triage_share:.3f}",
            f"department accuracy (routed) {self.department_accuracy:.3f}"
            f"   (all items, triage = wrong: {self.department_accuracy_overall:.3f})",
            f"e-service accuracy (routed)  {self.eservice_accuracy:.3f}"
            f"   (routed with an e-service: {self.eservice_accuracy_when_named:.3f})",
            f"sentiment macro-F1           {self.sentiment_macro_f1:.3f}"
            f"   accuracy {self.sentiment_accuracy:.3f}",
            f"kind accuracy                {self.kind_accuracy:.3f}"
            f"   macro-F1 {self.kind_macro_f1:.3f}",
            f"about_digital accuracy       {self.about_digital_accuracy:.3f}",
            "routing methods              "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.methods.items())),
        ]
        if self.per_language:
            lines.append(
                "per language: lang items language dept(routed) eservice(routed) "
                "triage sentiment-acc"
            )
            for language, row in sorted(self.per_language.items()):
                lines.append(
                    f"  {language:4} {int(row['items']):5} {row['language']:.3f} "
                    f"{row['department']:.3f} {row['eservice']:.3f} {row['triage']:.3f} "
                    f"{row['sentiment']:.3f}"
                )
        return "\n".join(lines)


def load_labelled(path: str | Path) -> list[LabelledItem]:
    """Labelled items from a JSON Lines file shaped like app/data/seed_feedback.jsonl."""
    return [item for item, _ in load_labelled_with_groups(path)]


def load_labelled_with_groups(path: str | Path) -> list[tuple[LabelledItem, str | None]]:
    """Items and their ``problem`` slug (items about the same concrete problem share it)."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                data = json.loads(line)
                rows.append((LabelledItem.from_dict(data), data.get("problem")))
    return rows


def fold_indices(
    count: int, folds: int, seed: int = 0, groups: Sequence[str | None] | None = None
) -> list[list[int]]:
    """Shuffled folds of ``range(count)``; items with the same non-None group share a fold."""
    units: dict[Any, list[int]] = defaultdict(list)
    for index in range(count):
        group = groups[index] if groups is not None else None
        units[("group", group) if group is not None else ("item", index)].append(index)
    keys = list(units)
    random.Random(seed).shuffle(keys)
    # Largest units first into the currently smallest fold keeps the folds even.
    keys.sort(key=lambda key: -len(units[key]))
    buckets: list[list[int]] = [[] for _ in range(folds)]
    for key in keys:
        min(buckets, key=len).extend(units[key])
    return [sorted(bucket) for bucket in buckets]


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over the labels present in ``truth``."""
    labels = sorted(set(truth))
    scores = []
    for label in labels:
        tp = sum(t == label and p == label for t, p in zip(truth, predicted, strict=True))
        fp = sum(t != label and p == label for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == label and p != label for t, p in zip(truth, predicted, strict=True))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def _share(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def evaluate(
    items: Sequence[LabelledItem],
    folds: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    catalog: Catalog | None = None,
    settings: ModelSettings | None = None,
    groups: Sequence[str | None] | None = None,
    seed: int = 0,
) -> EvaluationReport:
    """K-fold cross-validation: each fold is predicted by models trained on the others.

    The language used for normalising and predicting is the detected one (without a hint),
    as for an item whose form did not say. ``catalog`` None: the catalog is learnt from the
    training folds (no names, no keywords). ``groups``: items with the same group (e.g. the
    same problem) stay in one fold.
    """
    return evaluate_thresholds(
        items, folds, [threshold], catalog=catalog, settings=settings, groups=groups, seed=seed
    )[threshold]


def evaluate_thresholds(
    items: Sequence[LabelledItem],
    folds: int,
    thresholds: Sequence[float],
    *,
    catalog: Catalog | None = None,
    settings: ModelSettings | None = None,
    groups: Sequence[str | None] | None = None,
    seed: int = 0,
) -> dict[float, EvaluationReport]:
    """``evaluate`` at several routing thresholds, training each fold's models once."""
    if folds < 2 or len(items) < folds:
        raise ValueError("need at least two folds and one item per fold")
    settings = settings or ModelSettings()
    detected = [detect_language(item.text) for item in items]
    with_hint = [detect_language(item.text, hint=item.language) for item in items]
    by_threshold: dict[float, list[dict[str, Any]]] = {t: [{} for _ in items] for t in thresholds}
    for test in fold_indices(len(items), folds, seed, groups):
        held_out = set(test)
        training = [item for i, item in enumerate(items) if i not in held_out]
        models = TextModels.train(training, catalog, settings)
        for i in test:
            for t in thresholds:
                by_threshold[t][i] = models.predict(items[i].text, detected[i][0], threshold=t)
    return {
        t: _report(items, folds, t, predictions, detected, with_hint)
        for t, predictions in by_threshold.items()
    }


def evaluate_models(
    items: Sequence[LabelledItem],
    models: TextModels,
    *,
    rules: RuleSet | Sequence[KeywordRule] | None = None,
    threshold: float | None = None,
) -> EvaluationReport:
    """How already trained ``models`` (with ``rules``) do on ``items`` they were not trained
    on: what ``routing evaluate`` prints for a city's own labelled file. Items with an
    ``embedding`` are predicted with it, as processing does."""
    threshold = models.settings.threshold if threshold is None else threshold
    detected = [detect_language(item.text) for item in items]
    with_hint = [detect_language(item.text, hint=item.language) for item in items]
    predictions = [
        models.predict(
            item.text, language, rules=rules, threshold=threshold, embedding=item.embedding
        )
        for item, (language, _) in zip(items, detected, strict=True)
    ]
    return _report(items, 0, threshold, predictions, detected, with_hint)


def _report(
    items: Sequence[LabelledItem],
    folds: int,
    threshold: float,
    predictions: list[dict[str, Any]],
    detected: list[tuple[str, float]],
    with_hint: list[tuple[str, float]],
) -> EvaluationReport:
    routed = [i for i, p in enumerate(predictions) if p["department"].value is not None]
    named = [i for i in routed if predictions[i]["eservice"].value is not None]
    methods = Counter(p["department"].method for p in predictions)

    def correct(i: int, name: str) -> bool:
        return predictions[i][name].value == getattr(items[i], name)

    def department_correct(i: int) -> bool:
        return predictions[i]["department"].value == items[i].department

    sentiment_items = [i for i, item in enumerate(items) if item.sentiment is not None]
    kind_items = [i for i, item in enumerate(items) if item.kind is not None]
    digital_items = [i for i, item in enumerate(items) if item.about_digital is not None]

    per_language: dict[str, dict[str, float]] = {}
    for language in sorted({item.language for item in items}):
        mine = [i for i, item in enumerate(items) if item.language == language]
        mine_routed = [i for i in mine if i in set(routed)]
        per_language[language] = {
            "items": float(len(mine)),
            "language": _share(sum(detected[i][0] == language for i in mine), len(mine)),
            "department": _share(sum(department_correct(i) for i in mine_routed), len(mine_routed)),
            "eservice": _share(sum(correct(i, "eservice") for i in mine_routed), len(mine_routed)),
            "triage": _share(len(mine) - len(mine_routed), len(mine)),
            "sentiment": _share(
                sum(correct(i, "sentiment") for i in mine if i in set(sentiment_items)),
                sum(1 for i in mine if i in set(sentiment_items)),
            ),
        }

    def digital_value(i: int) -> bool:
        return predictions[i]["about_digital"].value == "true"

    return EvaluationReport(
        items=len(items),
        folds=folds,
        threshold=threshold,
        language_accuracy=_share(
            sum(d[0] == item.language for d, item in zip(detected, items, strict=True)),
            len(items),
        ),
        language_accuracy_with_hint=_share(
            sum(d[0] == item.language for d, item in zip(with_hint, items, strict=True)),
            len(items),
        ),
        routed_share=_share(len(routed), len(items)),
        triage_share=_share(len(items) - len(routed), len(items)),
        department_accuracy=_share(sum(department_correct(i) for i in routed), len(routed)),
        eservice_accuracy=_share(sum(correct(i, "eservice") for i in routed), len(routed)),
        eservice_accuracy_when_named=_share(sum(correct(i, "eservice") for i in named), len(named)),
        department_accuracy_overall=_share(sum(department_correct(i) for i in routed), len(items)),
        sentiment_macro_f1=macro_f1(
            [items[i].sentiment or "" for i in sentiment_items],
            [predictions[i]["sentiment"].value or "" for i in sentiment_items],
        ),
        sentiment_accuracy=_share(
            sum(correct(i, "sentiment") for i in sentiment_items), len(sentiment_items)
        ),
        kind_accuracy=_share(sum(correct(i, "kind") for i in kind_items), len(kind_items)),
        kind_macro_f1=macro_f1(
            [items[i].kind or "" for i in kind_items],
            [predictions[i]["kind"].value or "" for i in kind_items],
        ),
        about_digital_accuracy=_share(
            sum(digital_value(i) == items[i].about_digital for i in digital_items),
            len(digital_items),
        ),
        methods=dict(methods),
        per_language=per_language,
    )
