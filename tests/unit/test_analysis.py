"""Text analysis: normalisation, language, keyword rules, routing, persistence, evaluation.

The models are trained once per module on the shipped history. Sentences here are new (not
from the shipped files), so the few accuracy checks say something about unseen items.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.services.analysis import (
    GROUPING_FEEDBACK_PATHS,
    KINDS,
    SEED_FEEDBACK_PATH,
    SENTIMENTS,
    SHIPPED_FEEDBACK_PATHS,
    TRAIN_FEEDBACK_PATHS,
    Catalog,
    KeywordRule,
    LabelledItem,
    Prediction,
    RuleSet,
    TextModels,
    analyse_feedback,
    default_catalog,
    detect_language,
    evaluate,
    explain_rules,
    fold,
    load_labelled,
    load_seed_items,
    match_rules,
    normalise,
    rules_from_catalog,
    train_default_models,
)
from app.services.analysis import evaluation as evaluation_module
from app.services.analysis.cues import cue_tokens
from app.services.analysis.evaluation import fold_indices, macro_f1
from app.services.analysis.language import danish_or_norwegian
from app.services.analysis.normalisation import unshouted, without_personal_data
from app.services.analysis.problems import embed, engine_text
from app.services.analysis.rules import deciding_match

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def models() -> TextModels:
    return train_default_models()


# --- normalisation -------------------------------------------------------------------------


def test_fold_removes_the_diacritics_users_leave_out():
    assert fold("Päivä Öljy Åbo Ærø Øresund café") == "paiva oljy abo aero oresund cafe"


def test_normalise_lowercases_stems_and_folds_per_language():
    assert normalise("Hakemuksen", "fi") == normalise("hakemukseen", "fi") == "hakemuks"
    assert normalise("Bygglovet", "sv") == "bygglov"
    assert normalise("Søknaden", "nb") == normalise("soknaden", "nb") == "soknad"
    assert normalise("Ansøgningen", "da") == "ansogning"
    assert normalise("Permits", "en") == "permit"
    # A diacritic typed or left out gives the same words.
    assert normalise("päiväkotihakemus", "fi") == normalise("paivakotihakemus", "fi")


def test_normalise_reads_placeholders_and_redaction_markers_alike():
    assert normalise("hetu {NATIONAL_ID}, posti {EMAIL}", "fi") == normalise(
        "hetu [id], posti [email]", "fi"
    )
    assert "pdid" in normalise("CPR [id]", "da").split()


def test_only_sentences_written_in_capitals_are_lower_cased():
    assert unshouted("KOULUILMOITTAUTUMINEN EI AUKEA TAAS") == "kouluilmoittautuminen ei aukea taas"
    mixed = "MIKSI PDF EI KELPAA?? Ohjeissa lukee että PDF käy. FIKS DETTE."
    assert unshouted(mixed) == "miksi pdf ei kelpaa?? Ohjeissa lukee että PDF käy. fiks dette."
    assert unshouted("EI TOIMI") == "ei toimi"
    # Acronyms in an ordinary sentence, a code and a short answer are left as written.
    for text in ("Upload the PDF and IBAN to the SFO form.", "Error 0x1F", "OK."):
        assert unshouted(text) == text


def test_a_shouted_report_reads_as_its_words_do_to_the_encoder():
    """The encoder is case-sensitive; what it is given of a shouted report is the report in
    lower case, and personal-data markers are left out before capitals are counted."""
    assert engine_text("JOBCENTRETS SELVBETJENING ER NEDE IGEN!!!") == engine_text(
        "jobcentrets selvbetjening er nede igen!!!"
    )
    assert engine_text("Mvh {NAME}") == "Mvh  "


def test_normalise_splits_hyphenated_compounds_and_drops_apostrophes():
    assert normalise("SFO-søknad", "nb") == normalise("SFO søknad", "nb")
    assert normalise("doesn't", "en") == "doesnt"


# --- language ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Lomakkeen lähettäminen ei onnistu, sivu jää lataamaan ikuisesti.", "fi"),
        ("Jag kan inte logga in i e-tjänsten, den skickar mig tillbaka hela tiden.", "sv"),
        ("Jeg kan ikke finde ud af at uploade min lønseddel, siden melder fejl hver gang.", "da"),
        ("Jeg får ikke lastet opp vedlegget, skjemaet bare henger seg opp hver gang.", "nb"),
        ("The payment page crashes every time I try to renew the permit.", "en"),
    ],
)
def test_detect_language_on_new_sentences(text, language):
    detected, confidence = detect_language(text)
    assert detected == language
    assert 0.0 < confidence <= 1.0


def test_detect_language_falls_back_to_the_hint_when_danish_and_norwegian_are_close():
    text = "Det er ikke godt nok"  # the same words in Danish and Norwegian
    assert detect_language(text, hint="da")[0] == "da"
    assert detect_language(text, hint="nb")[0] == "nb"


def test_detect_language_ignores_a_hint_when_the_text_is_clear():
    assert detect_language("The calendar shows the wrong times again.", hint="fi")[0] == "en"


def test_detect_language_without_letters_returns_the_hint_with_no_confidence():
    assert detect_language("12 345 {PHONE}", hint="sv") == ("sv", 0.0)


def test_danish_and_norwegian_spellings_decide_between_them():
    assert danish_or_norwegian("De tok seg god tid med meg") == "nb"
    assert danish_or_norwegian("De tog sig god tid med mig") == "da"
    assert danish_or_norwegian("Det er fint") is None


def test_importing_the_package_loads_neither_lingua_nor_scikit_learn():
    code = (
        "import sys; from app.services.analysis import normalise, match_rules, KeywordRule;"
        "normalise('Hei', 'fi'); print('lingua' in sys.modules, 'sklearn' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


# --- cues ----------------------------------------------------------------------------------


def test_cue_lists_mark_failures_and_scepticism_in_each_language():
    assert "cuefailure" in cue_tokens("Maksu ei toimi", "fi")
    assert "cuefailure" in cue_tokens("Appen fungerar inte", "sv")
    assert "cuefailure" in cue_tokens("Siden virker ikke", "da")
    assert "cuefailure" in cue_tokens("Innloggingen fungerer ikke", "nb")
    assert "cuefailure" in cue_tokens("The map doesn't work", "en")
    assert "cueerrorcode" in cue_tokens("Tulee virhe 503", "fi")
    assert "cuesceptic" in cue_tokens("Toimi nyt, saa nähdä huomenna", "fi")
    assert "cuesceptic" in cue_tokens("Det gick till slut, vi får se", "sv")
    assert cue_tokens("Bra jobbat", "sv") == ["cuethanks"]


# --- keyword rules -------------------------------------------------------------------------

RULES = [
    KeywordRule("building-permit", "fi", ("rakennuslupa",), 100, "URB"),
    KeywordRule("building-permit", "sv", ("bygglov",), 100, "URB"),
    KeywordRule("daycare-application", "nb", ("søknad om barnehageplass",), 100, "EDU"),
    KeywordRule("e-identification", None, ("bankid",), 50, "DIG"),
]


@pytest.mark.parametrize(
    ("text", "language", "eservice"),
    [
        ("Rakennusluvasta ei ole kuulunut mitään", "fi", "building-permit"),
        ("Rakennuslupahakemuksen liite katosi", "fi", "building-permit"),
        ("Rakennusluvan käsittely kestää", "fi", "building-permit"),
        ("Min bygglovsansökan har fastnat", "sv", "building-permit"),
        ("Soknaden om barnehageplassen forsvant", "nb", "daycare-application"),
        ("BankID-innloggingen feiler", "nb", "e-identification"),
        ("Ingen BankID", "sv", "e-identification"),
    ],
)
def test_rules_match_inflected_and_compound_forms(text, language, eservice):
    rule = match_rules(text, language, RULES)
    assert rule is not None and rule.eservice == eservice


def test_a_rule_for_one_language_does_not_fire_in_another():
    assert match_rules("Rakennuslupa", "sv", RULES) is None
    assert match_rules("Kirjaston sivu on hidas", "fi", RULES) is None


def test_the_higher_priority_wins_and_explain_shows_every_rule_and_phrase():
    text = "Bygglov: inloggningen med BankID fungerar inte"
    assert match_rules(text, "sv", RULES).eservice == "building-permit"
    matches = explain_rules(text, "sv", RULES)
    assert [(m.rule.eservice, m.phrase) for m in matches] == [
        ("building-permit", "bygglov"),
        ("e-identification", "bankid"),
    ]
    low = [KeywordRule("building-permit", "sv", ("bygglov",), 10, "URB"), RULES[3]]
    assert match_rules(text, "sv", low).eservice == "e-identification"


def test_short_phrase_words_match_whole_words_only():
    rules = [KeywordRule("school-enrolment", None, ("sfo",), 100, "EDU")]
    assert match_rules("SFO-søknaden", "nb", rules) is not None
    assert match_rules("sfotball", "nb", rules) is None


def test_a_rule_needs_an_eservice_or_a_department():
    with pytest.raises(ValueError):
        KeywordRule(None, "fi", ("jotain",), 10, None)


def test_seed_rules_from_the_catalog_cover_every_eservice_in_every_language():
    catalog = default_catalog(with_vocabulary=False)
    rules = rules_from_catalog(catalog)
    assert {(r.eservice, r.language) for r in rules} == {
        (code, language)
        for code in catalog.eservices
        for language in ("fi", "sv", "da", "nb", "en")
    }
    assert match_rules("Puunkaatolupahakemukseni on jumissa", "fi", rules).eservice == (
        "tree-felling-permit"
    )


@pytest.mark.parametrize(
    ("text", "language", "eservice"),
    [
        # Citizens name how they log in while reporting a fault of another e-service.
        ("Logget inn med BankID, men jobbsøkersiden gir feil 401", "nb", "employment-services"),
        ("Jag loggar in med mobilt BankID och sen är bygglovsansökan tom", "sv", "building-permit"),
        # The e-identification's Danish name, "Log ind med MitID", says no more than that.
        ("Logger ind med MitID, men mine jobsøgninger er tomme", "da", "employment-services"),
        # Alone, the means of logging in still names the e-identification.
        ("BankID-innloggingen feiler hver gang", "nb", "e-identification"),
        ("MitID virker ikke i dag", "da", "e-identification"),
        ("Log ind med MitID giver en fejl i dag", "da", "e-identification"),
    ],
)
def test_the_means_of_logging_in_loses_to_the_eservice_it_was_used_for(text, language, eservice):
    # What routes: the best rule, unless a rival of its priority names another e-service.
    match = deciding_match(explain_rules(text, language, rules_from_catalog(default_catalog())))
    assert match is not None and match.rule.eservice == eservice


def test_a_weak_word_gives_way_to_a_model_sure_of_another_eservice(models):
    # "Website" is the city website's weak word; these reports are about the library account.
    for text, language in [
        ("The library website is down, I cannot renew my loans or reserve books.", "en"),
        ("Kirjaston verkkosivut eivät toimi, en pysty uusimaan lainojani.", "fi"),
    ]:
        routed = models.predict(text, language, embedding=embed(text))["eservice"]
        assert (routed.value, routed.method) == ("library-account", "model")
    # Alone, the weak word still routes by its rule.
    text = "The website is down since this morning."
    routed = models.predict(text, "en", embedding=embed(text))["eservice"]
    assert (routed.value, routed.method) == ("city-website", "rule")
    # An admin's rule is a decision, however low its priority.
    text = "The library website is down, I cannot renew my loans or reserve books."
    admins = [KeywordRule("city-website", "en", ("website",), priority=1)]
    routed = models.predict(text, "en", rules=admins, embedding=embed(text))["eservice"]
    assert (routed.value, routed.method) == ("city-website", "rule")


def test_a_rule_set_gives_the_same_answer_as_the_list():
    rule_set = RuleSet(RULES)
    for text, language in [("Rakennusluvasta", "fi"), ("bankid", "da"), ("ei mitään", "fi")]:
        assert match_rules(text, language, rule_set) == match_rules(text, language, RULES)


def test_a_longer_phrase_that_spans_its_rivals_words_decides(models):
    # "school enrolment" fires inside "pre-school enrolment", "børnehave" inside
    # "børnehaveklasse": the longer phrase names the service, not a tie for the model.
    # Supplementary early childhood education is asked for in the pre-school enrolment.
    for text, language in [
        ("The pre-school enrolment form rejects our address.", "en"),
        ("Kvitteringen for børnehaveklassen kom aldrig.", "da"),
        ("Täydentävän varhaiskasvatuksen tunnit katoavat lomakkeelta.", "fi"),
        ("Tiderna för kompletterande småbarnspedagogik försvinner ur formuläret.", "sv"),
    ]:
        result = models.predict(text, language)
        assert (result["eservice"].value, result["eservice"].method) == (
            "preschool-enrolment",
            "rule",
        )
    # Rules of one priority at different words still leave it to the model.
    rules = RuleSet(rules_from_catalog(models.catalog))
    words = normalise("Skolebussen kører ikke forbi SFO i dag", "da").split()
    assert deciding_match(rules.matches(words, "da")) is None


def test_no_shipped_keyword_routes_most_of_its_items_elsewhere():
    # A keyword stemmed to a common word ("koulutaksi" to "koulut", schools; "ledighed" to
    # "led") sends other services' items to its own. On the shipped labelled history, a
    # phrase that decides the route of at least 8 items decides at least half of them right.
    rules = RuleSet(rules_from_catalog(default_catalog()))
    decided: dict[tuple[str | None, str], list[bool]] = {}
    for path in (*SHIPPED_FEEDBACK_PATHS, *GROUPING_FEEDBACK_PATHS):
        for item in load_labelled(path):
            words = normalise(item.text, item.language).split()
            match = deciding_match(rules.matches(words, item.language))
            if match is not None:
                key = (match.rule.eservice, f"{match.rule.language}: {match.phrase}")
                decided.setdefault(key, []).append(item.eservice == match.rule.eservice)
    wrong = {
        key: f"{sum(right)}/{len(right)}"
        for key, right in decided.items()
        if len(right) >= 8 and sum(right) < len(right) / 2
    }
    assert wrong == {}


def test_an_agents_logged_fault_report_is_no_street_fault():
    # Agents end notes about any service with "kirjattu vikailmoitus" (a fault report logged);
    # a street fault report is a "katuvikailmoitus".
    rules = RuleSet(rules_from_catalog(default_catalog()))

    def services(text: str) -> set[str | None]:
        return {match.rule.eservice for match in explain_rules(text, "fi", rules)}

    assert "street-maintenance" not in services(
        "Asiakas soitti, liite ei mene läpi. Kirjattu vikailmoitus."
    )
    assert "street-maintenance" in services("Tein katuvikailmoituksen kuopasta viikko sitten.")


# --- catalog -------------------------------------------------------------------------------


def test_catalog_reads_the_catalog_file_shape_and_merges_vocabulary():
    data = json.loads((ROOT / "app" / "data" / "demo_catalog.json").read_text(encoding="utf-8"))
    catalog = Catalog.from_dict(data)
    assert catalog.department_of("school-transport") == "EDU"
    assert catalog.department_of("no-such-service") is None
    assert catalog.eservices["parking-permit"]["names"]["sv"] == "Boendeparkeringstillstånd"
    merged = catalog.with_keywords({"eservices": {"parking-permit": {"fi": ["p-tunnus"]}}})
    assert merged.eservices["parking-permit"]["keywords"]["fi"] == ["p-tunnus"]
    assert "fi" not in catalog.eservices["parking-permit"]["keywords"]  # a copy
    assert Catalog.from_dict(merged.to_dict()) == merged


# --- models and routing --------------------------------------------------------------------


def test_predict_gives_every_field_with_confidences(models):
    result = models.predict("Sivu kaatuu aina kun yritän maksaa asukaspysäköinnin.", "fi")
    assert set(result) == {"sentiment", "kind", "about_digital", "eservice", "department"}
    assert result["sentiment"].value in {"positive", "negative", "neutral"}
    assert result["kind"].value in {"complaint", "suggestion", "praise", "question", "outage"}
    assert result["about_digital"].value in {"true", "false"}
    assert all(0.0 <= p.confidence <= 1.0 for p in result.values())
    assert result["eservice"].value == "parking-permit"
    assert result["department"].value == "URB"


def test_a_question_that_may_well_report_a_fault_is_taken_for_the_fault(models):
    asked = {"question": 0.55, "complaint": 0.3, "outage": 0.12, "praise": 0.03}
    assert models._fault_or_question(asked) == Prediction("complaint", 0.3)
    down = {"question": 0.5, "complaint": 0.1, "outage": 0.35, "praise": 0.05}
    assert models._fault_or_question(down) == Prediction("outage", 0.35)
    plain = {"question": 0.6, "complaint": 0.25, "outage": 0.05, "praise": 0.1}
    assert models._fault_or_question(plain) == Prediction("question", 0.6)
    never = models.with_settings(question_fault_share=1.1)
    assert never._fault_or_question(asked) == Prediction("question", 0.55)


def test_explicit_eservice_wins_over_rules_and_model(models):
    result = models.predict("Bygglovet syns inte", "sv", eservice="library-account")
    assert result["eservice"].value == "library-account"
    assert result["department"].value == "CUL"
    assert result["department"].method == "explicit"


def test_rules_route_before_the_classifier(models):
    result = models.predict("Bygglovet syns inte i e-tjänsten", "sv")
    assert (result["eservice"].value, result["department"].value) == ("building-permit", "URB")
    assert result["department"].method == "rule"
    admin = [KeywordRule("sports-booking", "sv", ("syns inte",), 100, None)]
    overridden = models.predict("Bygglovet syns inte i e-tjänsten", "sv", rules=admin)
    assert overridden["eservice"].value == "sports-booking"
    assert overridden["department"].value == "CUL"  # from the catalog


def test_below_the_threshold_the_item_goes_to_triage(models):
    text = "Det här var inte alls vad jag hade tänkt mig."  # no service named
    unsure = models.predict(text, "sv", threshold=1.01, eservice_threshold=1.01)
    assert unsure["department"].value is None
    assert unsure["eservice"].value is None
    assert unsure["department"].method == "triage"
    sure = models.predict(text, "sv", threshold=0.0)
    assert sure["department"].value is not None
    assert sure["department"].method == "model"


def test_a_likely_eservice_routes_below_the_departments_threshold(models):
    text = "Tree location pin keeps jumping back to the city centre when I save."  # no rule
    assert explain_rules(text, "en", models.rules) == []
    result = models.predict(text, "en", threshold=1.01, eservice_threshold=0.0)
    assert result["eservice"].method == "model"
    assert result["department"].value == models.catalog.department_of(result["eservice"].value)
    assert (
        models.predict(text, "en", threshold=1.01, eservice_threshold=1.01)["department"].value
        is None
    )


@pytest.mark.parametrize(
    ("text", "language"), [("Se ei toimi.", "fi"), ("Virker ikke", "da"), ("x", "en")]
)
def test_a_few_words_that_name_nothing_wait_in_triage(models, text, language):
    result = models.predict(
        text, language, threshold=0.0, eservice_threshold=0.0, embedding=embed(text)
    )
    assert result["department"].value is None and result["department"].method == "triage"


def test_the_embedding_view_decides_what_the_words_cannot():
    # The same words for every item: only the embedding tells the sentiments apart.
    directions = {"positive": np.eye(8, dtype=np.float32)[0], "negative": np.eye(8)[1]}
    noise = np.random.default_rng(0).normal(0, 0.1, (20, 8))
    items = [
        LabelledItem("the same words", "en", sentiment=sentiment, embedding=direction + shake)
        for (sentiment, direction), shake in zip(list(directions.items()) * 10, noise, strict=True)
    ]
    models = TextModels.train(items)
    for sentiment, direction in directions.items():
        seen = models.predict("the same words", "en", embedding=direction)["sentiment"]
        # The text model says 0.5; with the embedding's weight 0.6 the blend reaches 0.8 at most.
        assert seen.value == sentiment and seen.confidence > 0.75
    # Without an embedding, or with the view turned off, the text model decides alone.
    assert models.predict("the same words", "en")["sentiment"].confidence < 0.6
    text_only = models.with_settings(embedding_weights=())
    blind = text_only.predict("the same words", "en", embedding=directions["positive"])
    assert blind["sentiment"].confidence < 0.6


def test_models_stored_before_the_embedding_view_route_as_they_did(models):
    old = copy.copy(models)
    del old.__dict__["embedding_classifiers"]
    restored = TextModels.loads(old.dumps())
    assert restored.embedding_classifiers == {}
    assert restored.settings.eservice_threshold == restored.settings.threshold


def test_every_shipped_item_has_its_shipped_embedding():
    items = load_seed_items()
    assert all(item.embedding is not None and item.embedding.shape == (384,) for item in items)
    # The engine's arithmetic differs by CPU (its SIMD paths) in the fourth decimal of a
    # component; what the models use is the direction: 0.99995 on a Xeon for AMD's vectors.
    for item in items[:20]:
        assert float(np.dot(item.embedding, embed(item.text))) > 0.999


def test_a_rule_still_routes_above_any_threshold(models):
    result = models.predict("Skolskjutsen kom aldrig", "sv", threshold=1.01)
    assert result["department"].value == "EDU"


def test_the_fast_feature_row_equals_the_vectorisers_transform(models):
    features = models.features
    for text, language in [
        ("Kiitos, hakemus oli selkeä!", "fi"),
        ("Kan ikke logge ind med MitID, fejl 500", "da"),
        ("zzz qqq", "en"),
    ]:
        prepared = features.prepare(text, language)
        slow = features.transform([prepared]).toarray()
        fast = features.row(prepared[0], prepared[1], prepared[2]).toarray()
        np.testing.assert_allclose(fast, slow, atol=1e-6)


def test_persistence_round_trip_gives_the_same_predictions(models):
    restored = TextModels.loads(models.dumps())
    for text, language in [
        ("Päiväkotihakemuksen liite ei lataudu", "fi"),
        ("Too many clicks to find the opening hours", "en"),
    ]:
        assert restored.predict(text, language) == models.predict(text, language)


def test_loads_refuses_a_blob_of_another_format():
    import pickle

    with pytest.raises(ValueError):
        TextModels.loads(pickle.dumps((99, None)))


def test_training_without_a_catalog_learns_the_departments_from_the_items():
    items = [
        LabelledItem("Bygglovet dröjer", "sv", "building-permit", "URB", "negative"),
        LabelledItem("Bygglovsansökan fastnar", "sv", "building-permit", "URB", "negative"),
        LabelledItem("Biblioteket är toppen", "sv", None, "CUL", "positive"),
        LabelledItem("Lånekortet fungerar fint", "sv", "library-account", "CUL", "positive"),
    ]
    models = TextModels.train(items)
    assert models.catalog.department_of("building-permit") == "URB"
    result = models.predict("Bygglovet dröjer igen och ingen svarar", "sv", threshold=0.0)
    assert result["department"].value == "URB"
    assert "kind" not in result  # no item was labelled with a kind


def test_analyse_feedback_runs_the_whole_item(models):
    analysis = analyse_feedback(
        "Kunden ringde, kan inte ladda upp läkarintyget i ansökan om sjukpenning. [phone]",
        models,
    )
    assert analysis.language == "sv"
    assert analysis.department.value == "SOC"
    assert analysis.eservice.value == "sickness-benefit"
    assert analysis.sentiment.value == "negative"
    assert analysis.is_digital and analysis.routed
    assert "pdphone" in analysis.normalised.split()


# New items in the spirit of the seed history (not taken from it): a check that the shipped
# vocabulary and cues carry over to sentences the models have never seen.
NEW_ITEMS = [
    ("Varhaiskasvatuspaikan haku jumittuu maksutietojen kohdalla.", "EDU", "negative"),
    ("Kiitos, muuttoilmoitus meni läpi parissa minuutissa!", "CIT", "positive"),
    ("Asiakas kysyi, milloin uimahalli avataan remontin jälkeen.", "CUL", "neutral"),
    ("Kan man få skolskjuts om vägen till skolan saknar trottoar?", "EDU", "neutral"),
    ("Hjälpmedelsansökan går inte att skicka, knappen är grå.", "SOC", "negative"),
    ("Tack för snabb hantering av serveringstillståndet!", "BUS", "positive"),
    ("Ansøgning om skolekørsel: adressen findes ikke i listen.", "EDU", "negative"),
    ("Borger ringede, kunne ikke logge ind med MitID på selvbetjeningen i dag.", "DIG", "negative"),
    ("Beboerparkering blev trukket to gange på mit kort.", "URB", "negative"),
    ("Søknaden om byggetillatelse har stått som mottatt i to måneder.", "URB", "negative"),
    ("Veldig greit å booke idrettshall på nett nå. Takk!", "CUL", "positive"),
    ("Innbygger ringte og spurte om frist for søknad om barnehageplass.", "EDU", "neutral"),
    ("The jobseeker portal logs me out every five minutes.", "BUS", "negative"),
    ("Could you add an option to renew library loans by text message?", "CUL", "neutral"),
    ("My wedding booking confirmation never arrived. Is the date confirmed?", "CIT", "negative"),
    ("Tree felling permit came through quickly, thank you.", "URB", "positive"),
]


def test_new_items_are_mostly_routed_to_the_right_department(models):
    routed = correct = 0
    for text, department, _ in NEW_ITEMS:
        result = analyse_feedback(text, models)
        if result.routed:
            routed += 1
            correct += result.department.value == department
    assert routed >= 0.85 * len(NEW_ITEMS)
    assert correct >= 0.85 * routed


def test_new_items_mostly_get_the_right_sentiment(models):
    truth = [sentiment for _, _, sentiment in NEW_ITEMS]
    predicted = [analyse_feedback(text, models).sentiment.value for text, _, _ in NEW_ITEMS]
    assert macro_f1(truth, predicted) >= 0.7


# --- evaluation ----------------------------------------------------------------------------


def test_the_shipped_history_is_the_dev_history_and_each_writers_training_file():
    counts = [len(load_seed_items((path,))) for path in SHIPPED_FEEDBACK_PATHS]
    assert SHIPPED_FEEDBACK_PATHS == (SEED_FEEDBACK_PATH, *TRAIN_FEEDBACK_PATHS)
    assert counts[0] == 214 and min(counts[1:]) >= 300
    assert len(load_seed_items()) == sum(counts)


def test_training_files_are_labelled_like_the_dev_history_and_share_nothing_with_the_blind_set():
    catalog = default_catalog()
    blind = [
        json.loads(line)
        for path in sorted((ROOT / "bench" / "data").glob("blind_feedback*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]

    # Words only: one writer's "Olisi kätevää jos …" is another's "Olisi kätevää, jos …".
    def words(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.lower()))

    blind_texts, blind_ids = {words(row["text"]) for row in blind}, {row["id"] for row in blind}
    # The files only grouping learns from, held to the same labels.
    for path in (*TRAIN_FEEDBACK_PATHS, *GROUPING_FEEDBACK_PATHS):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert words(row["text"]) not in blind_texts and row["id"] not in blind_ids
            assert row["kind"] in KINDS and row["sentiment"] in SENTIMENTS
            assert isinstance(row["about_digital"], bool)
            # As the dev history reads sentiment: a report of a fault is negative, however
            # calmly told (an agent's note of a call too); only a survey comment that weighs
            # it against what worked may be neutral.
            if path in TRAIN_FEEDBACK_PATHS and row["kind"] in ("complaint", "outage"):
                calm = row["sentiment"] == "neutral" and row["channel"] != "survey_comment"
                assert row["sentiment"] != "positive" and not calm, row["id"]
            if row["eservice"] is not None:
                assert catalog.department_of(row["eservice"]) == row["department"]
            # Personal data only as the placeholders that normalisation reads as tokens (a
            # citizen quoting a broken message template, "Hei {{patron.first_name}}", is not).
            quoted_templates = re.sub(r"\{\{[^{}]*\}\}", "", row["text"])
            assert "{" not in without_personal_data(quoted_templates)


def test_fold_indices_partition_the_items_and_keep_groups_together():
    groups = ["a", "a", None, "b", "b", "b", None, None, "c", None]
    folds = fold_indices(len(groups), 3, seed=1, groups=groups)
    assert sorted(i for fold in folds for i in fold) == list(range(len(groups)))
    for group in ("a", "b", "c"):
        members = [i for i, g in enumerate(groups) if g == group]
        assert sum(any(i in fold for i in members) for fold in folds) == 1


def test_evaluate_trains_each_fold_only_on_the_other_folds(monkeypatch):
    items = load_seed_items((SEED_FEEDBACK_PATH,))[:30]
    seen: list[set[str]] = []
    original = TextModels.train.__func__

    def recording_train(cls, training, catalog=None, settings=None):
        seen.append({item.text for item in training})
        return original(cls, training, catalog, settings)

    monkeypatch.setattr(evaluation_module.TextModels, "train", classmethod(recording_train))
    evaluate(items, folds=3, catalog=default_catalog())
    assert len(seen) == 3
    for training in seen:
        assert len(training) == 20  # 30 items, a third held out each time
    # Each item was held out exactly once: missing from exactly one training set.
    for item in items:
        assert sum(item.text not in training for training in seen) == 1


def test_evaluate_on_a_small_set_returns_sane_numbers():
    items = load_seed_items((SEED_FEEDBACK_PATH,))[::3]  # 72 items in all five languages
    report = evaluate(items, folds=3, catalog=default_catalog())
    assert report.items == len(items) and report.folds == 3
    assert report.language_accuracy >= 0.95
    assert report.routed_share + report.triage_share == pytest.approx(1.0)
    assert report.department_accuracy >= 0.7
    assert 0.4 <= report.sentiment_macro_f1 <= 1.0
    for value in (report.kind_accuracy, report.about_digital_accuracy, report.eservice_accuracy):
        assert 0.3 <= value <= 1.0
    assert sum(report.methods.values()) == len(items)
    assert set(report.per_language) == {"fi", "sv", "da", "nb", "en"}
    assert "department accuracy" in report.format()


def test_macro_f1_averages_over_the_true_labels():
    assert macro_f1(["a", "a", "b"], ["a", "a", "b"]) == 1.0
    assert macro_f1(["a", "b"], ["a", "a"]) == pytest.approx((2 / 3 + 0.0) / 2)


def test_evaluate_refuses_fewer_items_than_folds():
    with pytest.raises(ValueError):
        evaluate([LabelledItem("Hei", "fi")], folds=5)
