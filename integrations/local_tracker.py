"""The built-in tracker: tickets kept in civicloop's own database, resolved on the staff site."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.local_issue import LocalIssue
from app.models.types import utcnow
from integrations.tracker import STATUS_CATEGORIES, IssueDraft, TrackerIssue, affected_note

_STATUS_NAMES = {"new": "To do", "indeterminate": "In progress", "done": "Done"}


class LocalTracker:
    name = "local"

    def __init__(self, session: Session, base_url: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")

    def _issue(self, row: LocalIssue) -> TrackerIssue:
        return TrackerIssue(
            key=row.key,
            url=f"{self.base_url}/staff/tickets/{row.key}",
            status=_STATUS_NAMES[row.status_category],
            status_category=row.status_category,
            labels=("civicloop", row.label),
            updated_at=row.updated_at,
        )

    def find_by_label(self, label: str) -> TrackerIssue | None:
        row = self.session.scalars(select(LocalIssue).where(LocalIssue.label == label)).first()
        return self._issue(row) if row else None

    def create_issue(self, draft: IssueDraft) -> TrackerIssue:
        number = (
            self.session.scalar(
                select(func.count(LocalIssue.id)).where(LocalIssue.project == draft.project)
            )
            or 0
        ) + 1
        row = LocalIssue(
            key=f"{draft.project}-{number}",
            project=draft.project,
            summary=draft.summary,
            description=draft.description,
            label=draft.label,
        )
        self.session.add(row)
        self.session.flush()
        return self._issue(row)

    def get_issue(self, key: str) -> TrackerIssue | None:
        row = self.session.scalars(select(LocalIssue).where(LocalIssue.key == key)).first()
        return self._issue(row) if row else None

    def update_affected(self, key: str, count: int) -> None:
        # A comment, so the team sees when the count grew; the description keeps the first.
        self.add_comment(key, affected_note(count))

    def add_comment(self, key: str, body: str) -> None:
        row = self.session.scalars(select(LocalIssue).where(LocalIssue.key == key)).one()
        row.comments = [*row.comments, {"at": utcnow().isoformat(), "body": body}]
        row.updated_at = utcnow()

    def transition_to(self, key: str, category: str) -> None:
        if category not in STATUS_CATEGORIES:
            raise ValueError(f"unknown status category {category!r}")
        row = self.session.scalars(select(LocalIssue).where(LocalIssue.key == key)).one()
        row.status_category = category
        row.updated_at = utcnow()

    def reopen(self, key: str) -> bool:
        self.transition_to(key, "new")
        return True

    def close(self, key: str) -> bool:
        self.transition_to(key, "done")
        return True

    def changed_since(self, since: datetime) -> Iterable[TrackerIssue]:
        rows = self.session.scalars(select(LocalIssue).where(LocalIssue.updated_at >= since))
        return [self._issue(row) for row in rows]
