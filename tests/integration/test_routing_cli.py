"""`routing train` and `routing evaluate PATH` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import TrainedModel
from app.services.analysis import load_seed_items

# Items written apart from the shipped history (and never trained on): the router's figures
# on text it has not seen.
HOLDOUT = Path(__file__).parent.parent / "data" / "holdout_feedback.jsonl"
SEED = Path(__file__).parent.parent.parent / "app" / "data" / "seed_feedback.jsonl"


def run(app, *args):
    return CliRunner().invoke(app.cli, ["routing", *map(str, args)])


def test_evaluate_scores_the_current_models_on_unseen_items(app):
    result = run(app, "evaluate", HOLDOUT, "--current", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["items"] == 25 and report["folds"] == 0
    assert report["language_accuracy"] >= 0.96
    assert report["triage_share"] <= 0.15
    assert report["department_accuracy"] >= 0.85
    assert report["eservice_accuracy"] >= 0.75
    assert report["sentiment_macro_f1"] >= 0.75
    assert set(report["per_language"]) == {"fi", "sv", "da", "nb", "en"}


def test_evaluate_cross_validates_by_default(app, tmp_path):
    sample = tmp_path / "sample.jsonl"
    lines = SEED.read_text(encoding="utf-8").splitlines()
    sample.write_text("\n".join(lines[:90]) + "\n", encoding="utf-8")
    result = run(app, "evaluate", sample, "--folds", "3", "--by-problem")
    assert result.exit_code == 0, result.output
    assert "items 90, 3-fold cross-validation, threshold 0.40" in result.output
    for field in ("language accuracy", "department accuracy", "sentiment macro-F1", "kind"):
        assert field in result.output


def test_evaluate_refuses_what_it_cannot_score(app, tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "no language"}\n', encoding="utf-8")
    result = run(app, "evaluate", broken)
    assert result.exit_code != 0 and "not a labelled JSON Lines file" in result.output
    few = tmp_path / "few.jsonl"
    few.write_text(SEED.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    result = run(app, "evaluate", few)
    assert result.exit_code != 0 and "too few for 5 folds" in result.output


def test_train_stores_a_model_every_process_then_uses(app):
    result = run(app, "train")
    assert result.exit_code == 0, result.output
    assert f"on {len(load_seed_items())} items (0 handler decisions)" in result.output
    assert db.session.scalar(select(func.count(TrainedModel.id))) == 1
