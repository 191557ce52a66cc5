"""Understanding an item: the analysis package applied to stored feedback, and the router's
models (seed history plus handlers' decisions) trained, stored and loaded.

The models every process uses are the newest ``TrainedModel`` row. Until the first
``routing train`` there is none, and the models are trained from the shipped history for the
database's catalog, so a fresh install routes from its first item. That costs seconds of CPU,
so the first process to need them keeps them in ``MODEL_CACHE_DIR`` and the installation's
other processes (web workers, job workers) load them from there.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import (
    Department,
    EService,
    Feedback,
    ItemEmbedding,
    ItemLabel,
    PairState,
    ProblemPair,
    RoutingMethod,
    RoutingRule,
    TrainedModel,
)
from app.services.analysis import (
    Analysis,
    Catalog,
    EvaluationReport,
    KeywordRule,
    LabelledItem,
    RuleMatch,
    TextModels,
    analyse_feedback,
    default_vocabulary,
    evaluate_models,
    explain_rules,
    rules_from_catalog,
    train_default_models,
)
from app.services.analysis.catalog import DATA_DIR
from app.services.analysis.problems import (
    EMBEDDING_MODEL,
    PAIR_FEATURES,
    PairScorer,
    embed,
    embed_many,
)
from app.services.reference_data import kept_while_unchanged

# Labelled item-group pairs from the shipped history (the dev history and the training
# files, app/data/README.md), as bench/grouping.py --write-seed-pairs computes them (the
# embedding of the items takes tens of seconds; their pairs' features are small).
SEED_PAIRS_PATH = DATA_DIR / "seed_pairs.json"

_lock = threading.RLock()
_stored: dict[int, TextModels] = {}  # TrainedModel.id -> its models, loaded once per process
_seeded: dict[str, TextModels] = {}  # catalog fingerprint -> models trained on the seed only
_scorers: dict[int | None, PairScorer] = {}  # TrainedModel.id (None: the seed's) -> its scorer
Place = TypeVar("Place", Department, EService)  # where an item may be routed


@dataclass(frozen=True)
class CatalogSnapshot:
    """The active catalog as routing sees it, and the seed rules made from it."""

    fingerprint: str
    catalog: Catalog
    seed_rules: tuple[KeywordRule, ...]


_snapshots: dict[str, CatalogSnapshot] = {}  # fingerprint -> snapshot, the last few


@kept_while_unchanged
def catalog_snapshot() -> CatalogSnapshot:
    """The database's active catalog with the shipped routing vocabulary merged in.

    Read again only when reference data changed (catalog edits apply to the next item);
    the merged catalog and its rules are built again only when its rows changed (a new
    routing rule does not make every item pay for merging the vocabulary and compiling the
    rules again).
    """
    # Each active department with each of its active e-services (or none): one round trip.
    rows = db.session.execute(
        select(Department.code, Department.names, EService.code, EService.names, EService.keywords)
        .outerjoin(EService, (EService.department_id == Department.id) & EService.active.is_(True))
        .where(Department.active.is_(True))
        .order_by(Department.code, EService.code)
    ).all()
    encoded = json.dumps(list(map(list, rows)), sort_keys=True)
    fingerprint = hashlib.sha256(encoded.encode()).hexdigest()
    snapshot = _snapshots.get(fingerprint)
    if snapshot is None:
        eservices = sorted((row for row in rows if row[2] is not None), key=lambda row: row[2])
        catalog = Catalog(
            eservices={
                code: {
                    "department": department,
                    "names": dict(names or {}),
                    "keywords": {lang: list(ws) for lang, ws in (keywords or {}).items()},
                    "weak_keywords": {},
                }
                for department, _, code, names, keywords in eservices
            },
            departments={
                code: {"names": dict(names or {}), "keywords": {}} for code, names, *_ in rows
            },
        ).with_keywords(default_vocabulary())
        snapshot = CatalogSnapshot(fingerprint, catalog, tuple(rules_from_catalog(catalog)))
        with _lock:
            if len(_snapshots) >= 8:
                _snapshots.clear()
            _snapshots[fingerprint] = snapshot
    return snapshot


def handler_decisions() -> list[LabelledItem]:
    """Items whose e-service or department a handler chose, or whose kind and sentiment a
    handler corrected: the city's own training data (one labelled item each, with the fields
    a handler decided, and the embedding stored when it was processed).

    Only the redacted text is used, so no model ever learns a citizen's personal data.
    """
    rows = db.session.execute(
        select(
            Feedback.redacted_text,
            Feedback.language,
            Feedback.routing_method,
            EService.code,
            Department.code,
            ItemLabel.kind,
            ItemLabel.sentiment,
            ItemEmbedding.vector,
        )
        .outerjoin(Department, Feedback.department_id == Department.id)
        .outerjoin(EService, Feedback.eservice_id == EService.id)
        .outerjoin(ItemLabel, ItemLabel.feedback_id == Feedback.id)
        .outerjoin(
            ItemEmbedding,
            (ItemEmbedding.feedback_id == Feedback.id) & (ItemEmbedding.model == EMBEDDING_MODEL),
        )
        .where(
            or_(
                (Feedback.routing_method == RoutingMethod.HANDLER) & Department.id.is_not(None),
                ItemLabel.feedback_id.is_not(None),
            )
        )
        .where(Feedback.redacted_text.is_not(None))
        .order_by(Feedback.id)
    )
    items = []
    for text, language, method, eservice, department, kind, sentiment, vector in rows:
        routed = method == RoutingMethod.HANDLER and department is not None
        items.append(
            LabelledItem(
                text=text,
                language=language or "en",
                eservice=eservice if routed else None,
                department=department if routed else None,
                kind=kind,
                sentiment=sentiment,
                embedding=None if vector is None else vector_from_bytes(vector),
            )
        )
    return items


def seed_pairs() -> tuple[np.ndarray, list[bool]]:
    """The shipped history's labelled pairs (features, same problem or not)."""
    data = json.loads(SEED_PAIRS_PATH.read_text(encoding="utf-8"))
    if data["features_names"] != list(PAIR_FEATURES):
        raise ValueError(
            f"{SEED_PAIRS_PATH.name} is stale: run bench/grouping.py --write-seed-pairs"
        )
    return np.asarray(data["features"], dtype=np.float32), [bool(v) for v in data["labels"]]


