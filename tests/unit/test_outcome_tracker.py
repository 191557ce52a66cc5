"""A problem closed without a fix is told to its tracker issue: one comment, and the issue
moved to done where the workflow allows; a tracker that fails is tried again later."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from app.extensions import db
from app.models.types import utcnow
from app.services import outcomes
from app.services.outcomes import close_with_outcome, tell_tracker_outcome
from app.services.reconcile import reconcile
from app.services.tickets import current_tracker
from integrations.tracker import TrackerError
from tests.unit.test_followup import group_of, handler, issue_of  # noqa: F401  (fixture)


def test_the_tracker_hears_the_outcome_and_why_once(app, handler):  # noqa: F811
    ticket, _items = group_of(2)
    close_with_outcome(
        ticket, "not_ours", "Ticket machines belong to the region; call 040 123 4567.", handler,
        responsible_body="Uusimaa Transport Authority",
    )  # fmt: skip
    db.session.refresh(ticket)
    assert ticket.outcome_told_at is not None  # the job ran inline
    issue = issue_of(ticket)
    assert issue.status_category == "done"
    (comment,) = [c["body"] for c in issue.comments if "Closed in civicloop" in c["body"]]
    assert "not the city's responsibility: Ticket machines belong to the region" in comment
    assert "Responsible instead: Uusimaa Transport Authority" in comment
    assert "Citizens who reported it: 2." in comment and "moved this issue to done" in comment
    assert "123 4567" not in comment  # the citizens' words are redacted, and so is this
    # Again (a replayed job, the reconciler): nothing more is said.
    assert tell_tracker_outcome(ticket.id) is True
    assert reconcile().outcomes == 0
    assert len([c for c in issue_of(ticket).comments if "Closed" in c["body"]]) == 1


def test_a_duplicate_names_the_other_issue(app, handler):  # noqa: F811
    ticket, _ = group_of(1)
    other, _ = group_of_other()
    close_with_outcome(ticket, "duplicate", "Same fault.", handler, duplicate_of=other)
    (comment,) = [c["body"] for c in issue_of(ticket).comments if "Closed" in c["body"]]
    assert f"Duplicate of {other.key}" in comment and "as a duplicate: Same fault." in comment


def group_of_other():
    from tests.support.factories import submitted

    item = submitted(
        "Library account login loops back to the start page.", "library-account",
        source_ref="other",
    )  # fmt: skip
    return item.ticket, [item]


def test_a_failing_tracker_is_tried_again_by_the_reconciler(app, handler, monkeypatch):  # noqa: F811
    ticket, _ = group_of(1)
    tracker_class = type(current_tracker())

    def refuse(self, key, body):
        raise TrackerError("503 from the tracker")

    with monkeypatch.context() as patch:
        patch.setattr(tracker_class, "add_comment", refuse)
        close_with_outcome(ticket, "wont_fix", "Too costly for now.", handler)
    db.session.refresh(ticket)
    assert ticket.outcome_told_at is None and ticket.outcome == "wont_fix"
    assert not [c for c in issue_of(ticket).comments if "Closed" in c["body"]]
    # Once settled, the reconciler finds it and the (inline) job tells the tracker.
    later = utcnow() + timedelta(seconds=app.config["RECONCILE_GRACE_SECONDS"] + 1)
    with time_machine.travel(later):
        assert reconcile().outcomes == 1
    db.session.refresh(ticket)
    assert ticket.outcome_told_at is not None
    (comment,) = [c["body"] for c in issue_of(ticket).comments if "Closed" in c["body"]]
    assert "won't fix: Too costly for now." in comment


def test_a_workflow_without_done_asks_the_team_to_close_it(app, handler, monkeypatch):  # noqa: F811
    ticket, _ = group_of(1)
    monkeypatch.setattr(type(current_tracker()), "close", lambda self, key: False)
    close_with_outcome(ticket, "no_action", "Works as designed.", handler)
    (comment,) = [c["body"] for c in issue_of(ticket).comments if "Closed" in c["body"]]
    assert "please close the issue" in comment
    assert issue_of(ticket).status_category != "done"


@pytest.mark.parametrize("state", ["held", "merged"])
def test_a_group_without_an_open_issue_has_nothing_to_tell(app, handler, state):  # noqa: F811
    ticket, _ = group_of(1)
    ticket.state = state
    ticket.outcome, ticket.resolved_at = "wont_fix", utcnow()
    db.session.commit()
    assert not outcomes.outcome_untold(ticket)
    assert tell_tracker_outcome(ticket.id) is True
    assert ticket.outcome_told_at is None
