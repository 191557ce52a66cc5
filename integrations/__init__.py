"""The outside world (issue trackers, mail) behind small interfaces."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from integrations.tracker import Tracker


def tracker_from_config(config: dict, session: Session | None = None) -> Tracker:
    """Jira when JIRA_URL is set, else the built-in tracker on ``session``."""
    if config.get("JIRA_URL"):
        from integrations.jira_tracker import JiraTracker

        return JiraTracker(
            config["JIRA_URL"],
            config.get("JIRA_USER"),
            config.get("JIRA_API_TOKEN"),
            timeout=float(config.get("JIRA_TIMEOUT") or 10),
        )
    from integrations.local_tracker import LocalTracker

    return LocalTracker(session, config["PUBLIC_BASE_URL"])
