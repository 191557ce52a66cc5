"""The Tracker protocol: what civicloop needs from an issue tracker.

Trackers speak in plain values so that nothing outside ``integrations/`` knows
which library talks to which tracker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

# Jira's status categories; every tracker maps its states onto these three.
CATEGORY_NEW = "new"
CATEGORY_IN_PROGRESS = "indeterminate"
CATEGORY_DONE = "done"
STATUS_CATEGORIES = (CATEGORY_NEW, CATEGORY_IN_PROGRESS, CATEGORY_DONE)


def affected_note(count: int) -> str:
    """How an issue tells the number of citizens who reported its problem."""
    return f"Affected citizens: {count}"


@dataclass(frozen=True)
class IssueDraft:
    """A development ticket to open. Built only from redacted text."""

    project: str
    summary: str
    description: str
    # Stable key of the problem; stored on the issue so a retried create finds it.
    label: str
    extra_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrackerIssue:
    """The state of an issue as the tracker reports it."""

    key: str
    url: str
    status: str
    status_category: str
    labels: tuple[str, ...] = ()
    updated_at: datetime | None = None
    resolution: str | None = None
    fields: dict = field(default_factory=dict, compare=False)


class TrackerError(Exception):
    """The tracker could not do it now; the caller retries later.

    ``retry_after`` carries the tracker's own advice in seconds (HTTP 429/503).
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Tracker(Protocol):
    name: str

    def find_by_label(self, label: str) -> TrackerIssue | None:
        """The issue carrying ``label``, or None."""

    def create_issue(self, draft: IssueDraft) -> TrackerIssue:
        """Open an issue; raises TrackerError when the tracker fails."""

    def get_issue(self, key: str) -> TrackerIssue | None:
        """The issue, or None when it no longer exists."""

    def add_comment(self, key: str, body: str) -> None:
        """Add a plain-text comment."""

    def reopen(self, key: str) -> bool:
        """Move a done issue back to work where its workflow allows; False when the workflow
        has no transition back (the team must reopen it by hand). Raises TrackerError when
        the tracker fails."""

    def close(self, key: str) -> bool:
        """Move an issue to done where its workflow allows (True when it is done now); False
        when the workflow has no transition to done. Raises TrackerError when the tracker
        fails."""

    def update_affected(self, key: str, count: int) -> None:
        """Show that ``count`` citizens have now reported the issue's problem; raises
        TrackerError when the tracker fails. Callers throttle it (one call per window)."""

    def changed_since(self, since: datetime) -> Iterable[TrackerIssue]:
        """civicloop's issues updated at or after ``since`` (UTC)."""
