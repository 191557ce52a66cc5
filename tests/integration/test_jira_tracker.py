"""JiraTracker through the real `jira` library against the stand-in Jira over HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from integrations.jira_tracker import JiraTracker
from integrations.tracker import IssueDraft, TrackerError
from tests.support.jira_standin import JiraStandIn

DRAFT = IssueDraft(project="EDU", summary="[Daycare] form loses answers", description="3 citizens",
                   label="civicloop-abc123")  # fmt: skip


@pytest.fixture(params=["Server", "Cloud"])
def jira(request):
    with JiraStandIn(deployment=request.param) as standin:
        yield standin


@pytest.fixture
def tracker(jira):
    # The product's default timeout: a loaded CI machine can take more than a second to
    # answer one of 120 requests, and these tests are not about timeouts.
    return JiraTracker(jira.url, "civicloop", "api-token")


@pytest.fixture
def impatient_tracker(jira):
    """A client that gives up after one second, for the tests of slow and lost answers."""
    return JiraTracker(jira.url, "civicloop", "api-token", timeout=1.0)


def test_building_a_tracker_does_no_io():
    JiraTracker("http://127.0.0.1:9", "u", "t")  # nothing listens there; no error


def test_create_labels_and_find_by_label(jira, tracker):
    issue = tracker.create_issue(DRAFT)
    assert issue.key == "EDU-1" and issue.url == f"{jira.url}/browse/EDU-1"
    assert set(issue.labels) == {"civicloop", "civicloop-abc123"}
    assert issue.status_category == "new"
    assert tracker.find_by_label("civicloop-abc123").key == "EDU-1"
    assert tracker.find_by_label("civicloop-other") is None
    stored = jira.issues["EDU-1"]
    assert stored.description == "3 citizens" and stored.summary == DRAFT.summary


def test_missing_issue_is_none(tracker):
    assert tracker.get_issue("EDU-99") is None


def test_status_comes_from_the_category_not_the_name(jira, tracker):
    tracker.create_issue(DRAFT)
    tracker.transition_to("EDU-1", "indeterminate")
    issue = tracker.get_issue("EDU-1")
    assert (issue.status, issue.status_category) == ("In Progress", "indeterminate")
    tracker.transition_to("EDU-1", "done")
    assert tracker.get_issue("EDU-1").status_category == "done"
    assert tracker.get_issue("EDU-1").resolution == "Done"
    with pytest.raises(TrackerError, match="no transition"):
        tracker.transition_to("EDU-1", "indeterminate")  # Done only reopens to To Do


def test_comments(jira, tracker):
    tracker.create_issue(DRAFT)
    tracker.add_comment("EDU-1", "5 more citizens reported this")
    assert jira.issues["EDU-1"].comments[0]["body"] == "5 more citizens reported this"


def test_changed_since_pages_through_everything_with_overlap(jira, tracker):
    for n in range(120):  # more than one page of search results
        tracker.create_issue(IssueDraft("EDU", f"s{n}", "d", f"civicloop-{n}"))
    since = datetime.now(UTC)
    assert len(list(tracker.changed_since(since))) == 120  # one minute of overlap
    later = since + timedelta(minutes=5)
    assert list(tracker.changed_since(later)) == []
    jira.set_status("EDU-7", "done")
    jira.issues["EDU-7"].updated = later + timedelta(minutes=1)
    assert [i.key for i in tracker.changed_since(later)] == ["EDU-7"]


def test_changed_since_reads_dates_in_the_jira_users_zone():
    with JiraStandIn(time_zone="Europe/Helsinki") as jira:
        tracker = JiraTracker(jira.url, "u", "t")
        tracker.create_issue(DRAFT)
        # Two hours ahead of UTC: a UTC watermark sent as-is would miss this issue.
        assert [i.key for i in tracker.changed_since(datetime.now(UTC))] == ["EDU-1"]


def test_rate_limit_carries_retry_after_and_does_not_sleep(jira, tracker):
    tracker.create_issue(DRAFT)
    jira.fail_next(status=429, retry_after=30, path_contains="/issue/EDU-1")
    started = time.monotonic()
    with pytest.raises(TrackerError) as raised:
        tracker.get_issue("EDU-1")
    assert raised.value.retry_after == 30.0
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_become_tracker_errors(jira, tracker, status):
    tracker.create_issue(DRAFT)
    jira.fail_next(status=status, path_contains="/issue/EDU-1")
    with pytest.raises(TrackerError):
        tracker.get_issue("EDU-1")
    assert tracker.get_issue("EDU-1") is not None  # the next call goes through


def test_timeout_fails_fast(jira, tracker, impatient_tracker):
    tracker.create_issue(DRAFT)
    jira.delay_next(3)
    started = time.monotonic()
    with pytest.raises(TrackerError, match="unreachable"):
        impatient_tracker.get_issue("EDU-1")
    assert time.monotonic() - started < 2.5


def test_unreachable_jira_is_a_tracker_error():
    from tests.support.mail import free_port

    with pytest.raises(TrackerError):
        JiraTracker(f"http://127.0.0.1:{free_port()}", "u", "t", timeout=1).get_issue("X-1")


def test_a_lost_create_answer_is_found_again_by_label(jira, tracker, impatient_tracker):
    jira.search_lag(3.0)
    jira.lose_next_create_response(hold=1.5)  # longer than the client's 1 s timeout
    with pytest.raises(TrackerError):
        impatient_tracker.create_issue(DRAFT)
    # Cloud's search may not show it yet; after the lag it does, and nothing is created twice.
    assert tracker.find_by_label(DRAFT.label) is None
    time.sleep(2.1)
    assert tracker.find_by_label(DRAFT.label).key == "EDU-1"
    assert jira.creates() == 1


def test_reopen_takes_a_transition_back_where_the_workflow_has_one(jira, tracker):
    tracker.create_issue(DRAFT)
    tracker.transition_to("EDU-1", "done")
    assert tracker.reopen("EDU-1") is True
    assert tracker.get_issue("EDU-1").status_category == "new"
    tracker.transition_to("EDU-1", "done")
    jira.without_reopen()  # a project that closes for good
    assert tracker.reopen("EDU-1") is False
    assert tracker.get_issue("EDU-1").status_category == "done"


def test_close_takes_a_transition_to_done_where_the_workflow_has_one(jira, tracker):
    tracker.create_issue(DRAFT)
    tracker.transition_to("EDU-1", "indeterminate")
    assert tracker.close("EDU-1") is True
    assert tracker.get_issue("EDU-1").status_category == "done"
    assert tracker.close("EDU-1") is False  # from "Done" the workflow only reopens


def test_citizens_words_reach_jira_as_text_not_markup(jira, tracker):
    # Issue 16: "[text|url]", "!image!", "{html}" and "[~user]" in feedback were sent as
    # Jira markup: links, images fetched by readers' browsers, macros, mentions.
    words = "see [here|http://evil.example] !http://evil.example/x.png! {html}x{html} [~admin]"
    tracker.create_issue(IssueDraft(project="EDU", summary="s", description=f"- {words}",
                                    label="civicloop-markup"))  # fmt: skip
    tracker.add_comment("EDU-1", f"A citizen: {words} C:\\temp")
    stored = jira.issues["EDU-1"]
    for body in (stored.description, stored.comments[0]["body"]):
        assert r"\[here\|http://evil.example\]" in body and r"\!http" in body
        assert r"\{html\}" in body and r"\[\~admin\]" in body
        assert "[here|" not in body and "{html}x" not in body
    assert stored.description.startswith("- see")  # the list our descriptions use stays
    assert stored.comments[0]["body"].endswith("C:&#92;temp")
