"""Learning from handlers: suggestions joined or dismissed, merges, splits and links kept as
labelled pairs, kind and sentiment corrections kept as labelled items, and `routing train`
retraining the pair scorer and the text models from them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from sqlalchemy import insert, select

from app.extensions import db
from app.models import AuditEvent, Feedback, ItemLabel, PairState, ProblemPair, TrainedModel
from app.services import reference_data, understanding
from app.services.analysis import TextModels
from app.services.analysis.catalog import Catalog
from app.services.analysis.models import LabelledItem
from app.services.analysis.pipeline import load_seed_items
from app.services.analysis.problems import PAIR_FEATURES, PairScorer
from app.services.grouping import (
    GroupingError,
    dismiss_suggestion,
    join_suggestion,
    link_to_ticket,
    merge_groups,
    open_suggestions,
    split_item,
)
from app.services.labels import LabelError, correct_understanding
from app.services.understanding import (
    current_pair_scorer,
    handler_decisions,
    judged_pairs,
    seed_pairs,
    train_router,
)
from tests.support.factories import submitted

UPLOAD = [
    ("fi", "Päiväkotihakemuksen liitteen lataaminen epäonnistuu aina, tiedosto on pdf."),
    ("sv", "Det går inte att ladda upp bilagan i ansökan om dagis, pdf-filen vägras."),
]
CHARGED = ("en", "I was charged twice for the daycare fee this month, please refund one payment.")


def submit(language: str, text: str) -> Feedback:
    return submitted(text, "daycare-application", language=language)


@pytest.fixture
def unsure(app):
    """Nothing is sure enough to join, everything is worth suggesting."""
    app.config.update(GROUPING_THRESHOLD=1.01, SUGGESTION_THRESHOLD=0.0)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_an_unsure_report_starts_a_group_and_is_suggested_to_handlers(app, unsure, handler):
    first = submit(*UPLOAD[0])
    second = submit(*UPLOAD[1])
    assert second.ticket is not first.ticket
    (suggestion,) = open_suggestions(item=second)
    assert suggestion.ticket is first.ticket and suggestion.state == PairState.SUGGESTED
    assert 0 < suggestion.score < 1 and len(suggestion.features) == len(PAIR_FEATURES)
    assert open_suggestions(ticket=first.ticket) == [suggestion]
    # The first item had no group to be compared with.
    assert open_suggestions(item=first) == []

    assert join_suggestion(suggestion, handler) is first.ticket
    assert second.ticket is first.ticket and first.ticket.affected_count == 2
    assert suggestion.state == PairState.JOINED and suggestion.decided_by is handler
    assert open_suggestions(item=second) == [] and open_suggestions(ticket=first.ticket) == []
    assert actions() == ["feedback.suggestion_joined"]
    with pytest.raises(GroupingError, match="already decided"):
        join_suggestion(suggestion, handler)
    features, labels = judged_pairs()
    assert labels == [True] and features.shape == (1, len(PAIR_FEATURES))


def test_a_dismissed_suggestion_is_a_pair_of_two_problems(app, unsure, handler):
    upload = submit(*UPLOAD[0])
    charged = submit(*CHARGED)
    (suggestion,) = open_suggestions(item=charged)
    dismiss_suggestion(suggestion, handler)
    assert suggestion.state == PairState.DISMISSED and charged.ticket is not upload.ticket
    assert open_suggestions(item=charged) == []
    assert actions() == ["feedback.suggestion_dismissed"]
    assert judged_pairs()[1] == [False]


def test_pairs_judged_on_earlier_features_are_not_learned_from(app, unsure, handler):
    upload, charged = submit(*UPLOAD[0]), submit(*CHARGED)
    (suggestion,) = open_suggestions(item=charged)
    dismiss_suggestion(suggestion, handler)
    current = dict(suggestion.features)
    earlier = dict(current)
    earlier["embedding_in_problem_space"] = earlier.pop("embedding_between_problems")
    for features in (list(current.values()), earlier):  # a bare list; a feature renamed since
        db.session.add(
            ProblemPair(
                feedback_id=charged.id,
                ticket_id=upload.ticket_id,
                state=PairState.DISMISSED,
                score=suggestion.score,
                features=features,
            )
        )
    db.session.commit()
    assert judged_pairs()[1] == [False]  # the handler's dismissal only


def test_merges_splits_and_links_are_kept_as_labelled_pairs(app, unsure, handler):
    first, second = submit(*UPLOAD[0]), submit(*UPLOAD[1])
    charged = submit(*CHARGED)
    merge_groups(second.ticket, first.ticket, handler)  # same problem
    split_item(second, handler)  # ... or not, after all
    link_to_ticket(charged, first.ticket.key, handler)
    states = list(
        db.session.scalars(
            select(ProblemPair.state)
            .where(ProblemPair.state != PairState.SUGGESTED)
            .order_by(ProblemPair.id)
        )
    )
    assert states == [PairState.MERGED, PairState.SPLIT, PairState.LINKED]
    assert judged_pairs()[1] == [True, False, True]


def test_a_correction_of_kind_and_sentiment_is_an_audited_labelled_item(app, handler):
    item = submit("fi", "Kiitos, päiväkotihakemus oli todella helppo täyttää!")
    correct_understanding(item, "suggestion", "neutral", handler)
    label = db.session.get(ItemLabel, item.id)
    assert (item.kind, item.sentiment) == ("suggestion", "neutral")
    assert (label.kind, label.sentiment, label.labelled_by_id) == (
        "suggestion",
        "neutral",
        handler.id,
    )
    event = db.session.scalars(select(AuditEvent)).one()
    assert event.action == "feedback.understanding_corrected"
    assert event.detail["after"] == {"kind": "suggestion", "sentiment": "neutral"}
    (labelled,) = handler_decisions()
    assert (labelled.kind, labelled.sentiment, labelled.department) == (
        "suggestion",
        "neutral",
        None,
    )
    # The embedding stored when the item was processed trains the embedding view.
    assert labelled.embedding is not None and labelled.embedding.shape == (384,)
    with pytest.raises(LabelError):
        correct_understanding(item, "rant", "neutral", handler)


def test_a_kind_corrected_to_or_from_outage_is_counted_in_its_group(app, handler):
    first, second = submit(*UPLOAD[0]), submit(*UPLOAD[1])
    group = first.ticket
    assert second.ticket is group and (group.profile_members, group.profile_outages) == (2, 0)
    correct_understanding(second, "outage", "negative", handler)
    assert (group.profile_members, group.profile_outages) == (2, 1)
    centroid = group.centroid
    correct_understanding(second, "outage", "neutral", handler)  # still an outage: no change
    correct_understanding(second, "complaint", "negative", handler)
    assert (group.profile_members, group.profile_outages) == (2, 0)
    assert group.centroid == centroid  # summed again from the stored embeddings


def test_routing_train_learns_the_pair_scorer_from_handlers_judgements(app, handler, monkeypatch):
    seed_features, seed_labels = seed_pairs()
    # The seed's surest pair of one problem, which handlers keep dismissing.
    sure = seed_features[int(np.argmax(current_pair_scorer().probabilities(seed_features)))]
    before = current_pair_scorer().probabilities(sure[np.newaxis])[0]
    upload, charged = submit(*UPLOAD[0]), submit(*CHARGED)
    judged = {
        "feedback_id": charged.id,
        "ticket_id": upload.ticket_id,
        "state": PairState.DISMISSED,
        "score": float(before),
        "features": dict(zip(PAIR_FEATURES, map(float, sure), strict=True)),
    }
    # Enough judgements to outweigh the seed's pairs, written in one statement.
    db.session.execute(insert(ProblemPair), [judged] * (3 * len(seed_labels)))
    db.session.commit()
    # The pair scorer is what this test is about: the text models learn from the history's
    # first items only, which is quick (test_triage_reroute_retrain_teaches_the_router
    # retrains them on the whole history).
    monkeypatch.setattr(understanding, "train_default_models", _first_items_training)

    row = train_router()
    assert row.pair_scorer is not None
    assert row.metrics["judged_pairs"] == 3 * len(seed_labels)
    assert row.metrics["pairs"] == 4 * len(seed_labels)
    after = current_pair_scorer().probabilities(sure[np.newaxis])[0]
    assert before > 0.9 and after < 0.5


def _first_items_training(
    confirmed: Sequence[LabelledItem], catalog: Catalog, *, with_vocabulary: bool
) -> TextModels:
    return TextModels.train(load_seed_items()[:200] + list(confirmed), catalog)


def test_a_stored_scorer_of_other_features_gives_way_to_the_seed_pairs_until_retrained(app):
    stale = PairScorer.train(*seed_pairs()).to_dict()
    stale["features"], stale["weights"] = stale["features"][:-1], stale["weights"][:-1]
    # An id no other test stores: a process keeps the scorer of each id it has loaded.
    row = TrainedModel(id=90_001, trained_on=0, metrics={}, blob=b"", pair_scorer=stale)
    db.session.add(row)
    db.session.commit()
    assert current_pair_scorer() == PairScorer.train(*seed_pairs())


def forget_everything() -> None:
    """What a new process starts with: no models, and no reference data kept."""
    understanding._seeded.clear()
    reference_data._kept.clear()


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_the_seed_models_are_trained_once_for_the_installations_processes(
    app, monkeypatch, tmp_path
):
    app.config["MODEL_CACHE_DIR"] = str(tmp_path / "models")
    trained = []

    def small_training(catalog, with_vocabulary):  # the history's first items: quick
        trained.append(catalog)
        return TextModels.train(load_seed_items()[:60], catalog)

    monkeypatch.setattr(understanding, "train_default_models", small_training)
    monkeypatch.setattr(understanding, "_seeded", {})
    monkeypatch.setattr(reference_data, "_kept", {})
    first = understanding.current_models()

    forget_everything()  # another process: nothing in its memory
    second = understanding.current_models()
    assert len(trained) == 1 and second.trained_on == first.trained_on == 60

    (cached,) = (tmp_path / "models").iterdir()
    cached.write_bytes(b"cut short by a crash")
    forget_everything()
    assert understanding.current_models().trained_on == 60 and len(trained) == 2
    assert TextModels.loads(cached.read_bytes()).trained_on == 60  # written again, whole
