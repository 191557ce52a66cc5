"""Text classifiers for sentiment, kind, digital or not, e-service and department, and the
routing decision built from them.

What was measured (DESIGN.md, "Offline text analysis", and bench/results/analysis.md):
with a few hundred labelled items, a linear model on TF-IDF of word 1–2-grams of the
normalised text plus character 2–5-grams of the folded text learns which words matter in each
language, but it cannot tell from words it has never seen that "the upload gives error 500"
is negative or that "barnehagesøknad" is the daycare application. So every text also gets a
small block of language-independent features:

* the cue categories of ``cues.py`` (failure, scepticism, thanks, question …) and a few of
  their combinations, for sentiment, kind and digital;
* which e-services' and departments' catalog names and keywords occur in it (``rules.py``),
  for e-service and department. These are the same for every language, so a Danish item
  profits from Finnish history of the same e-service.

The feature matrix is built once per item and shared by the five models (one TF-IDF pass),
which keeps a prediction well under a millisecond.

Every item is also embedded (``problems.embed``, the multilingual sentence embedding that
grouping uses), and a second, small model per field reads that vector; the two models'
probabilities are blended. The embedding knows what "the tree's pin jumps back on the map"
is about and how a plain report differs from an angry one in a language or wording the
history lacks; the n-grams know the city's own names and codes. Without an embedding (an
item analysed outside processing, or models stored before the embedding view) the text
models decide alone.
"""

from __future__ import annotations

import io
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, diags, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from app.services.analysis.catalog import Catalog
from app.services.analysis.cues import CUES, cue_tokens
from app.services.analysis.normalisation import LANGUAGES, fold, normalise
from app.services.analysis.rules import (
    KeywordRule,
    RuleSet,
    as_rule_set,
    deciding_match,
    matching_rules,
    rules_from_catalog,
)

SENTIMENTS = ("positive", "negative", "neutral")
KINDS = ("complaint", "suggestion", "praise", "question", "outage")

# Department confidence below which an item that names no e-service with confidence goes
# to the triage queue. Chosen on the blind set's tuning half with ``eservice_threshold``
# (bench/results/analysis.md): the least triage that keeps department accuracy among
# routed items at 0.90 and e-service accuracy at 0.85.
DEFAULT_THRESHOLD = 0.4

_NO_ESERVICE = ""  # the e-service classifier's class for "about no particular e-service"
# How sure the e-service model must be of another e-service to overrule a weak word's rule:
# surer than of all the others together.
WEAK_RULE_OVERRULED = 0.5
_FORMAT_VERSION = 1


@dataclass
class LabelledItem:
    """An item whose fields a handler confirmed (or the seed history); None: not labelled."""

    text: str
    language: str
    eservice: str | None = None
    department: str | None = None
    sentiment: str | None = None
    kind: str | None = None
    about_digital: bool | None = None
    # ``problems.embed`` of the text when known; items without one train the text models only.
    embedding: np.ndarray | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabelledItem:
        return cls(
            text=data["text"],
            language=data["language"],
            eservice=data.get("eservice"),
            department=data.get("department"),
            sentiment=data.get("sentiment"),
            kind=data.get("kind"),
            about_digital=data.get("about_digital"),
        )


@dataclass(frozen=True)
class Prediction:
    """``value`` None: no e-service / not routed (triage). ``method``: how it was decided —
    explicit, rule, model or triage (the values of ``app.models.RoutingMethod``)."""

    value: str | None
    confidence: float
    method: str = "model"


