"""How Jira writes things, shared by the tracker and the webhook (no `jira` import here)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_jira_time(value: str | None) -> datetime | None:
    """Jira writes times like 2026-11-22T18:49:33.000+0000; None when absent or unreadable."""
    if not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, pattern).astimezone(UTC)
        except ValueError:
            continue
    return None