def judged_pairs() -> tuple[np.ndarray, list[bool]]:
    """Handlers' judgements of an item and a group: joins, dismissals, merges, splits, links."""
    rows = db.session.execute(
        select(ProblemPair.features, ProblemPair.state)
        .where(ProblemPair.state.in_(PairState.DECIDED))
        .order_by(ProblemPair.id)
    ).all()
    # Each pair keeps its features by name. Pairs judged before the features last changed
    # (or kept as a bare list, before they had names) are left out: their values mean
    # something else now.
    rows = [
        row
        for row in rows
        if isinstance(row.features, dict) and set(row.features) == set(PAIR_FEATURES)
    ]
    features = [[row.features[name] for name in PAIR_FEATURES] for row in rows]
    labels = [row.state in PairState.SAME for row in rows]
    return np.asarray(features, dtype=np.float32).reshape(-1, len(PAIR_FEATURES)), labels


def train_pair_scorer() -> tuple[PairScorer, int]:
    """The pair scorer learned from the seed pairs and every handler's judgement, and how
    many judgements it learned from."""
    seed_features, seed_labels = seed_pairs()
    judged_features, judged_labels = judged_pairs()
    scorer = PairScorer.train(
        np.vstack([seed_features, judged_features]), seed_labels + judged_labels
    )
    return scorer, len(judged_labels)


@kept_while_unchanged
def current_pair_scorer() -> PairScorer:
    """The newest trained pair scorer, else the one learned from the seed pairs alone."""
    key = db.session.scalars(
        select(TrainedModel.id)
        .where(TrainedModel.pair_scorer.is_not(None))
        .order_by(TrainedModel.id.desc())
        .limit(1)
    ).first()
    scorer = _scorers.get(key)
    if scorer is None:  # read and parsed once per process, not once per item
        stored = None
        if key is not None:
            stored = db.session.scalar(
                select(TrainedModel.pair_scorer).where(TrainedModel.id == key)
            )
        scorer = _stored_or_seed_scorer(stored)
        with _lock:
            _scorers.clear()  # only the newest is ever used again
            _scorers[key] = scorer
    return scorer


def _stored_or_seed_scorer(stored: dict[str, Any] | None) -> PairScorer:
    """The stored scorer; the one learned from the seed pairs when none is stored, or when
    the stored one was learned on other features (an upgrade changed them): until the next
    ``routing train``, items are grouped rather than failing."""
    if stored is not None and list(stored.get("features", ())) == list(PAIR_FEATURES):
        return PairScorer.from_dict(stored)
    return PairScorer.train(*seed_pairs())


