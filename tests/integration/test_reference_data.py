"""Reference data (catalog, routing rules, glossary, trained models) is kept per process and
read again only when a writer changed it: one round trip per transaction while it is
unchanged, and any change, by this process or another, seen by the next transaction."""

from __future__ import annotations

from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import EService, GlossaryEntry, ReferenceData, RoutingRule
from app.services.glossary import extra_words
from app.services.reference_data import current_token
from app.services.understanding import (
    catalog_snapshot,
    current_models,
    current_pair_scorer,
    routing_rules,
)
from tests.support.factories import eservice, reported_problem
from tests.support.statements import transactions


def read_everything() -> None:
    catalog_snapshot(), current_models(), routing_rules(), extra_words(), current_pair_scorer()


def rule_sources() -> set[str]:
    return {rule.name for rule in routing_rules() if rule.name.startswith("rule:")}


def test_unchanged_reference_data_costs_one_round_trip_per_transaction(app):
    read_everything()
    db.session.commit()

    sent = transactions(lambda: (read_everything(), read_everything()))

    assert sent == [["SELECT reference_data.token FROM reference_data"]]


def test_a_change_another_process_commits_is_read_by_the_next_transaction(app):
    daycare_id = eservice("daycare-application").id
    assert rule_sources() == set()
    with Session(db.engine) as other:  # a staff site's request in another process
        rule = RoutingRule(eservice_id=daycare_id, language="fi", phrases=["päiväkotipaikka"])
        other.add(rule)
        other.commit()
        rule_id = rule.id

    assert rule_sources() == set()  # this transaction keeps reading what it began with
    db.session.commit()
    assert rule_sources() == {f"rule:{rule_id}"}


def test_processing_items_changes_no_reference_data(app):
    before = current_token()
    db.session.commit()
    # Each opens or joins a ticket of the department and e-service, so both rows gain
    # tickets and items without a change of their own.
    for n, report in enumerate(["Liitteen lataus pysähtyy aina.", "Liitteen lataus jumittaa."]):
        reported_problem(report, "daycare-application", language="fi", source_ref=f"call-{n}")

    assert current_token() == before


def test_a_statement_that_changes_rows_without_a_flush_is_seen_too(app):
    assert "daycare-application" in catalog_snapshot().catalog.eservices
    db.session.execute(
        update(EService).where(EService.code == "daycare-application").values(active=False)
    )
    db.session.commit()

    assert "daycare-application" not in catalog_snapshot().catalog.eservices


def test_a_change_rolled_back_leaves_nothing_kept(app):
    assert extra_words() == ()
    db.session.commit()
    db.session.add(GlossaryEntry(part="attachment", language="fi", words=["liitetiedosto"]))

    assert [entry.words for entry in extra_words()] == [("liitetiedosto",)]  # its own change
    db.session.rollback()
    assert extra_words() == ()


def test_without_the_token_nothing_is_kept(app):
    db.session.execute(delete(ReferenceData))
    db.session.commit()
    assert extra_words() == ()
    # Written past the ORM, so no token is written: only a read of the table sees it.
    db.session.execute(
        text(
            "INSERT INTO glossary_entry (part, language, words, active, created_at, updated_at)"
            " VALUES ('attachment', 'sv', '[\"bilaga\"]', true, :now, :now)"
        ),
        {"now": "2026-12-06 12:00:00+00:00"},
    )
    db.session.commit()

    assert current_token() is None
    assert [entry.words for entry in extra_words()] == [("bilaga",)]