@dataclass(frozen=True)
class ModelSettings:
    """Knobs measured in bench/analysis.py; the defaults are the chosen ones."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    max_char_features: int = 300_000
    # Weights of the cue block and the keyword block against the TF-IDF blocks (each of
    # unit length), for the "tone" fields (sentiment, kind, about_digital) and the routing
    # fields (eservice, department): keywords say little about tone, cues little about owners.
    tone_cue_weight: float = 2.0
    tone_keyword_weight: float = 0.5
    route_cue_weight: float = 1.0
    route_keyword_weight: float = 1.0
    regularisation: float = 10.0  # LogisticRegression's C
    catalog_examples: bool = True  # train e-service/department also on catalog names
    rule_keywords: bool = True  # seed rules include keywords, not only names
    # Rules of equal priority disagree: the model decides (unless the longest match spans
    # the others: "pre-school enrolment" is not "school enrolment").
    ambiguous_rules_to_model: bool = True
    department_blend: float = 0.5  # weight of the e-service model's view of the department
    threshold: float = DEFAULT_THRESHOLD
    # Weight of the embedding model's probabilities against the text model's, per field (a
    # field left out: text alone), and that model's C for the tone and the routing fields:
    # chosen on the blind set's tuning half (bench/results/analysis.md), again whenever the
    # shipped history grows (bench/embedding_classifiers.py).
    embedding_weights: tuple[tuple[str, float], ...] = (
        ("sentiment", 0.6),
        ("kind", 0.6),
        ("about_digital", 0.6),
        ("eservice", 0.7),
        ("department", 0.7),
    )
    tone_embedding_regularisation: float = 10.0
    route_embedding_regularisation: float = 10.0
    # The e-service probability at which the e-service (and through the catalog its
    # department) is taken; below it, the department alone is routed at ``threshold``.
    # The best of 20 e-services and "none" is rarely sure, yet it is usually right (tuning
    # half of the blind set, bench/results/analysis.md).
    eservice_threshold: float = 0.2
    # Fewer normalised words than this and no rule: triage, however sure the models are.
    # "Se ei toimi." names nothing, yet the embedding model puts such short complaints near
    # the e-service whose short complaints the history has most of (library-account, 0.44).
    min_words_to_route: int = 4
    # A report the kind model finds likeliest a question, yet at least this likely a fault
    # (complaint and outage together), is taken for the likelier of those two: a fault asked
    # as a question ("Why won't the form take my PDF?") must reach the developers, while a
    # plain question taken for a complaint only waits alone. Chosen on the blind tuning half
    # and the second file (bench/results/analysis.md).
    question_fault_share: float = 0.4

    def embedding_weight(self, field_name: str) -> float:
        return dict(self.embedding_weights).get(field_name, 0.0)


class _Features:
    """Text → one sparse row: word TF-IDF | char TF-IDF | cue and keyword indicators."""

    def __init__(self, settings: ModelSettings, catalog: Catalog) -> None:
        self.settings = settings
        self.cue_names = sorted(CUES)
        self.eservices = sorted(catalog.eservices)
        self.departments = sorted(catalog.departments)
        self.department_of = {code: e["department"] for code, e in catalog.eservices.items()}
        # Every phrase of every e-service (names, keywords) and department as one rule each.
        self.evidence_rules = RuleSet(
            rules_from_catalog(catalog, include_keywords=True)
            + [
                KeywordRule(None, language, tuple(phrases), 1, code, f"department:{code}")
                for code, entry in sorted(catalog.departments.items())
                for language, phrases in sorted((entry.get("keywords") or {}).items())
                if phrases
            ]
        )
        self.words = TfidfVectorizer(
            ngram_range=settings.word_ngrams,
            token_pattern=r"\S+",
            lowercase=False,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=settings.char_ngrams,
            lowercase=False,
            sublinear_tf=True,
            max_features=settings.max_char_features,
            dtype=np.float32,
        )
        # Analysers, vocabularies and idf of the fitted vectorisers, for ``row``.
        self._fast: list[tuple[Any, dict[str, int], np.ndarray]] | None = None

    @property
    def dense_size(self) -> int:
        return len(self.cue_names) + 6 + 2 * len(self.eservices) + 2 * len(self.departments)

    def prepare(self, text: str, language: str) -> tuple[str, str, np.ndarray, list[Any]]:
        """Normalised words, folded text, the dense block and the matching seed rules."""
        normalised = normalise(text, language)
        words = normalised.split()
        cues = set(cue_tokens(text, language))
        matches = matching_rules(words, language, self.evidence_rules)
        return normalised, fold(text), self._dense(cues, matches), matches

    @property
    def cue_size(self) -> int:
        return len(self.cue_names) + 6

    def column_scale(self, field_name: str) -> np.ndarray:
        """Per-column weights that give ``field_name``'s model its balance of the blocks."""
        s = self.settings
        routing = field_name in ("eservice", "department")
        cue = s.route_cue_weight if routing else s.tone_cue_weight
        keyword = s.route_keyword_weight if routing else s.tone_keyword_weight
        text_size = len(self.words.vocabulary_) + len(self.chars.vocabulary_)
        return np.concatenate(
            [
                np.ones(text_size, dtype=np.float32),
                np.full(self.cue_size, cue, dtype=np.float32),
                np.full(self.dense_size - self.cue_size, keyword, dtype=np.float32),
            ]
        )

    def _dense(self, cues: set[str], matches: list[Any]) -> np.ndarray:
        flags = {name: float(f"cue{name}" in cues) for name in self.cue_names}
        # Linear models cannot combine features, so the few combinations that change the
        # meaning are given directly: thanks with a failure is sarcasm or mixed; a question
        # without a failure is a plain question.
        combos = [
            flags["thanks"] * (1 - flags["failure"]) * (1 - flags["contrast"]),
            flags["thanks"] * flags["contrast"],
            flags["failure"] * flags["contrast"],
            flags["question"] * (1 - flags["failure"]) * (1 - flags["upset"]),
            flags["callnote"] * flags["question"] * (1 - flags["failure"]),
            float(not any(flags.values())),
        ]
        eservice_hits = np.zeros(len(self.eservices), dtype=np.float32)
        eservice_best = np.zeros(len(self.eservices), dtype=np.float32)
        department_hits = np.zeros(len(self.departments), dtype=np.float32)
        department_best = np.zeros(len(self.departments), dtype=np.float32)
        for rank, match in enumerate(matches):
            rule = match.rule
            department = rule.department or self.department_of.get(rule.eservice or "")
            if rule.eservice in self.department_of:
                index = self.eservices.index(rule.eservice)
                eservice_hits[index] = 1.0
                if rank == 0:
                    eservice_best[index] = 1.0
            if department in self.departments:
                index = self.departments.index(department)
                department_hits[index] = 1.0
                if rank == 0:
                    department_best[index] = 1.0
        return np.concatenate(
            [
                np.array(list(flags.values()) + combos, dtype=np.float32),
                eservice_hits,
                eservice_best,
                department_hits,
                department_best,
            ]
        )

    def fit_transform(self, prepared: Sequence[tuple[str, str, np.ndarray, Any]]) -> csr_matrix:
        words = self.words.fit_transform([p[0] for p in prepared])
        chars = self.chars.fit_transform([p[1] for p in prepared])
        dense = csr_matrix(np.vstack([p[2] for p in prepared]))
        return hstack([words, chars, dense], format="csr")

    def transform(self, prepared: Sequence[tuple[str, str, np.ndarray, Any]]) -> csr_matrix:
        words = self.words.transform([p[0] for p in prepared])
        chars = self.chars.transform([p[1] for p in prepared])
        dense = csr_matrix(np.vstack([p[2] for p in prepared]))
        return hstack([words, chars, dense], format="csr")

    def row(self, normalised: str, folded: str, dense: np.ndarray) -> csr_matrix:
        """``transform`` of one text, computed directly: the same numbers (sublinear tf × idf,
        unit length per block) in a twentieth of the time, as scikit-learn's per-call checks
        and matrix set-up cost far more than the arithmetic for a single short text."""
        if self._fast is None:
            self._fast = [
                (v.build_analyzer(), v.vocabulary_, v.idf_.astype(np.float64))
                for v in (self.words, self.chars)
            ]
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        offset = 0
        for (analyzer, vocabulary, idf), text in zip(self._fast, (normalised, folded), strict=True):
            counts: dict[int, int] = {}
            for term in analyzer(text):
                column = vocabulary.get(term)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if counts:
                columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
                tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
                weights = tf * idf[columns]
                weights /= np.sqrt(np.dot(weights, weights))
                order = np.argsort(columns)
                indices.append(columns[order] + offset)
                values.append(weights[order])
            offset += len(vocabulary)
        nonzero = np.flatnonzero(dense)
        indices.append(nonzero + offset)
        values.append(dense[nonzero].astype(np.float64))
        all_indices = np.concatenate(indices)
        return csr_matrix(
            (np.concatenate(values).astype(np.float32), all_indices, [0, len(all_indices)]),
            shape=(1, offset + len(dense)),
        )


