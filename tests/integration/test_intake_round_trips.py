"""What intake asks the database for one new item, and a repeat that costs no row: the
round trips are most of an intake request's time (bench/results/intake.md)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Contact
from app.services.intake import ContactDetails, Submission, submit_feedback


def statements_until_commit(action: Callable[[], object]) -> list[str]:
    """The statements ``action`` sends before its first commit, each as its first words."""
    engine = db.session.get_bind()
    sent: list[str] = []
    committed: list[bool] = []

    def before(conn, cursor, statement, *args: object) -> None:  # noqa: ANN001
        if not committed:
            sent.append(" ".join(statement.split()[:4]))

    def commit(conn) -> None:  # noqa: ANN001
        committed.append(True)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", commit)
    return sent


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
