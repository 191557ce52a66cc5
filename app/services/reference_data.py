"""Reference data every processed item reads (the catalog, the routing rules, the glossary,
the trained models), kept per process while it is unchanged.

Reading each of them for every item cost five round trips and the catalog's fingerprint
(bench/results/processing.md). Instead, every ORM write to their tables also writes a new
random token into ``reference_data``, in the writer's own transaction, so the token and the
change become visible together. A reader compares the committed token with the one its copy
was made under, once per transaction, and reads again only when they differ.

The token is random, not a counter, so that a token never comes back: a rolled-back write
leaves a copy under a token nobody will read, and a database emptied and filled again (the
tests do it between tests) never matches a copy of what was there before. Without the row
nothing is kept and every read goes to the database.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from itertools import chain
from typing import TypeVar

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from app.extensions import db
from app.models import (
    Department,
    EService,
    GlossaryEntry,
    ReferenceData,
    RoutingRule,
    TrainedModel,
)
from app.services.rows import insert_with_conflicts

# The tables whose rows the kept readers read (app/services/understanding.py, glossary.py).
REFERENCE_MODELS: tuple[type, ...] = (
    Department,
    EService,
    RoutingRule,
    GlossaryEntry,
    TrainedModel,
)
_TOKEN = "reference_data_token"  # session.info: the token read in the current transaction

Value = TypeVar("Value")
_kept: dict[str, tuple[str, object]] = {}  # reader -> (token, what it read under it)


def track_reference_changes() -> None:
    """Write a new token with every change to reference data (once per process, however many
    apps are made)."""
    if not event.contains(Session, "before_flush", _note_flushed_changes):
        event.listen(Session, "before_flush", _note_flushed_changes)
        event.listen(Session, "do_orm_execute", _note_bulk_changes)
        event.listen(Session, "after_transaction_end", _forget_token)


def kept_while_unchanged(read: Callable[[], Value]) -> Callable[[], Value]:
    """Declare ``read`` a reader of reference data only: what it returns is kept and shared
    by the process's callers until the reference data changes, so it must not be changed
    by them."""
    name = f"{read.__module__}.{read.__qualname__}"

    @functools.wraps(read)
    def kept() -> Value:
        token = current_token()
        copy = _kept.get(name)
        if token is not None and copy is not None and copy[0] == token:
            return copy[1]  # type: ignore[return-value]
        value = read()
        if token is not None:
            _kept[name] = (token, value)
        return value

    return kept


def current_token() -> str | None:
    """The committed token, read once per transaction (None: the row is missing)."""
    session = db.session()
    if _TOKEN not in session.info:
        if _changes_reference_data(chain(session.new, session.dirty, session.deleted), session):
            session.flush()  # the token of what this transaction is about to read
        with session.no_autoflush:  # the item being processed is written once, later
            token = session.scalar(select(ReferenceData.token).where(ReferenceData.id == 1))
        session.info[_TOKEN] = token
    return session.info[_TOKEN]


def _changes_reference_data(instances: Iterable[object], session: Session) -> bool:
    # Changed by its own columns only: were a list of other rows (its tickets, say) added to
    # one of these models, its growing must not make every process read everything again.
    return any(
        isinstance(instance, REFERENCE_MODELS)
        and (
            instance not in session.dirty
            or session.is_modified(instance, include_collections=False)
        )
        for instance in instances
    )


def _new_token(session: Session) -> None:
    token = uuid.uuid4().hex
    session.execute(
        insert_with_conflicts(ReferenceData, session)
        .values(id=1, token=token)
        .on_conflict_do_update(index_elements=["id"], set_={"token": token})
    )
    session.info.pop(_TOKEN, None)


def _note_flushed_changes(session: Session, flush_context: object, instances: object) -> None:
    if _changes_reference_data(chain(session.new, session.dirty, session.deleted), session):
        _new_token(session)


def _note_bulk_changes(state: ORMExecuteState) -> None:
    # update(EService)…, delete(RoutingRule)…: statements that change rows without a flush.
    # Every SELECT passes here too: it is told apart first, before its mapper is looked up.
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, REFERENCE_MODELS):
        _new_token(state.session)


def _forget_token(session: Session, transaction: SessionTransaction) -> None:
    # Another transaction may see other reference data; a flush's own subtransaction ends
    # inside this one.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_TOKEN, None)