@kept_while_unchanged
def current_models() -> TextModels:
    """The newest stored models, else the seed models for the current catalog."""
    newest = db.session.scalars(
        select(TrainedModel.id).order_by(TrainedModel.id.desc()).limit(1)
    ).first()
    if newest is not None:
        with _lock:
            if newest not in _stored:
                blob = db.session.get(TrainedModel, newest).blob
                _stored.clear()  # only the newest is ever used again
                _stored[newest] = TextModels.loads(blob)
            return _stored[newest]
    snapshot = catalog_snapshot()
    with _lock:
        if snapshot.fingerprint not in _seeded:
            _seeded[snapshot.fingerprint] = _cached_seed_models(snapshot)
        return _seeded[snapshot.fingerprint]


def _cached_seed_models(snapshot: CatalogSnapshot) -> TextModels:
    """The shipped history's models for this catalog, from the cache when this version of the
    code and data trained them already, else trained and written there (atomically: another
    process may be writing the same file)."""
    directory = Path(
        current_app.config.get("MODEL_CACHE_DIR") or Path(current_app.instance_path) / "models"
    )
    key = hashlib.sha256(f"{snapshot.fingerprint}:{_shipped_digest()}".encode()).hexdigest()
    path = directory / f"seed-{key[:32]}.pickle"
    try:
        return TextModels.loads(path.read_bytes())
    except Exception:  # missing, partial or written by another version: retrain
        pass
    models = train_default_models(catalog=snapshot.catalog, with_vocabulary=False)
    directory.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
    partial.write_bytes(models.dumps())
    partial.replace(path)
    return models


@cache
def _shipped_digest() -> str:
    """What the seed models depend on besides the catalog: the analysis code and the shipped
    history, vocabulary and models' data."""
    digest = hashlib.sha256()
    analysis = Path(__file__).parent / "analysis"
    for path in sorted([*analysis.rglob("*.py"), *DATA_DIR.iterdir()]):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def train_router() -> TrainedModel:
    """Train on the seed history and every handler decision (routes, kind and sentiment
    corrections, judged pairs); store the models and the pair scorer (committed)."""
    started = time.perf_counter()
    decisions = handler_decisions()
    models = train_default_models(decisions, catalog_snapshot().catalog, with_vocabulary=False)
    scorer, judgements = train_pair_scorer()
    row = TrainedModel(
        trained_on=models.trained_on,
        pair_scorer=scorer.to_dict(),
        metrics={
            "handler_decisions": len(decisions),
            "judged_pairs": judgements,
            "pairs": scorer.trained_on,
            "seed_items": models.trained_on - len(decisions),
            "eservices": len(models.catalog.eservices),
            "departments": len(models.catalog.departments),
            "seconds": round(time.perf_counter() - started, 2),
        },
        blob=models.dumps(),
    )
    db.session.add(row)
    db.session.commit()
    return row


def routing_rules() -> list[KeywordRule]:
    """Admins' active rules, then the seed rules from the catalog (names and keywords)."""
    return [*_admins_rules(), *catalog_snapshot().seed_rules]


@kept_while_unchanged
def _admins_rules() -> tuple[KeywordRule, ...]:
    # Plain rows in one round trip, however many rules.
    rows = db.session.execute(
        select(
            EService.code,
            RoutingRule.language,
            RoutingRule.phrases,
            RoutingRule.priority,
            Department.code,
            RoutingRule.id,
        )
        .join(EService, RoutingRule.eservice_id == EService.id)
        .join(Department, EService.department_id == Department.id)
        .where(RoutingRule.active.is_(True), EService.active.is_(True), Department.active.is_(True))
        .order_by(RoutingRule.id)
    ).all()
    return tuple(
        KeywordRule(eservice, language, tuple(phrases), priority, department, f"rule:{rule_id}")
        for eservice, language, phrases, priority, department, rule_id in rows
    )


def vector_bytes(vector: np.ndarray) -> bytes:
    """A vector as the database keeps it (embeddings, group centroids)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").copy()


def stored_embedding(item: Feedback) -> np.ndarray | None:
    """The item's stored embedding, if it has one of the current model."""
    stored = item.embedding if item.id is not None else None
    if stored is None or stored.model != EMBEDDING_MODEL:
        return None
    return vector_from_bytes(stored.vector)


