"""An item's status changes, each recorded once as it happens."""

from __future__ import annotations

from app.models import Feedback, FeedbackEvent


def change_status(item: Feedback, status: str, note: str | None = None) -> bool:
    """Move the item to ``status`` and record it; returns False when nothing changed."""
    if item.status == status:
        return False
    item.status = status
    item.events.append(FeedbackEvent(status=status, note=note))
    return True
