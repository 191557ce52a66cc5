"""Offline text analysis of citizens' feedback: language, normalisation, sentiment, kind,
digital or not, and the routing suggestion (e-service and department), as plain Python.

No Flask or SQLAlchemy here: the routing service, the command line and the staff site pass
plain values in and store what comes out.

Importing the package is cheap: each name is imported from its module on first use, so
``from app.services.analysis import normalise`` does not load scikit-learn (~0.8 s), and the
language detector (~1 s, ~200 MB) is built on the first ``detect_language`` call
(``preload_language_detector`` builds it at a worker's start instead).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "catalog": ("Catalog", "default_catalog", "default_vocabulary"),
    "evaluation": (
        "EvaluationReport",
        "evaluate",
        "evaluate_models",
        "evaluate_thresholds",
        "load_labelled",
        "load_labelled_with_groups",
    ),
    "language": ("detect_language", "preload_language_detector"),
    "models": (
        "DEFAULT_THRESHOLD",
        "KINDS",
        "SENTIMENTS",
        "LabelledItem",
        "ModelSettings",
        "GROUPING_FEEDBACK_PATHS",
        "Prediction",
        "TextModels",
    ),
    "normalisation": ("LANGUAGES", "fold", "normalise"),
    "pipeline": (
        "GROUPING_FEEDBACK_PATHS",
        "SEED_FEEDBACK_PATH",
        "SHIPPED_FEEDBACK_PATHS",
        "TRAIN_FEEDBACK_PATHS",
        "Analysis",
        "analyse_feedback",
        "load_seed_items",
        "train_default_models",
    ),
    "rules": (
        "KeywordRule",
        "RuleMatch",
        "RuleSet",
        "explain_rules",
        "match_rules",
        "rules_from_catalog",
    ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
_RENAMED = {"preload_language_detector": "preload"}

__all__ = [
    "Analysis",
    "Catalog",
    "DEFAULT_THRESHOLD",
    "EvaluationReport",
    "KINDS",
    "KeywordRule",
    "LANGUAGES",
    "LabelledItem",
    "ModelSettings",
    "GROUPING_FEEDBACK_PATHS",
    "Prediction",
    "RuleMatch",
    "RuleSet",
    "SEED_FEEDBACK_PATH",
    "SENTIMENTS",
    "SHIPPED_FEEDBACK_PATHS",
    "TRAIN_FEEDBACK_PATHS",
    "TextModels",
    "analyse_feedback",
    "default_catalog",
    "default_vocabulary",
    "detect_language",
    "evaluate",
    "evaluate_models",
    "evaluate_thresholds",
    "explain_rules",
    "fold",
    "load_labelled",
    "load_labelled_with_groups",
    "load_seed_items",
    "match_rules",
    "normalise",
    "preload_language_detector",
    "rules_from_catalog",
    "train_default_models",
]  # the same names as _EXPORTS, spelt out for tools


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), _RENAMED.get(name, name))
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and editors; at run time names load on first use
    from app.services.analysis.catalog import Catalog, default_catalog, default_vocabulary
    from app.services.analysis.evaluation import (
        EvaluationReport,
        evaluate,
        evaluate_models,
        evaluate_thresholds,
        load_labelled,
        load_labelled_with_groups,
    )
    from app.services.analysis.language import detect_language
    from app.services.analysis.language import preload as preload_language_detector
    from app.services.analysis.models import (
        DEFAULT_THRESHOLD,
        KINDS,
        SENTIMENTS,
        LabelledItem,
        ModelSettings,
        Prediction,
        TextModels,
    )
    from app.services.analysis.normalisation import LANGUAGES, fold, normalise
    from app.services.analysis.pipeline import (
        GROUPING_FEEDBACK_PATHS,
        SEED_FEEDBACK_PATH,
        SHIPPED_FEEDBACK_PATHS,
        TRAIN_FEEDBACK_PATHS,
        Analysis,
        analyse_feedback,
        load_seed_items,
        train_default_models,
    )
    from app.services.analysis.rules import (
        KeywordRule,
        RuleMatch,
        RuleSet,
        explain_rules,
        match_rules,
        rules_from_catalog,
    )
