"""Jira, through the `jira` library (REST v2, plain-text descriptions).

Nothing else in civicloop imports `jira`. Calls fail fast: the library's own retries
sleep inside the call, which would block a worker; instead every failure becomes a
TrackerError carrying Jira's Retry-After, and the caller reschedules the job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from jira import JIRA, JIRAError

from integrations.jira_format import escape_markup, parse_jira_time
from integrations.tracker import (
    CATEGORY_DONE,
    CATEGORY_IN_PROGRESS,
    CATEGORY_NEW,
    STATUS_CATEGORIES,
    IssueDraft,
    TrackerError,
    TrackerIssue,
    affected_note,
)

CIVICLOOP_LABEL = "civicloop"
PAGE_SIZE = 100
T = TypeVar("T")


class _NotFoundError(Exception):
    """Jira answered 404."""


def _retry_after(error: JIRAError) -> float | None:
    response = getattr(error, "response", None)
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class JiraTracker:
    name = "jira"

    def __init__(
        self,
        url: str,
        user: str | None,
        token: str | None,
        *,
        timeout: float = 10.0,
        issue_type: str = "Task",
    ) -> None:
        self.url = url.rstrip("/")
        self.issue_type = issue_type
        self.user, self.token, self.timeout = user, token, timeout
        self._client: JIRA | None = None
        self._zone: ZoneInfo | None = None

    @property
    def client(self) -> JIRA:
        """Connected on first use, so building a tracker does no I/O."""
        if self._client is None:
            auth = {}
            if self.user and self.token:
                auth["basic_auth"] = (self.user, self.token)
            elif self.token:
                auth["token_auth"] = self.token
            self._client = self._call(
                lambda: JIRA(
                    server=self.url,
                    max_retries=0,
                    timeout=self.timeout,
                    options={"rest_api_version": "2"},
                    **auth,
                )
            )
        return self._client

    def _call(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except JIRAError as error:
            if error.status_code == 404:
                raise _NotFoundError from error
            raise TrackerError(
                f"Jira answered {error.status_code}: {error.text or ''}".strip()[:500],
                retry_after=_retry_after(error),
            ) from error
        except requests.RequestException as error:  # timeouts, refused or dropped connections
            raise TrackerError(
                f"Jira unreachable: {type(error).__name__}: {error}"[:500]
            ) from error

    def _issue(self, raw: dict) -> TrackerIssue:
        fields = raw.get("fields") or {}
        status = fields.get("status") or {}
        category = (status.get("statusCategory") or {}).get("key", "new")
        return TrackerIssue(
            key=raw["key"],
            url=f"{self.url}/browse/{raw['key']}",
            status=status.get("name", ""),
            status_category=category if category in STATUS_CATEGORIES else "new",
            labels=tuple(fields.get("labels") or ()),
            updated_at=parse_jira_time(fields.get("updated")),
            resolution=(fields.get("resolution") or {}).get("name"),
            fields=fields,
        )

    def _search(self, jql: str) -> list[TrackerIssue]:
        fields = ["summary", "status", "labels", "updated", "resolution"]
        issues = self._call(lambda: self.client.search_issues(jql, maxResults=False, fields=fields))
        return [self._issue(issue.raw) for issue in issues]

    def find_by_label(self, label: str) -> TrackerIssue | None:
        found = self._search(f'labels = "{label}" ORDER BY created ASC')
        return found[0] if found else None

    def create_issue(self, draft: IssueDraft) -> TrackerIssue:
        labels = [CIVICLOOP_LABEL, draft.label, *draft.extra_labels]
        created = self._call(
            lambda: self.client.create_issue(
                fields={
                    # By key: the library would otherwise look the project up first.
                    "project": {"key": draft.project},
                    "summary": draft.summary,
                    "description": escape_markup(draft.description),
                    "issuetype": {"name": self.issue_type},
                    "labels": labels,
                }
            )
        )
        return self._issue(created.raw)

    def get_issue(self, key: str) -> TrackerIssue | None:
        try:
            return self._issue(self._call(lambda: self.client.issue(key)).raw)
        except _NotFoundError:
            return None

    def update_affected(self, key: str, count: int) -> None:
        # A comment, so the team sees when the count grew; the description keeps the first.
        self.add_comment(key, affected_note(count))

    def add_comment(self, key: str, body: str) -> None:
        self._call(lambda: self.client.add_comment(key, escape_markup(body)))

    def _transition_into(self, key: str, categories: tuple[str, ...]) -> bool:
        """Take the first transition whose target status is in one of ``categories``, in
        their order (status names differ per project); False when the workflow has none."""
        transitions = self._call(lambda: self.client.transitions(key, expand="transitions.fields"))
        for category in categories:
            for transition in transitions:
                target = (transition.get("to") or {}).get("statusCategory") or {}
                if target.get("key") == category:
                    self._call(lambda t=transition: self.client.transition_issue(key, t["id"]))
                    return True
        return False

    def transition_to(self, key: str, category: str) -> None:
        """Take a transition whose target status is in ``category``."""
        if not self._transition_into(key, (category,)):
            raise TrackerError(f"{key}: no transition to a {category!r} status")

    def reopen(self, key: str) -> bool:
        # Back to "to do" where the workflow has it, else straight to "in progress".
        return self._transition_into(key, (CATEGORY_NEW, CATEGORY_IN_PROGRESS))

    def close(self, key: str) -> bool:
        return self._transition_into(key, (CATEGORY_DONE,))

    def _user_zone(self) -> ZoneInfo:
        """JQL reads dates in the Jira user's own time zone, not in UTC."""
        if self._zone is None:
            name = self._call(lambda: self.client.myself()).get("timeZone") or "UTC"
            try:
                self._zone = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                self._zone = ZoneInfo("UTC")
        return self._zone

    def changed_since(self, since: datetime) -> Iterable[TrackerIssue]:
        # JQL compares in minutes: the caller's watermark already overlaps, this adds one more.
        start = (since - timedelta(minutes=1)).astimezone(self._user_zone())
        start = start.strftime("%Y/%m/%d %H:%M")
        return self._search(
            f'labels = {CIVICLOOP_LABEL} AND updated >= "{start}" ORDER BY updated ASC'
        )
