"""An e-service looked up by code twice in one transaction (an intake request's validation,
then intake itself) costs one round trip; after the transaction a change is seen."""

from __future__ import annotations

from sqlalchemy import event, update

from app.extensions import db
from app.models import EService
from app.services.catalog import eservice_by_code


def statements_while(action) -> int:  # noqa: ANN001
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append("statement")

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_second_lookup_in_one_transaction_is_answered_from_the_session(app):
    first = eservice_by_code("daycare-application")

    assert statements_while(lambda: eservice_by_code("daycare-application")) == 0
    assert eservice_by_code("daycare-application") is first
    assert eservice_by_code("no-such-service") is None


def test_a_later_transaction_sees_the_catalog_changed(app):
    assert eservice_by_code("daycare-application").active
    db.session.commit()
    db.session.execute(
        update(EService).where(EService.code == "daycare-application").values(active=False)
    )
    db.session.commit()

    assert statements_while(lambda: eservice_by_code("daycare-application")) == 1
    assert not eservice_by_code("daycare-application").active
