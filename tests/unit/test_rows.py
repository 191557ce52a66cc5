"""Insert, or find the one already there: a refused insert undoes only itself, on SQLite as
on PostgreSQL, and what is inserted stays the caller's to commit or roll back."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import WebhookDelivery
from app.services.rows import added, insert_or_find


def delivery(identifier: str) -> WebhookDelivery:
    return WebhookDelivery(source="jira", identifier=identifier)


def stored(identifier: str) -> WebhookDelivery | None:
    return db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.identifier == identifier)
    ).first()


def identifiers() -> list[str]:
    return sorted(db.session.scalars(select(WebhookDelivery.identifier)))


def test_a_refused_insert_finds_the_stored_row_and_keeps_the_callers_others(app):
    db.session.add(delivery("first"))
    db.session.commit()
    db.session.add(delivery("the caller's"))

    row, created = insert_or_find(lambda: added(delivery("first")), lambda: stored("first"))

    assert not created
    assert row is stored("first")
    db.session.commit()
    assert identifiers() == ["first", "the caller's"]


def test_an_inserted_row_is_the_callers_to_roll_back(app):
    assert identifiers() == []  # the transaction has read, but not yet written
    row, created = insert_or_find(lambda: added(delivery("new")), lambda: stored("new"))
    assert created
    assert row.id is not None
    db.session.rollback()
    assert identifiers() == []


def test_a_refusal_with_nothing_to_find_is_raised(app):
    db.session.add(delivery("first"))
    db.session.commit()
    with pytest.raises(IntegrityError):
        insert_or_find(lambda: added(delivery("first")), lambda: None)
    db.session.add(delivery("second"))  # the session is still usable
    db.session.commit()
    assert identifiers() == ["first", "second"]
