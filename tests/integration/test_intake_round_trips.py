"""What intake and processing ask the database for one new item, and a repeat that costs no
row: the round trips are most of an intake request's time and much of a worker's
(bench/results/intake.md, bench/results/processing.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Contact, Feedback, TicketState
from app.services.intake import ContactDetails, Submission, submit_feedback
from tests.support.statements import transactions


def statements_until_commit(action: Callable[[], object]) -> list[str]:
    """The statements ``action`` sends before its first commit."""
    return transactions(action)[0]


def submission(source_ref: str) -> Submission:
    contact = ContactDetails(email="liisa@example.fi", name="Liisa", language="fi", consent=True)
    return Submission(
        text="Liitteen lataus pysähtyy.", channel="api", eservice="daycare-application",
        language="fi", source_ref=source_ref, contact=contact,
    )  # fmt: skip


def test_a_new_item_is_written_without_looking_for_it_first(app):
    sent = statements_until_commit(lambda: submit_feedback(submission("call-1")))

    reads = [statement for statement in sent if statement.startswith("SELECT")]
    assert len(reads) == 1 and "eservice" in reads[0]  # the e-service, looked up once
    writes = [statement.split()[2] for statement in sent if statement.startswith("INSERT")]
    assert sorted(writes) == sorted(
        ["stale_feedback_day", "contact", "consent_change", "feedback", "notice"]
    )


def test_a_repeat_answers_with_the_stored_item_and_keeps_none_of_its_rows(app):
    first = submit_feedback(submission("call-2"))
    again = submit_feedback(submission("call-2"))

    assert first.created and not again.created
    assert again.feedback.id == first.feedback.id
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1


@pytest.mark.parametrize("held", [False, True], ids=["released at once", "held for more"])
def test_processing_writes_the_item_and_the_group_it_starts_once(app, held):
    # Held: the group waits for a second report, so whether it is due is decided on arrival.
    app.config["TICKET_MIN_ITEMS"] = 2 if held else 1
    sent = transactions(lambda: submit_feedback(submission("call-3")))

    claim = next(n for n, statements in enumerate(sent) if any(
        statement.startswith("UPDATE feedback SET processing_attempts") for statement in statements
    ))  # fmt: skip
    processing = sent[claim + 1]
    assert sum(statement.startswith("UPDATE feedback") for statement in processing) == 1
    assert sum(statement.startswith("INSERT INTO ticket ") for statement in processing) == 1
    assert not [statement for statement in processing if statement.startswith("UPDATE ticket")]
    assert not [statement for statement in processing if "count(" in statement]
    item = db.session.scalars(select(Feedback).where(Feedback.source_ref == "call-3")).one()
    assert item.ticket is not None
    assert item.ticket.state == (TicketState.HELD if held else TicketState.OPEN)