class _Classifier:
    """One field's model, on the text's feature row or on the embedding (a (1, dimension)
    array); a field with a single label seen in training always predicts it.

    After fitting, only the classes and the weights (with the column scale folded in) are
    kept: predicting is one sparse-dense product and a softmax, without scikit-learn's
    per-call input checks, which cost more than the arithmetic for one item.
    """

    def __init__(self, regularisation: float) -> None:
        self.regularisation = regularisation
        self.classes: list[str] = []
        self.weights: np.ndarray | None = None  # (features, classes), or (features, 1): binary
        self.intercept: np.ndarray | None = None

    def fit(
        self,
        features: csr_matrix | np.ndarray,
        labels: Sequence[str],
        scale: np.ndarray | None = None,
    ) -> _Classifier:
        self.classes = sorted(set(labels))
        if len(self.classes) == 1:
            return self
        if scale is None:
            scale = np.ones(features.shape[1], dtype=np.float32)
        # Balanced weights: outages and suggestions are rare, yet a missed outage costs most.
        model = LogisticRegression(
            C=self.regularisation, max_iter=5000, class_weight="balanced"
        ).fit(features @ diags(scale, format="csr"), labels)
        self.classes = [str(label) for label in model.classes_]
        # (X·S)·w = X·(S·w): the column scale goes into the weights once.
        self.weights = (model.coef_ * scale[np.newaxis, :]).T.astype(np.float32)
        self.intercept = model.intercept_.astype(np.float32)
        return self

    def probabilities(self, features: csr_matrix | np.ndarray) -> dict[str, float]:
        if self.weights is None or self.intercept is None:
            return {self.classes[0] if self.classes else "": 1.0}
        scores = np.asarray(features @ self.weights)[0] + self.intercept
        if len(scores) == 1:  # binary: the score is the log-odds of the second class
            positive = 1.0 / (1.0 + np.exp(-scores[0]))
            values = [1.0 - positive, positive]
        else:
            exp = np.exp(scores - scores.max())
            values = (exp / exp.sum()).tolist()
        return {label: float(value) for label, value in zip(self.classes, values, strict=True)}


