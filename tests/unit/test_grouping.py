"""Problem grouping: the similarity, online leader clustering, and handlers' corrections."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sqlalchemy import delete as sa_delete
from sqlalchemy import select

from app.config import Settings
from app.extensions import db
from app.models import AuditEvent, Feedback, ItemEmbedding, Ticket, TicketState
from app.services import understanding
from app.services.analysis.problems import (
    PAIR_FEATURES,
    GroupProfile,
    LabelledReport,
    PairScorer,
    PartWords,
    ProblemSpace,
    best_group,
    embed,
    embed_many,
    error_codes,
    item_signals,
    ngram_vector,
    pair_features,
    problem_terms,
    ranked_groups,
    same_problem_scores,
    same_problems_among,
    seed_pairs,
    stragglers,
)
from app.services.grouping import (
    GroupingError,
    link_to_ticket,
    make_actionable,
    merge_groups,
    send_to_tracker,
    split_item,
)
from app.services.understanding import seed_pairs as shipped_seed_pairs
from tests.support.factories import submitted

THRESHOLD = Settings().GROUPING_THRESHOLD
SCORER = PairScorer.train(*shipped_seed_pairs())  # what a fresh install decides with

UPLOAD = [  # one problem, told in four languages
    ("fi", "Päiväkotihakemuksen liitteen lataaminen epäonnistuu aina, tiedosto on pdf."),
    ("sv", "Det går inte att ladda upp bilagan i ansökan om dagis, pdf-filen vägras."),
    ("en", "Uploading the attachment to the daycare application keeps failing, a small PDF."),
    ("nb", "Vedlegget lar seg ikke laste opp i barnehagesøknaden, pdf-fila avvises."),
]
CHARGED_TWICE = [
    ("en", "I was charged twice for the daycare fee this month, please refund one payment."),
    ("fi", "Päiväkotimaksu veloitettiin kahdesti tililtäni, maksu pitää palauttaa."),
]

SERVICE_DOWN = [  # one outage, told in few words: little in the text but that the service is down
    ("fi", "Päiväkotihakemus ei aukea ollenkaan, koko palvelu on alhaalla."),
    ("da", "Ansøgning om daginstitution er helt nede i dag."),
    ("en", "The daycare application site is down, nothing loads."),
]


def signals(pairs):
    return [item_signals(text, language) for language, text in pairs]


def profile_of(*items):
    profile = GroupProfile()
    for item in items:
        profile.add(item)
    return profile


def score(group, item):
    return ranked_groups(item, [(0, group)], SCORER)[0][1]


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_the_same_problem_in_other_languages_scores_above_the_threshold():
    first, *others = signals(UPLOAD)
    group = profile_of(first)
    assert all(score(group, other) >= THRESHOLD for other in others)


def test_another_problem_of_the_same_service_stays_below_it():
    upload = profile_of(*signals(UPLOAD))
    for charged in signals(CHARGED_TWICE):
        assert score(upload, charged) < THRESHOLD - 0.2


def test_the_representative_is_the_running_sum_of_its_members():
    first, second = signals(UPLOAD[:2])
    group = profile_of(first, second)
    assert np.allclose(group.embedding, first.embedding + second.embedding)
    assert np.allclose(group.ngrams, first.ngrams + second.ngrams)
    assert group.codes == set()


def test_leader_clustering_puts_each_item_with_its_problem():
    stream = signals([UPLOAD[0], CHARGED_TWICE[0], UPLOAD[1], UPLOAD[2], CHARGED_TWICE[1]])
    groups: list[tuple[int, GroupProfile]] = []
    labels = []
    for item in stream:
        # Halfway sure: the shipped threshold is stricter (the two "charged twice" reports,
        # in two languages, score 0.89 and would wait as a suggestion).
        number = best_group(item, groups, 0.5, SCORER)
        if number is None:
            number = len(groups)
            groups.append((number, GroupProfile()))
        groups[number][1].add(item)
        labels.append(number)
    assert labels == [0, 1, 0, 0, 1]


def test_a_higher_threshold_keeps_items_apart():
    first, second = signals(UPLOAD[:2])
    group = [("upload", profile_of(first))]
    similarity = score(group[0][1], second)
    assert best_group(second, group, similarity, SCORER) == "upload"
    assert best_group(second, group, similarity + 0.01, SCORER) is None
    assert best_group(second, [], THRESHOLD, SCORER) is None


def test_the_most_similar_group_wins():
    upload, charged = signals([UPLOAD[0], CHARGED_TWICE[0]])
    groups = [("charged", profile_of(charged)), ("upload", profile_of(upload))]
    (probe,) = signals([UPLOAD[2]])
    assert best_group(probe, groups, -1.0, SCORER) == "upload"


def test_glossary_terms_are_found_in_each_language_on_folded_text():
    assert problem_terms("Liitteen lataus kaatuu", "fi") == {"attachment"}
    assert problem_terms("Bilagan går inte att ladda upp", "sv") == {"attachment"}
    assert problem_terms("KARTAN laddar inte i Safari", "sv") == {"map", "browser"}
    assert problem_terms("Søknaden står fortsatt som mottatt", "nb") == set()
    # A whole-word entry does not fire inside another word: "tila" (status), not "tilaus".
    assert problem_terms("Tilaus meni perille", "fi") == set()
    # Unknown language: every language's glossary is tried.
    assert "payment" in problem_terms("betalningen gick inte igenom", None)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("lääkärintodistuksen lataus antaa virheen 500", {"500"}),
        ("siden siger 'fejl 500' hver gang", {"500"}),
        ("Error: E-1234 when saving", {"E1234"}),
        ("HTTP 503 Service Unavailable", {"503"}),
        ("it says 0x80070005", {"0x80070005".upper()}),
        ("valkoinen sivu, 'Error 0x1F'", {"0X1F"}),
        # A status behind a prefix is the status; a proxy's 502 and 503 both say "down".
        ("ERR413 when I upload the drawing", {"413"}),
        ("HTTP 502 Bad Gateway", {"503"}),
        ("varasin klo 18, 2 x 1200 kr, 5 MB", set()),
        # Letters and digits are a code after an error word or alone in brackets; a plate,
        # a flat or a phone is written the same way.
        ("virhe 'Maksu keskeytyi (koodi PAY-502)'", {"PAY502"}),
        ("kartta ei lataudu (E-17)", {"E17"}),
        ("Kirjoitin ABC-123 ja tulee virhe", set()),
        ("leilighetsnummeret H0302 mangler; telefon: Samsung A52", set()),
    ],
)
def test_error_codes(text, codes):
    assert error_codes(text) == codes


def test_reports_quoting_only_different_codes_are_different_problems():
    group = profile_of(item_signals("Log-in works, then the jobseeker page says error 401", "en"))
    same_words = item_signals("Log-in works, then the jobseeker page says error 403", "en")
    assert score(group, replace(same_words, codes=frozenset({"401"}))) > 0.5
    assert score(group, same_words) == 0.0
    # One that quotes no code is judged by its words alone.
    assert score(group, replace(same_words, codes=frozenset())) > 0.5


def test_a_shared_code_adds_evidence():
    group = profile_of(item_signals("Upload gives error 502", "en"))
    again = item_signals("Same error 502 again", "en")
    without_code = replace(again, codes=frozenset())
    assert score(group, again) > score(group, without_code)
    other_code = replace(again, codes=frozenset({"404"}))
    assert pair_features(other_code, [group])[0][PAIR_FEATURES.index("other_codes")] == 1


def test_outages_of_one_service_meet_and_the_flag_adds_to_their_few_words():
    first, *others = signals(SERVICE_DOWN)
    as_outages = [replace(item, outage=True) for item in others]
    outage_group = profile_of(replace(first, outage=True))
    plain_group = profile_of(first)
    assert all(score(outage_group, item) >= THRESHOLD for item in as_outages)
    # Their words alone say less (the shipped pairs include outages told in many ways, so
    # some meet without the flag too), and an outage does not join a group of non-outages.
    for item, as_outage in zip(others, as_outages, strict=True):
        assert score(plain_group, item) < score(outage_group, as_outage) - 0.3
        assert score(plain_group, as_outage) < THRESHOLD
        assert score(outage_group, item) < THRESHOLD
    # ... and an outage is not taken for a fault in one part of the service.
    upload = profile_of(*signals(UPLOAD))
    assert all(score(upload, item) < THRESHOLD - 0.2 for item in as_outages)


def test_a_group_counts_its_members_and_their_outages():
    down = [replace(item, outage=True) for item in signals(SERVICE_DOWN[:2])]
    group = profile_of(*down, *signals(UPLOAD[:1]))
    assert (group.members, group.outages) == (3, 2)
    group.absorb(profile_of(*signals(UPLOAD[1:3])))
    assert (group.members, group.outages, group.outage_share) == (5, 2, 0.4)
    row = pair_features(down[0], [group, GroupProfile()])
    names = ("outage_both", "item_outage", "group_outages")
    columns = [PAIR_FEATURES.index(name) for name in names]
    np.testing.assert_allclose(row[:, columns], [[0.4, 1, 0.4], [0, 1, 0]], rtol=1e-6)


def test_a_citys_words_extend_the_glossary_in_their_language_only():
    words = [PartWords("login", "sv", ("Mina sidor$",)), PartWords("map", "fi", ("karttapalv",))]
    assert problem_terms("Mina sidor öppnas inte", "sv") == frozenset()
    assert problem_terms("Mina sidor öppnas inte", "sv", words) == {"login"}
    assert problem_terms("Mina sidor öppnas inte", "da", words) == frozenset()
    assert problem_terms("Mina sidorna öppnas inte", "sv", words) == frozenset()  # "$": whole
    assert problem_terms("MINA  SIDOR", None, words) == {"login"}  # unknown language: all five
    assert problem_terms("Karttapalvelussa vika", "fi", words) == {"map"}


def test_a_group_counts_the_languages_its_members_wrote_in():
    fi, sv, en = signals(UPLOAD[:3])
    group = profile_of(fi, sv)
    group.absorb(profile_of(replace(en, language="fi")))
    assert group.languages == {"fi": 2, "sv": 1} and group.as_signals().language == "fi"
    column = PAIR_FEATURES.index("same_language")
    row = pair_features(sv, [group, profile_of(fi), GroupProfile()])
    np.testing.assert_allclose(row[:, column], [1 / 3, 0, 0], rtol=1e-6)
    assert pair_features(replace(sv, language=None), [group])[0, column] == 0


def test_a_groups_size_is_a_feature_alone_and_with_the_problem_space_cosine():
    fi, sv = signals(UPLOAD[:2])
    row = pair_features(sv, [profile_of(fi), profile_of(fi, fi, fi), GroupProfile()])
    size, between, product = (
        PAIR_FEATURES.index(name)
        for name in ("group_size", "embedding_between_problems", "group_size_x_between_problems")
    )
    np.testing.assert_allclose(row[:, size], np.log1p([1, 3, 0]), rtol=1e-6)
    np.testing.assert_allclose(row[:, product], row[:, size] * row[:, between], rtol=1e-6)
    # One member three times points the same way as once: only the size tells them apart.
    others = [c for c in range(len(PAIR_FEATURES)) if c not in (size, product)]
    np.testing.assert_allclose(row[0, others], row[1, others], atol=1e-5)


def test_a_grown_group_gathers_the_lone_reports_of_its_problem_and_no_others():
    upload = signals(UPLOAD)
    grown = profile_of(*upload[:2])
    groups = [
        ("grown", grown),
        ("lone upload", profile_of(upload[3])),
        ("lone charge", profile_of(*signals(CHARGED_TWICE[:1]))),
        ("two charges", profile_of(*signals(CHARGED_TWICE))),  # not alone: never moved
    ]
    lone = ["lone upload", "lone charge", "two charges"]
    assert stragglers("grown", groups, lone, THRESHOLD, SCORER) == ["lone upload"]
    # The rule is the joining rule: the report is scored as it would be on arrival.
    alone = score(grown, groups[1][1].as_signals())
    assert stragglers("grown", groups, lone, alone + 0.01, SCORER) == []
    # Gathered only into the group it is likeliest to report, however low the threshold.
    assert stragglers("two charges", groups, ["lone upload"], 0.0, SCORER) == []
    assert stragglers("two charges", groups, lone, THRESHOLD, SCORER) == ["lone charge"]


def test_two_groups_of_one_problem_are_likelier_one_than_a_look_alike_and_alike_both_ways():
    upload, charged = signals(UPLOAD), signals(CHARGED_TWICE)
    first, second = profile_of(*upload[:2]), profile_of(*upload[2:])
    others = [("charged", profile_of(*charged)), ("second", second)]
    ranked = same_problem_scores(first, others, SCORER)
    assert [key for key, _ in ranked] == ["second", "charged"]
    likely, unlikely = ranked[0][1], ranked[1][1]
    assert likely > unlikely + 0.2
    # The mean of both ways round, each group alone against the other: the same figure
    # from the other group's page, whatever other groups there are.
    both_ways = (score(second, first.as_signals()) + score(first, second.as_signals())) / 2
    assert likely == pytest.approx(both_ways, abs=1e-6)
    (back,) = same_problem_scores(second, [("first", first), ("charged", others[0][1])], SCORER)[:1]
    assert back == ("first", pytest.approx(likely, abs=1e-6))
    assert same_problem_scores(GroupProfile(), others, SCORER) == []
    assert same_problem_scores(first, [], SCORER) == []


def test_every_groups_likely_same_problems_at_once_are_what_each_page_shows():
    upload, charged = signals(UPLOAD), signals(CHARGED_TWICE)
    groups = [
        ("first", profile_of(*upload[:2])),
        ("second", profile_of(*upload[2:])),
        ("charged", profile_of(*charged)),
        ("nobody yet", GroupProfile()),
    ]
    among = same_problems_among(groups, set(), SCORER)
    for key, profile in groups:
        # A group nobody has reported yet is offered on no page.
        others = [(other, p) for other, p in groups if other != key and not p.empty]
        page = same_problem_scores(profile, others, SCORER)
        assert [other for other, _ in among[key]] == [other for other, _ in page]
        assert [s for _, s in among[key]] == pytest.approx([s for _, s in page], abs=1e-6)
    # One figure for a pair, from either group.
    assert dict(among["first"])["second"] == dict(among["second"])["first"]
    # Groups a handler told apart are not compared.
    apart = same_problems_among(groups, {frozenset(("first", "second"))}, SCORER)
    assert [other for other, _ in apart["first"]] == ["charged"]
    assert same_problems_among(groups[:1], set(), SCORER) == {"first": []}


def test_a_group_of_one_seen_as_an_item_is_its_report():
    (item,) = signals(UPLOAD[:1])
    seen = profile_of(replace(item, outage=True)).as_signals()
    np.testing.assert_allclose(seen.embedding, item.embedding, atol=1e-6)
    np.testing.assert_allclose(seen.ngrams, item.ngrams, atol=1e-6)
    assert (seen.terms, seen.codes, seen.outage) == (item.terms, item.codes, True)


# -- the problem space ------------------------------------------------------------------


def told(problem: float, language: float, rng: np.random.Generator) -> np.ndarray:
    """A unit vector: one problem (axis 0) told in one language (axis 1), with noise."""
    vector = np.array([0.5 * problem, 0.8 * language, 1.0, 0.0, 0.0, 0.0])
    return _unit(vector + rng.normal(0, 0.05, size=6))


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def test_the_problem_space_divides_out_how_one_problem_is_told_differently(tmp_path):
    rng = np.random.default_rng(5)
    labelled = [(p, lang) for p in (-1, 1) for lang in (-1, 1) for _ in range(20)]
    vectors = np.stack([told(p, lang, rng) for p, lang in labelled])
    space = ProblemSpace.fit(vectors, [str(p) for p, _ in labelled], ["e-service"] * len(labelled))
    same_problem = told(1, -1, rng), told(1, 1, rng)  # in two languages
    same_language = told(1, 1, rng), told(-1, 1, rng)  # two problems

    def cosine(pair: tuple[np.ndarray, np.ndarray], project=lambda v: v) -> float:
        a, b = (_unit(project(v)) for v in pair)
        return float(a @ b)

    assert cosine(same_problem) < cosine(same_language)  # the raw embedding: language wins
    assert cosine(same_problem, space.project) > cosine(same_language, space.project) + 0.5
    space.save(tmp_path / "space.npz")
    loaded = ProblemSpace.load(tmp_path / "space.npz")
    assert np.array_equal(loaded.matrix, space.matrix) and np.array_equal(loaded.mean, space.mean)
    assert np.array_equal(loaded.known_problems, space.known_problems)


def test_a_report_resembles_the_known_problem_it_reports_most():
    rng = np.random.default_rng(7)
    labelled = [(p, lang) for p in (-1, 1) for lang in (-1, 1) for _ in range(20)]
    vectors = np.stack([told(p, lang, rng) for p, lang in labelled])
    problems = [str(p) for p, _ in labelled]
    space = ProblemSpace.fit(vectors, problems, ["e-service"] * len(labelled))
    assert space.known_problems.shape == (2, space.matrix.shape[1])

    reports = np.stack([told(-1, 1, rng), told(1, -1, rng)])
    resemblance = space.resemblance(space.project(reports))
    assert np.allclose(np.linalg.norm(resemblance, axis=1), 1.0)
    assert resemblance[0].argmax() == 0 and resemblance[1].argmax() == 1  # "-1" sorts first
    # Knowing only problem "1", every report resembles it alone.
    ones = [i for i, problem in enumerate(problems) if problem == "1"]
    only_one = space.knowing(vectors[ones], [problems[i] for i in ones])
    assert only_one.known_problems.shape[0] == 1
    assert np.allclose(only_one.resemblance(only_one.project(reports)), 1.0)


def test_the_shipped_problem_space_brings_one_problem_in_four_languages_together():
    upload, charged = signals(UPLOAD), signals(CHARGED_TWICE)
    column = PAIR_FEATURES.index("embedding_between_problems")
    group = profile_of(*upload[:2])
    in_space = pair_features(upload[3], [group, profile_of(*charged)])[:, column]
    assert in_space[0] > in_space[1]


def test_one_problem_in_four_languages_resembles_the_same_known_problems():
    upload, charged = signals(UPLOAD), signals(CHARGED_TWICE)
    column = PAIR_FEATURES.index("resemblance_between_problems")
    rows = pair_features(upload[3], [profile_of(*upload[:2]), profile_of(*charged)])
    assert rows[0, column] > rows[1, column]
    assert 0.0 <= rows[:, column].min() and rows[:, column].max() <= 1.0 + 1e-6


# -- the pair scorer -------------------------------------------------------------------


def test_the_pair_scorer_learns_which_features_mean_the_same_problem():
    rng = np.random.default_rng(3)
    features = rng.uniform(0, 1, size=(400, len(PAIR_FEATURES))).astype(np.float32)
    features[:, PAIR_FEATURES.index("other_codes")] = 0  # no two quote different codes here
    parts = PAIR_FEATURES.index("parts")
    labels = features[:, parts] > 0.6  # only the parts decide here
    scorer = PairScorer.train(features, labels)
    assert scorer.trained_on == 400 and scorer.positives == int(labels.sum())
    weights = dict(zip(PAIR_FEATURES, scorer.weights, strict=True))
    assert weights["parts"] > 5 * max(abs(w) for name, w in weights.items() if name != "parts")
    probabilities = scorer.probabilities(features)
    assert ((probabilities >= 0.5) == labels).mean() > 0.95
    assert PairScorer.from_dict(scorer.to_dict()) == scorer


def test_the_pair_scorer_needs_pairs_of_both_kinds():
    features = np.zeros((3, len(PAIR_FEATURES)), dtype=np.float32)
    with pytest.raises(ValueError):
        PairScorer.train(features, [True, True, True])
    with pytest.raises(ValueError):
        PairScorer.from_dict({**SCORER.to_dict(), "features": ["embedding"]})


def test_seed_pairs_compare_each_report_with_the_groups_before_it():
    upload, charged = signals(UPLOAD[:2]), signals(CHARGED_TWICE)
    reports = [
        LabelledReport("daycare", "upload", upload[0]),
        LabelledReport("daycare", "charged", charged[0]),
        LabelledReport("daycare", "upload", upload[1]),
        LabelledReport("permits", "upload", charged[1]),  # another e-service: no pair
        LabelledReport("daycare", None, charged[1]),  # no problem: its own
    ]
    features, labels = seed_pairs(reports)
    assert labels == [False, True, False, False, False]
    assert features.shape == (5, len(PAIR_FEATURES))


def test_ngrams_meet_across_inflection():
    permit = ngram_vector("Rakennuslupahakemus ei etene", "fi")
    inflected = ngram_vector("rakennuslupahakemuksen käsittely ei etene", "fi")
    unrelated = ngram_vector("Kirjaston aukioloajat muuttuivat", "fi")
    assert cosine(permit, inflected) > 0.4 > cosine(permit, unrelated)


def test_personal_data_markers_are_not_compared():
    a = ngram_vector("Soita [phone], [email]", "fi")
    b = ngram_vector("Soita", "fi")
    assert cosine(a, b) == pytest.approx(1.0)


# -- the groups in the database, and handlers' corrections ---------------------------------


def submit(text: str, language: str, eservice: str = "daycare-application") -> Feedback:
    return submitted(text, eservice, language=language)


def vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4")


def stored(item: Feedback) -> np.ndarray:
    return vector(db.session.get(ItemEmbedding, item.id).vector)


def audit_actions():
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    return [event.action for event in events]


def test_items_join_their_problem_group_and_keep_their_vector(app):
    first = submit(*reversed(UPLOAD[0]))
    second = submit(*reversed(UPLOAD[1]))
    other = submit(*reversed(CHARGED_TWICE[0]))
    assert first.ticket is second.ticket and other.ticket is not first.ticket
    stored = db.session.get(ItemEmbedding, first.id)
    assert len(stored.vector) == 384 * 4
    assert first.ticket.centroid and first.ticket.term_profile["attachment"] > 0


def test_every_item_is_embedded_once_for_its_analysis_and_its_grouping(app, monkeypatch):
    texts = []
    monkeypatch.setattr(
        understanding, "embed_many", lambda batch: texts.extend(batch) or embed_many(batch)
    )
    monkeypatch.setattr(understanding, "embed", lambda text: texts.append(text) or embed(text))
    grouped = submit(*reversed(UPLOAD[0]))
    question = submitted("Mihin aikaan kirjasto aukeaa lauantaina?", None, language="fi")
    assert grouped.ticket is not None and question.ticket is None
    assert texts == [grouped.redacted_text, question.redacted_text]
    np.testing.assert_allclose(stored(question), embed(question.redacted_text), atol=1e-5)


def test_embedding_a_stored_item_again_leaves_the_item_unchanged(app):
    question = submitted("Mihin aikaan kirjasto aukeaa lauantaina?", None, language="fi")
    db.session.execute(sa_delete(ItemEmbedding))  # e.g. erased with the item's old wording
    db.session.commit()
    vector_again = understanding.item_embedding(question)
    # The item holds its new vector, but is not changed by it: a changed item would mark its
    # day's roll-ups for a recount that nothing needs.
    assert question.embedding.vector == vector_again.astype("<f4").tobytes()
    assert question not in db.session.dirty
    db.session.commit()
    assert len(stored(question)) == 384


def test_merge_moves_every_item_and_leaves_the_source_merged(app, handler):
    upload = submit(*reversed(UPLOAD[0]))
    charged = submit(*reversed(CHARGED_TWICE[0]))
    source, target = charged.ticket, upload.ticket
    merged = merge_groups(source, target, handler)
    assert merged is target and charged.ticket is target and target.affected_count == 2
    assert source.state == TicketState.MERGED and source.merged_into is target
    assert source.centroid == b""
    # The merged representative is the sum of both.
    assert np.allclose(vector(target.centroid), stored(upload) + stored(charged))
    assert audit_actions() == ["problem_group.merged"]
    with pytest.raises(GroupingError):
        merge_groups(source, target, handler)


def test_split_takes_an_item_out_into_a_group_of_its_own(app, handler):
    items = [submit(*reversed(pair)) for pair in UPLOAD[:3]]
    group = items[0].ticket
    assert {item.ticket.id for item in items} == {group.id}
    alone = split_item(items[2], handler)
    assert alone is not group and items[2].ticket is alone and alone.affected_count == 1
    assert group.affected_count == 2
    assert np.allclose(vector(group.centroid), stored(items[0]) + stored(items[1]))
    assert audit_actions() == ["feedback.split"]


def test_link_by_key_moves_the_item_to_that_ticket(app, handler):
    upload = submit(*reversed(UPLOAD[0]))
    charged = submit(*reversed(CHARGED_TWICE[0]))
    target = upload.ticket
    assert target.key  # TICKET_MIN_ITEMS is 1: the built-in tracker opened it at once
    old = charged.ticket
    assert link_to_ticket(charged, f" {target.key} ", handler) is target
    assert charged.ticket is target and old.affected_count == 0 and old.centroid == b""
    assert audit_actions() == ["feedback.linked"]
    with pytest.raises(GroupingError, match="no ticket"):
        link_to_ticket(charged, "NOPE-1", handler)


def test_a_handler_makes_praise_actionable(app, handler):
    praise = submit("Kiitos, päiväkotihakemus oli todella helppo täyttää!", "fi")
    assert praise.kind == "praise" and praise.ticket is None
    ticket = make_actionable(praise, handler)
    assert praise.ticket is ticket and ticket.key is not None
    assert audit_actions() == ["feedback.made_actionable"]


def test_held_groups_wait_for_enough_items_or_a_handler(app, handler):
    app.config["TICKET_MIN_ITEMS"] = 3
    first = submit(*reversed(UPLOAD[0]))
    group = first.ticket
    assert group.state == TicketState.HELD and group.key is None
    submit(*reversed(UPLOAD[1]))
    assert group.state == TicketState.HELD
    submit(*reversed(UPLOAD[2]))
    assert group.state == TicketState.OPEN and group.key is not None

    app.config["TICKET_MIN_ITEMS"] = 0  # only handlers decide
    charged = submit(*reversed(CHARGED_TWICE[0]))
    assert charged.ticket.state == TicketState.HELD
    send_to_tracker(charged.ticket, handler)
    assert charged.ticket.state == TicketState.OPEN
    with pytest.raises(GroupingError):
        send_to_tracker(charged.ticket, handler)


def test_a_rerouted_item_leaves_its_group_which_is_summed_again_without_it(app, handler):
    from app.services.triage import reroute
    from tests.support.factories import eservice

    first, second = (submit(*reversed(pair)) for pair in UPLOAD[:2])
    group = first.ticket
    assert second.ticket is group and group.profile_members == 2
    assert group.profile_languages == {"fi": 1, "sv": 1}
    reroute(second, handler, eservice=eservice("building-permit"))
    assert second.ticket is not group and second.ticket.eservice.code == "building-permit"
    # Not a group of one report in name only: it would be gathered with nobody in it.
    assert group.profile_members == 1 and group.affected_count == 1
    assert group.profile_languages == {"fi": 1}
    np.testing.assert_allclose(vector(group.centroid), stored(first), atol=1e-6)


def test_resolved_tickets_take_no_new_items(app, handler):
    first = submit(*reversed(UPLOAD[0]))
    done = first.ticket
    done.status_category = "done"
    db.session.commit()
    again = submit(*reversed(UPLOAD[1]))
    assert again.ticket is not done
    with pytest.raises(GroupingError, match="resolved"):
        link_to_ticket(again, done.key, handler)
    assert db.session.scalar(select(Ticket).where(Ticket.id == done.id)).affected_count == 1
