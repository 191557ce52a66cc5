"""The follow-up after a fix, reopening on "no", and honest outcomes: the service functions,
without HTTP (inline jobs, the built-in tracker, the file outbox)."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    Feedback,
    FollowupAnswer,
    LocalIssue,
    Notice,
    NoticeKind,
    NoticeState,
    ProblemReopening,
    Ticket,
    TicketOutcome,
)
from app.models.types import utcnow
from app.services.accounts import create_user
from app.services.followup import (
    mark_key_case,
    record_followup_answer,
    reopen_if_disputed,
    review_followups,
)
from app.services.insight import InsightFilter, key_figures
from app.services.intake import ContactDetails
from app.services.notices import deliver_notice, render_notice
from app.services.outcomes import OutcomeError, close_with_outcome, you_said_we_did
from app.services.subject_requests import export_subject
from app.services.tickets import set_local_status
from tests.support.factories import consenting, reported_problem, staff_user, submitted

TEXT = "The parking permit renewal fails at the payment step."


def report(ref: str, language: str = "en", email: str | None = None) -> Feedback:
    contact = ContactDetails(
        email=email or f"{ref}@example.org", name="Liisa Virtanen", language=language,
        consent=True,
    )  # fmt: skip
    return submitted(TEXT, "parking-permit", source_ref=ref, contact=contact)


def group_of(count: int, language: str = "en") -> tuple[Ticket, list[Feedback]]:
    items = [report(f"r{number}", language) for number in range(count)]
    ticket = items[0].ticket
    assert ticket is not None and ticket.key and all(i.ticket_id == ticket.id for i in items)
    return ticket, items


def notices(kind: str, occasion: str | None = None) -> list[Notice]:
    query = select(Notice).where(Notice.kind == kind)
    if occasion is not None:
        query = query.where(Notice.occasion == occasion)
    return list(db.session.scalars(query.order_by(Notice.id)))


def issue_of(ticket: Ticket) -> LocalIssue:
    return db.session.scalars(select(LocalIssue).where(LocalIssue.key == ticket.key)).one()


def department_mails(app) -> list:
    outbox = Path(app.config["OUTBOX_DIR"])
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*")]
    return [mail for mail in mails if mail["Message-ID"].startswith("<reopening-")]


@pytest.fixture
def handler(app):
    return staff_user("handler")


def test_a_fix_asks_in_its_notice_and_two_noes_reopen_the_group_once(app):
    ticket, items = group_of(3)
    set_local_status(ticket, "done")
    assert ticket.outcome == TicketOutcome.FIXED and ticket.round == 1
    (first, *_) = resolutions = notices(NoticeKind.RESOLUTION, "")
    assert len(resolutions) == 3
    text = render_notice(first).text
    assert "It has now been fixed." in text and "Did this fix it for you?" in text
    assert "No, it is not fixed: http://civicloop.test/followup/" in text
    assert "answer=no" in text and "lang=en" in text

    record_followup_answer(items[0], 1, "no", "Still fails. Call Liisa Virtanen on 040 123 4567")
    stored = db.session.scalars(select(FollowupAnswer)).one()
    assert stored.comment == "Still fails. Call [name] on [phone]"
    db.session.refresh(ticket)
    assert ticket.outcome == TicketOutcome.FIXED  # one "no" is below the threshold of two
    record_followup_answer(items[1], 1, "yes")
    record_followup_answer(items[2], 1, "no")

    db.session.refresh(ticket)
    assert (ticket.round, ticket.outcome, ticket.resolved_at) == (2, None, None)
    assert {item.status for item in db.session.scalars(select(Feedback))} == {"forwarded"}
    issue = issue_of(ticket)
    assert issue.status_category == "new"  # moved back to work
    (comment,) = [c["body"] for c in issue.comments if "Reopened" in c["body"]]
    assert '2 citizen(s) answered "no"' in comment
    assert "- Still fails. Call [name] on [phone]" in comment and "040" not in comment
    reopening = db.session.scalars(select(ProblemReopening)).one()
    assert (reopening.round, reopening.no_answers) == (1, 2)
    assert reopening.tracker_told_at and reopening.department_told_at
    (mail,) = department_mails(app)
    assert mail["To"] == "urb@example.org" and "2 " in mail.get_content()
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("problem_group.reopened") == 1 and actions.count("followup.answered") == 3

    # The same answers processed again reopen nothing and comment nothing.
    assert reopen_if_disputed(ticket.id) is None
    assert review_followups() == 0
    assert len([c for c in issue_of(ticket).comments if "Reopened" in c["body"]]) == 1

    # Fixed again: one new resolution notice per citizen, and a replay sends nothing more.
    set_local_status(ticket, "done")
    assert len(notices(NoticeKind.RESOLUTION, "round-2")) == 3
    set_local_status(ticket, "new")
    set_local_status(ticket, "done")
    assert len(notices(NoticeKind.RESOLUTION)) == 6
    second = notices(NoticeKind.RESOLUTION, "round-2")[0]
    assert "Did this fix it for you?" in render_notice(second).text


def test_one_no_from_a_key_case_is_enough(app, handler):
    ticket, items = group_of(2)
    mark_key_case(items[1], True, handler)
    set_local_status(ticket, "done")
    record_followup_answer(items[1], 1, "no")
    db.session.refresh(ticket)
    assert ticket.round == 2 and ticket.outcome is None
    reopening = db.session.scalars(select(ProblemReopening)).one()
    assert reopening.key_case and reopening.no_answers == 1
    (comment,) = [c["body"] for c in issue_of(ticket).comments if "Reopened" in c["body"]]
    assert "key case" in comment
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "feedback.key_case_marked")
        )
        == 1
    )


def test_a_second_answer_replaces_the_first_and_is_audited(app):
    ticket, (item,) = group_of(1)
    set_local_status(ticket, "done")
    record_followup_answer(item, 1, "no", "nope")
    record_followup_answer(item, 1, "yes", "works now")
    stored = db.session.scalars(select(FollowupAnswer)).one()
    assert (stored.answer, stored.comment) == ("yes", "works now")
    # The citizen's own data includes it (GDPR art. 15).
    (exported,) = export_subject("r0@example.org", None)["followup_answers"]
    assert (exported["item"], exported["answer"]) == (item.public_id, "yes")
    replaced = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "followup.answer_replaced")
    ).one()
    assert replaced.detail == {"round": 1, "before": "no", "after": "yes"}
    with pytest.raises(ValueError):
        record_followup_answer(item, 1, "maybe")


def test_a_delayed_follow_up_is_its_own_notice_sent_when_due(app):
    app.config["FOLLOWUP_DELAY_DAYS"] = 14
    ticket, (item,) = group_of(1, language="fi")
    set_local_status(ticket, "done")
    (resolution,) = notices(NoticeKind.RESOLUTION)
    assert "/followup/" not in render_notice(resolution).text
    (followup,) = notices(NoticeKind.FOLLOWUP)
    assert followup.state == NoticeState.PENDING
    waits = deliver_notice(followup.id)
    assert waits == pytest.approx(14 * 86400, abs=60)
    db.session.refresh(followup)
    assert (followup.state, followup.attempts) == (NoticeState.PENDING, 0)
    with time_machine.travel(utcnow() + timedelta(days=14, minutes=1)):
        assert deliver_notice(followup.id) is None
    db.session.refresh(followup)
    assert followup.state == NoticeState.SENT
    message = render_notice(followup)
    assert message.subject == "Korjasiko tämä ongelmasi?"
    assert "lang=fi" in message.text and 'href="http://civicloop.test/followup/' in message.html


def test_a_delayed_question_about_a_fix_reopened_meanwhile_is_not_sent(app, handler):
    app.config["FOLLOWUP_DELAY_DAYS"] = 14
    ticket, (first, second) = group_of(2)
    mark_key_case(first, True, handler)
    set_local_status(ticket, "done")
    record_followup_answer(first, 1, "no")  # answered on the status page before the e-mail
    db.session.refresh(ticket)
    assert ticket.round == 2
    question = notices(NoticeKind.FOLLOWUP)[1]
    with time_machine.travel(utcnow() + timedelta(days=15)):
        assert deliver_notice(question.id) is None
    db.session.refresh(question)
    assert question.state == NoticeState.SUPPRESSED and question.attempts == 0


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("en", "What became of the problem you told us about",
         "It is not the city's to fix: Uusimaa Transport Authority is responsible for it."),
        ("sv", "Vad som hände med problemet du berättade om",
         "Det är inte stadens sak att åtgärda det: Uusimaa Transport Authority ansvarar för det."),
    ],
)  # fmt: skip
def test_an_honest_outcome_reaches_the_citizen(app, handler, language, subject, words):
    ticket, (item,) = group_of(1, language=language)
    close_with_outcome(
        ticket, "not_ours", "Ticket machines belong to the region.", handler,
        responsible_body="Uusimaa Transport Authority",
    )  # fmt: skip
    (notice,) = notices(NoticeKind.RESOLUTION)
    message = render_notice(notice)
    assert message.subject == subject
    assert words in message.text and "Ticket machines belong to the region." in message.text
    assert "fixed" not in message.text.lower() and "/followup/" not in message.text
    db.session.refresh(item)
    assert item.status == "resolved"
    # The tracker later calling it done changes nothing and sends nothing more.
    set_local_status(ticket, "done")
    assert ticket.outcome == "not_ours" and len(notices(NoticeKind.RESOLUTION)) == 1
    (problem,) = you_said_we_did("en")
    assert problem.outcome == "not_ours"
    assert problem.responsible_body == "Uusimaa Transport Authority"


def test_outcome_rules_refuse_and_change_nothing(app, handler):
    ticket, _ = group_of(1)
    with pytest.raises(OutcomeError) as refused:
        close_with_outcome(ticket, "not_ours", "Not ours.", handler)
    assert refused.value.field == "responsible_body"
    with pytest.raises(OutcomeError) as refused:
        close_with_outcome(ticket, "duplicate", "Same.", handler, duplicate_of=ticket)
    assert refused.value.field == "duplicate_of"
    with pytest.raises(OutcomeError) as refused:
        close_with_outcome(ticket, "wont_fix", "   ", handler)
    assert refused.value.field == "explanation"
    db.session.rollback()
    db.session.refresh(ticket)
    assert ticket.outcome is None and not notices(NoticeKind.RESOLUTION)
    assert not db.session.scalars(select(AuditEvent)).all()


def test_fix_rates_count_only_undisputed_fixes(app, handler):
    app.config["FOLLOWUP_REOPEN_THRESHOLD"] = 0  # count answers without reopening
    fixed, fixed_items = group_of(2)
    set_local_status(fixed, "done")
    record_followup_answer(fixed_items[0], 1, "yes")
    disputed = submitted(
        "The library account page shows an error 500 after login.", "library-account",
        source_ref="lib", contact=consenting("x@example.org", "en"),
    )  # fmt: skip
    set_local_status(disputed.ticket, "done")
    record_followup_answer(disputed, 1, "no")
    closed = reported_problem(
        "Daycare application attachment upload does not work at all.", "daycare-application",
        source_ref="day",
    )  # fmt: skip
    close_with_outcome(closed, "wont_fix", "Not planned.", handler)

    today = utcnow().date()
    week = InsightFilter(today - timedelta(days=1), today + timedelta(days=1), "UTC")
    figures = key_figures(week, create_user("analyst@example.org", "analyst"))
    assert (figures.resolved.problems, figures.resolved.reports) == (1, 2)


def test_a_duplicate_points_at_the_other_problem(app, handler):
    ticket, _ = group_of(1)
    other = reported_problem(
        "The library account page shows an error 500 after login.", "library-account",
        source_ref="lib",
    )  # fmt: skip
    close_with_outcome(ticket, "duplicate", "Reported before.", handler, duplicate_of=other)
    (notice,) = notices(NoticeKind.RESOLUTION)
    assert "had already been reported" in render_notice(notice).text
    (problem,) = you_said_we_did("en")
    assert problem.duplicate_of == "The library account page shows an error 500 after login."
    with pytest.raises(OutcomeError) as refused:  # closed once, and for good
        close_with_outcome(ticket, "wont_fix", "No.", handler)
    assert refused.value.field == "outcome"
