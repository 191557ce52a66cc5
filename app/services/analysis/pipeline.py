"""One feedback item start to finish, and the models the product starts with.

``analyse_feedback`` is what the processing step runs for every item: language, normalised
text, sentiment, kind, digital or not, e-service and department with how each was decided.
``train_default_models`` trains on the labelled history shipped in app/data (plus any items
that handlers have confirmed since), with the shipped catalog and routing vocabulary, and
with the shipped history's embeddings (``SEED_EMBEDDINGS_PATH``: embedding 5,202 texts would
cost every fresh install more than a minute).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from app.services.analysis.catalog import DATA_DIR, Catalog, default_catalog, default_vocabulary
from app.services.analysis.evaluation import load_labelled
from app.services.analysis.language import detect_language
from app.services.analysis.models import LabelledItem, Prediction, TextModels
from app.services.analysis.problems import EMBEDDING_MODEL, engine_text
from app.services.analysis.rules import KeywordRule, RuleSet

SEED_FEEDBACK_PATH = DATA_DIR / "seed_feedback.jsonl"


def _writers_files(use: str, writers: str) -> tuple[Path, ...]:
    return tuple(DATA_DIR / f"{use}_feedback_{writer}.jsonl" for writer in writers)


# Training items, one file per writer; the writers never saw the code (app/data/README.md):
# the wordings of citizens and agents that the 214 dev items lack.
# Training data only: every figure is measured on the separate blind set (bench/data).
# Writers a-h, then s-x (i-r wrote the grouping-only files below).
TRAIN_FEEDBACK_PATHS = _writers_files("train", "abcdefghstuvwx")
SHIPPED_FEEDBACK_PATHS = (SEED_FEEDBACK_PATH, *TRAIN_FEEDBACK_PATHS)
# Families of look-alike problems, each told about ten times, by eight more such writers (i-p),
# and outages of eighteen e-services beside look-alike faults, by two more (q, r): only the
# problem space and the pair scorer learn from them (bench/grouping.py --write-seed-pairs),
# never the text models (their kinds are far from a city's stream: bench/results/grouping.md).
GROUPING_FEEDBACK_PATHS = _writers_files("grouping", "ijklmnopqr")
# What the problem space and the pair scorer learn from: the dev history, writers a-h and the
# grouping-only files. Writers s-x teach the text models only: their pairs made the scorer
# join more eagerly, for little more recall (the blind tuning half through the product,
# precision 0.953 -> 0.907 for recall 0.747 -> 0.769; bench/results/grouping.md).
PAIR_FEEDBACK_PATHS = (
    SEED_FEEDBACK_PATH,
    *_writers_files("train", "abcdefgh"),
    *GROUPING_FEEDBACK_PATHS,
)
# ``problems.embed`` of every shipped item's text, by ``embedding_key``; written by
# bench/embedding_classifiers.py --write-seed-embeddings.
SEED_EMBEDDINGS_PATH = DATA_DIR / "seed_embeddings.npz"


@dataclass(frozen=True)
class Analysis:
    """Everything analysis says about one item; ``department.value`` None means triage."""

    language: str
    language_confidence: float
    normalised: str
    sentiment: Prediction
    kind: Prediction
    about_digital: Prediction
    eservice: Prediction
    department: Prediction

    @property
    def routed(self) -> bool:
        return self.department.value is not None

    @property
    def is_digital(self) -> bool:
        return self.about_digital.value == "true"


def analyse_feedback(
    text: str,
    models: TextModels,
    *,
    language_hint: str | None = None,
    eservice: str | None = None,
    rules: RuleSet | Sequence[KeywordRule] | None = None,
    threshold: float | None = None,
    embedding: np.ndarray | None = None,
) -> Analysis:
    """Analyse one item. Pass the redacted text: the same words, no personal data.

    ``language_hint``: the form's or the contact's language; ``eservice``: the one the
    citizen or agent chose (it wins); ``rules``: the database's keyword rules (default: the
    seed rules from the models' catalog); ``embedding``: ``problems.embed`` of ``text``
    (without it the text models decide alone).
    """
    language, language_confidence = detect_language(text, hint=language_hint)
    predictions, normalised = models.predict_with_text(
        text, language, eservice=eservice, rules=rules, threshold=threshold, embedding=embedding
    )
    return Analysis(
        language=language,
        language_confidence=language_confidence,
        normalised=normalised,
        sentiment=predictions.get("sentiment", Prediction(None, 0.0)),
        kind=predictions.get("kind", Prediction(None, 0.0)),
        about_digital=predictions.get("about_digital", Prediction(None, 0.0)),
        eservice=predictions["eservice"],
        department=predictions["department"],
    )


def load_seed_items(
    paths: Sequence[str | Path] = SHIPPED_FEEDBACK_PATHS,
) -> list[LabelledItem]:
    """The labelled history shipped with the product: the dev history and the training items,
    each with its shipped embedding (None when the file has none for its text)."""
    vectors = seed_embeddings()
    items = [item for path in paths for item in load_labelled(path)]
    for item in items:
        item.embedding = vectors.get(embedding_key(item.text))
    return items


def embedding_key(text: str) -> str:
    """What ``SEED_EMBEDDINGS_PATH`` files a text's embedding under: the model and what the
    engine is given of the text (``engine_text``), so neither another model's vectors nor
    those of the text as it was once prepared are ever taken for this one's."""
    return hashlib.sha256(f"{EMBEDDING_MODEL}\n{engine_text(text)}".encode()).hexdigest()


@cache
def seed_embeddings() -> dict[str, np.ndarray]:
    """The shipped history's embeddings by ``embedding_key``; {} when the file is missing."""
    if not SEED_EMBEDDINGS_PATH.exists():
        return {}
    with np.load(SEED_EMBEDDINGS_PATH) as data:
        return dict(zip(data["keys"].tolist(), data["vectors"], strict=True))


def train_default_models(
    confirmed: Iterable[LabelledItem] = (),
    catalog: Catalog | None = None,
    *,
    include_seed: bool = True,
    with_vocabulary: bool = True,
) -> TextModels:
    """Models trained on the shipped history and ``confirmed`` items (handlers' corrections),
    with ``catalog`` (default: the shipped demo catalog; pass the database's) and the shipped
    routing vocabulary merged into it."""
    items = (load_seed_items() if include_seed else []) + list(confirmed)
    if catalog is None:
        catalog = default_catalog(with_vocabulary=False)
    if with_vocabulary:
        catalog = catalog.with_keywords(default_vocabulary())
    return TextModels.train(items, catalog)