def _best(probabilities: dict[str, float]) -> tuple[str, float]:
    label = max(probabilities, key=probabilities.__getitem__)
    return label, float(probabilities[label])


@dataclass
class TextModels:
    """The trained models, the catalog they were trained with and the seed rules."""

    settings: ModelSettings
    catalog: Catalog
    features: _Features
    classifiers: dict[str, _Classifier]
    rules: RuleSet = field(default_factory=lambda: RuleSet(()))
    trained_on: int = 0
    # The same fields read from the item's embedding (trained on the items that had one).
    embedding_classifiers: dict[str, _Classifier] = field(default_factory=dict)

    FIELDS = ("sentiment", "kind", "about_digital", "eservice", "department")

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Models stored before the embedding view (a city's ``routing train``) keep routing
        # as they did, by the text alone at one threshold, until they are trained again.
        if "embedding_classifiers" not in state:
            state["embedding_classifiers"] = {}
            state["settings"] = replace(
                state["settings"], eservice_threshold=state["settings"].threshold
            )
        self.__dict__.update(state)

    @classmethod
    def train(
        cls,
        items: Sequence[LabelledItem],
        catalog: Catalog | None = None,
        settings: ModelSettings | None = None,
    ) -> TextModels:
        """Train every field on the items labelled for it.

        Without a catalog, the e-services and departments are those seen in ``items`` (and
        an e-service's department is the one most often given with it).
        """
        settings = settings or ModelSettings()
        catalog = catalog or _catalog_from_items(items)
        features = _Features(settings, catalog)
        texts: list[tuple[str, str]] = [(item.text, item.language) for item in items]
        labels: dict[str, list[str | None]] = {
            "sentiment": [item.sentiment for item in items],
            "kind": [item.kind for item in items],
            "about_digital": [_bool_label(item.about_digital) for item in items],
            "eservice": [
                (item.eservice or _NO_ESERVICE) if item.department is not None else item.eservice
                for item in items
            ],
            "department": [
                item.department or catalog.department_of(item.eservice) for item in items
            ],
        }
        if settings.catalog_examples:
            # Each e-service's name in every language is a labelled example of it: the models
            # then know e-services and languages that the history has not shown yet.
            for code, entry in sorted(catalog.eservices.items()):
                for language, name in sorted(entry.get("names", {}).items()):
                    texts.append((name, language))
                    for name_of_field in labels:
                        labels[name_of_field].append(None)
                    labels["eservice"][-1] = code
                    labels["department"][-1] = entry["department"]
        prepared = [features.prepare(text, language) for text, language in texts]
        matrix = features.fit_transform(prepared)
        classifiers: dict[str, _Classifier] = {}
        for name_of_field, values in labels.items():
            rows = [i for i, value in enumerate(values) if value is not None]
            if not rows:
                continue
            classifiers[name_of_field] = _Classifier(settings.regularisation).fit(
                matrix[rows], [values[i] for i in rows], features.column_scale(name_of_field)
            )
        return cls(
            settings=settings,
            catalog=catalog,
            features=features,
            classifiers=classifiers,
            rules=RuleSet(rules_from_catalog(catalog, include_keywords=settings.rule_keywords)),
            trained_on=len(items),
            embedding_classifiers=_embedding_classifiers(items, labels, settings),
        )

    def predict(
        self,
        text: str,
        language: str,
        *,
        eservice: str | None = None,
        rules: RuleSet | Sequence[KeywordRule] | None = None,
        threshold: float | None = None,
        eservice_threshold: float | None = None,
        embedding: np.ndarray | None = None,
    ) -> dict[str, Prediction]:
        """Predictions for every field, with routing decided as the issue says:

        an explicit ``eservice`` wins; then the best keyword rule (``rules``, default: the
        seed rules from the catalog; pass the database's rules, which should include those,
        to use admins' rules); then the e-service classifier, when at least
        ``eservice_threshold`` sure (default: the settings'); the department follows from
        the e-service when known, else from the department classifier, and below
        ``threshold`` it is None: the item goes to triage. ``embedding``: the item's
        (``problems.embed`` of ``text``), for the embedding view. ``about_digital`` is
        "true" or "false".
        """
        return self.predict_with_text(
            text,
            language,
            eservice=eservice,
            rules=rules,
            threshold=threshold,
            eservice_threshold=eservice_threshold,
            embedding=embedding,
        )[0]

    def predict_with_text(
        self,
        text: str,
        language: str,
        *,
        eservice: str | None = None,
        rules: RuleSet | Sequence[KeywordRule] | None = None,
        threshold: float | None = None,
        eservice_threshold: float | None = None,
        embedding: np.ndarray | None = None,
    ) -> tuple[dict[str, Prediction], str]:
        """``predict`` and the normalised text it worked on (normalised once, used twice)."""
        threshold = self.settings.threshold if threshold is None else threshold
        if eservice_threshold is None:
            eservice_threshold = self.settings.eservice_threshold
        normalised, folded, dense, _ = self.features.prepare(text, language)
        views = _Views(self, self.features.row(normalised, folded, dense), embedding)
        result: dict[str, Prediction] = {}
        for name_of_field in ("sentiment", "kind", "about_digital"):
            probabilities = views.probabilities(name_of_field)
            if probabilities:
                result[name_of_field] = (
                    self._fault_or_question(probabilities)
                    if name_of_field == "kind"
                    else Prediction(*_best(probabilities))
                )
        result.update(
            self._route(
                normalised.split(),
                language,
                views,
                eservice,
                rules,
                (eservice_threshold, threshold),
            )
        )
        return result, normalised

    def _fault_or_question(self, probabilities: dict[str, float]) -> Prediction:
        """The likeliest kind, or the likelier fault kind for a question that may well report
        a fault (``ModelSettings.question_fault_share``), with its own probability."""
        kind, confidence = _best(probabilities)
        faults = {name: probabilities.get(name, 0.0) for name in ("complaint", "outage")}
        if kind == "question" and sum(faults.values()) >= self.settings.question_fault_share:
            kind = max(faults, key=faults.__getitem__)
            confidence = faults[kind]
        return Prediction(kind, confidence)

    def _route(
        self,
        words: list[str],
        language: str,
        views: _Views,
        explicit: str | None,
        rules: RuleSet | Sequence[KeywordRule] | None,
        thresholds: tuple[float, float],
    ) -> dict[str, Prediction]:
        """Routing as ``predict`` describes it; ``thresholds``: the e-service's and the
        department's."""
        if explicit:
            department = self.catalog.department_of(explicit)
            return {
                "eservice": Prediction(explicit, 1.0, "explicit"),
                "department": Prediction(department, 1.0 if department else 0.0, "explicit"),
            }
        matches = matching_rules(
            words, language, self.rules if rules is None else as_rule_set(rules)
        )
        if self.settings.ambiguous_rules_to_model:
            match = deciding_match(matches)
        else:
            match = matches[0] if matches else None
        if match is not None:
            rule = match.rule
            department = rule.department or self.catalog.department_of(rule.eservice)
            if department is not None:
                surer = self._outweighing(rule, views)
                if surer is not None:
                    return surer
                return {
                    "eservice": Prediction(rule.eservice, 1.0, "rule"),
                    "department": Prediction(department, 1.0, "rule"),
                }
        if len(words) < self.settings.min_words_to_route:
            return {
                "eservice": Prediction(None, 0.0, "triage"),
                "department": Prediction(None, 0.0, "triage"),
            }
        eservice_threshold, threshold = thresholds
        eservice_probs = views.probabilities("eservice")
        if eservice_probs:
            code, confidence = _best(eservice_probs)
            department = self.catalog.department_of(code)
            if code != _NO_ESERVICE and department is not None and confidence >= eservice_threshold:
                return {
                    "eservice": Prediction(code, confidence),
                    "department": Prediction(department, confidence),
                }
        if "department" not in self.classifiers:
            return {
                "eservice": Prediction(None, 0.0, "triage"),
                "department": Prediction(None, 0.0, "triage"),
            }
        department_probs = self._department_probabilities(views, eservice_probs)
        department, confidence = _best(department_probs)
        # Routed to a department only: "no e-service" with the model's belief in that.
        eservice_confidence = eservice_probs.get(_NO_ESERVICE, 0.0)
        if confidence < threshold:
            return {
                "eservice": Prediction(None, eservice_confidence, "triage"),
                "department": Prediction(None, confidence, "triage"),
            }
        return {
            "eservice": Prediction(None, eservice_confidence),
            "department": Prediction(department, confidence),
        }

    def _outweighing(self, rule: KeywordRule, views: _Views) -> dict[str, Prediction] | None:
        """The e-service model's routing when ``rule`` is only a catalog's weak word (how a
        citizen logged in, the city's website) and the model is surer of another e-service
        than of all the rest together (``WEAK_RULE_OVERRULED``): "The library website is
        down" reports the library account. None when the rule stands. On the grouping-only
        files, which the text models never learn from, this routes three more of 160 items
        right and none wrong (bench/results/analysis.md)."""
        probabilities = views.probabilities("eservice") if rule.weak else {}
        if not probabilities:
            return None
        code, confidence = _best(probabilities)
        department = self.catalog.department_of(code)
        if code in (_NO_ESERVICE, rule.eservice) or department is None:
            return None
        if confidence < WEAK_RULE_OVERRULED:
            return None
        return {
            "eservice": Prediction(code, confidence),
            "department": Prediction(department, confidence),
        }

    def _department_probabilities(
        self, views: _Views, eservice_probs: dict[str, float]
    ) -> dict[str, float]:
        """Two views of the department: the department model's own probabilities r(d), and
        the e-service model's, q(d) = sum of p(e) over d's e-services + p(no e-service)·r(d).
        Their blend is sure only when both lean the same way."""
        department_probs = views.probabilities("department")
        blend = self.settings.department_blend
        if eservice_probs and blend > 0:
            from_eservices = {
                d: eservice_probs.get(_NO_ESERVICE, 0.0) * r for d, r in department_probs.items()
            }
            for code, probability in eservice_probs.items():
                owner = self.catalog.department_of(code)
                if owner in from_eservices:
                    from_eservices[owner] += probability
            department_probs = {
                d: (1 - blend) * r + blend * from_eservices[d] for d, r in department_probs.items()
            }
        return department_probs

    def likely_departments(
        self, text: str, language: str, count: int = 2, embedding: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """The ``count`` most likely departments of ``text`` with their probabilities, most
        likely first: what triage offers a handler for one click."""
        if "department" not in self.classifiers:
            return []
        views = self._views(text, language, embedding)
        probabilities = self._department_probabilities(views, views.probabilities("eservice"))
        return sorted(probabilities.items(), key=lambda pair: -pair[1])[:count]

    def likely_eservices(
        self, text: str, language: str, count: int = 3, embedding: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """The ``count`` most likely e-services of ``text`` with their probabilities, most
        likely first ("about no particular e-service" left out)."""
        probabilities = self._views(text, language, embedding).probabilities("eservice")
        ranked = sorted(probabilities.items(), key=lambda pair: -pair[1])
        return [(code, p) for code, p in ranked if code != _NO_ESERVICE][:count]

    def _views(self, text: str, language: str, embedding: np.ndarray | None) -> _Views:
        """The text's (and its ``embedding``'s) views, for the probabilities of any field."""
        normalised, folded, dense, _ = self.features.prepare(text, language)
        return _Views(self, self.features.row(normalised, folded, dense), embedding)

    def with_settings(self, **changes: Any) -> TextModels:
        """The same trained models with other routing settings (e.g. the threshold)."""
        return replace(self, settings=replace(self.settings, **changes))

    def dumps(self) -> bytes:
        """Bytes to store (TrainedModel.blob); only ``loads`` of this module reads them back.

        Pickle: load only blobs this application wrote itself, never uploaded ones.
        """
        buffer = io.BytesIO()
        pickle.dump((_FORMAT_VERSION, self), buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @classmethod
    def loads(cls, data: bytes) -> TextModels:
        version, models = pickle.loads(data)  # noqa: S301 - our own blob, see dumps
        if version != _FORMAT_VERSION or not isinstance(models, cls):
            raise ValueError(f"unsupported model format {version!r}: retrain the models")
        return models


@dataclass
class _Views:
    """One item's two views, the text's feature row and its embedding (None: not known),
    and each field's blended probabilities, computed once."""

    models: TextModels
    row: csr_matrix
    embedding: np.ndarray | None
    _cache: dict[str, dict[str, float]] = field(default_factory=dict)

    def probabilities(self, name_of_field: str) -> dict[str, float]:
        """(1 - w) · text + w · embedding per class; the text's alone without an embedding
        or an embedding model of the field; {} when the field has no model."""
        if name_of_field not in self._cache:
            self._cache[name_of_field] = self._blend(name_of_field)
        return self._cache[name_of_field]

    def _blend(self, name_of_field: str) -> dict[str, float]:
        classifier = self.models.classifiers.get(name_of_field)
        if classifier is None:
            return {}
        text = classifier.probabilities(self.row)
        other = self.models.embedding_classifiers.get(name_of_field)
        weight = self.models.settings.embedding_weight(name_of_field)
        if self.embedding is None or other is None or weight == 0:
            return text
        seen = other.probabilities(self.embedding.reshape(1, -1))
        # A class the embedding model never saw (an e-service known only from the catalog's
        # names) gets no share from it.
        return {c: (1 - weight) * p + weight * seen.get(c, 0.0) for c, p in text.items()}


def _embedding_classifiers(
    items: Sequence[LabelledItem],
    labels: dict[str, list[str | None]],
    settings: ModelSettings,
) -> dict[str, _Classifier]:
    """Each field's model on the embeddings of the items that have one (``labels`` lists the
    items first, as ``TextModels.train`` builds it)."""
    known = [i for i, item in enumerate(items) if item.embedding is not None]
    classifiers: dict[str, _Classifier] = {}
    for name_of_field, values in labels.items():
        rows = [i for i in known if values[i] is not None]
        if not rows or settings.embedding_weight(name_of_field) == 0:
            continue
        routing = name_of_field in ("eservice", "department")
        regularisation = (
            settings.route_embedding_regularisation
            if routing
            else settings.tone_embedding_regularisation
        )
        vectors = np.vstack([items[i].embedding for i in rows]).astype(np.float32)
        classifiers[name_of_field] = _Classifier(regularisation).fit(
            vectors, [values[i] for i in rows]
        )
    return classifiers


def _bool_label(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _catalog_from_items(items: Sequence[LabelledItem]) -> Catalog:
    owners: dict[str, Counter[str]] = {}
    departments: set[str] = set()
    for item in items:
        if item.department:
            departments.add(item.department)
            if item.eservice:
                owners.setdefault(item.eservice, Counter())[item.department] += 1
    return Catalog(
        eservices={
            code: {"department": counts.most_common(1)[0][0], "names": {}, "keywords": {}}
            for code, counts in owners.items()
        },
        departments={code: {"names": {}, "keywords": {}} for code in sorted(departments)},
    )


__all__ = [
    "KINDS",
    "LANGUAGES",
    "SENTIMENTS",
    "LabelledItem",
    "ModelSettings",
    "Prediction",
    "TextModels",
]