def item_embedding(item: Feedback) -> np.ndarray:
    """The embedding of the item's redacted text, computed and stored the first time: the
    analysis reads it and grouping compares it, and it is the dearest step of processing."""
    if item.id is None and item in db.session:
        db.session.flush()  # an item not yet written has no id to file its vector under
    if item.id is None:  # not stored at all (a preview): nothing to keep the vector with
        return embed(item.redacted_text or "")
    vector = stored_embedding(item)
    if vector is None:
        vector = embed(item.redacted_text or "")
        _keep_embedding(item, vector)
    return vector


def embed_items(items: Sequence[Feedback]) -> None:
    """Compute and store, in one call to the engine, the embeddings of the stored ``items``
    that have none yet (``item_embedding`` then reads them)."""
    missing = [item for item in items if stored_embedding(item) is None]
    if missing:
        vectors = embed_many([item.redacted_text or "" for item in missing])
        for item, vector in zip(missing, vectors, strict=True):
            _keep_embedding(item, vector)


def _keep_embedding(item: Feedback, vector: np.ndarray) -> None:
    if item.embedding is None:
        stored = ItemEmbedding(feedback_id=item.id)
        db.session.add(stored)
        # Held by the item without changing it: a changed item would mark its day's
        # roll-ups stale, and the vector changes nothing they count.
        set_committed_value(item, "embedding", stored)
    item.embedding.model, item.embedding.vector = EMBEDDING_MODEL, vector_bytes(vector)


def analyse_item(item: Feedback, threshold: float | None = None) -> Analysis:
    """Analyse the item's redacted text with its embedding; the agent's or citizen's
    e-service choice wins."""
    explicit = item.eservice.code if item.eservice is not None and item.eservice.active else None
    hint = item.language or (item.contact.language if item.contact is not None else None)
    return analyse_feedback(
        item.redacted_text or "",
        current_models(),
        language_hint=hint,
        eservice=explicit,
        rules=routing_rules(),
        threshold=threshold,
        embedding=item_embedding(item),
    )


def understand_feedback(item: Feedback, threshold: float | None = None) -> Analysis:
    """Record language, sentiment, kind and whether it is about a digital service."""
    analysis = analyse_item(item, threshold)
    item.language = analysis.language
    item.language_confidence = round(analysis.language_confidence, 3)
    item.sentiment = analysis.sentiment.value
    item.kind = analysis.kind.value
    item.about_digital = analysis.is_digital if analysis.about_digital.value else None
    return analysis


def likely_departments(item: Feedback, count: int = 2) -> list[tuple[Department, float]]:
    """The active departments the models find most likely for the item, most likely first."""
    if not item.redacted_text:
        return []
    # The stored embedding only: the triage page does not embed items while a handler waits.
    ranked = current_models().likely_departments(
        item.redacted_text, item.language or "en", count, stored_embedding(item)
    )
    return _active(Department, ranked)


def likely_eservices(item: Feedback, count: int = 3) -> list[tuple[EService, float]]:
    """The active e-services the models find most likely for the item, most likely first."""
    if not item.redacted_text:
        return []
    ranked = current_models().likely_eservices(
        item.redacted_text, item.language or "en", count, stored_embedding(item)
    )
    return _active(EService, ranked)


def _active(model: type[Place], ranked: list[tuple[str, float]]) -> list[tuple[Place, float]]:
    """The active rows of ``model`` (departments or e-services) of the ``ranked`` codes, each
    with its probability, in the same order."""
    active = {
        row.code: row
        for row in db.session.scalars(
            select(model).where(
                model.code.in_([code for code, _ in ranked]), model.active.is_(True)
            )
        )
    }
    return [(active[code], p) for code, p in ranked if code in active]


def explain_routing(text: str, language: str) -> list[RuleMatch]:
    """Which rules fire on ``text``, best first: the staff site's rule test box."""
    return explain_rules(text, language, routing_rules())


def evaluate_router(
    items: Sequence[LabelledItem], threshold: float | None = None
) -> EvaluationReport:
    """How the current models and rules do on labelled items (e.g. a city's own file), each
    embedded as processing embeds it."""
    for item in items:
        if item.embedding is None:
            item.embedding = embed(item.text)
    return evaluate_models(items, current_models(), rules=routing_rules(), threshold=threshold)
