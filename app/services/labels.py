"""Handlers' corrections of what the analysis said about an item (its kind and sentiment):
one audited action, kept as a labelled item that ``routing train`` learns from."""

from __future__ import annotations

from flask_babel import gettext as _

from app.extensions import db
from app.models import Feedback, ItemLabel, User
from app.models.types import utcnow
from app.services.analysis.models import KINDS, SENTIMENTS
from app.services.audit import record
from app.services.grouping import kind_corrected


class LabelError(ValueError):
    """A correction that cannot be stored; the message says why."""


def correct_understanding(item: Feedback, kind: str, sentiment: str, actor: User) -> None:
    """Set the item's kind and sentiment as a handler judged them (committed)."""
    if kind not in KINDS:
        raise LabelError(_("Choose a kind from the list."))
    if sentiment not in SENTIMENTS:
        raise LabelError(_("Choose a sentiment from the list."))
    label = db.session.get(ItemLabel, item.id)
    if label is None:
        label = ItemLabel(feedback_id=item.id)
        db.session.add(label)
    before = {"kind": item.kind, "sentiment": item.sentiment}
    label.kind, label.sentiment = kind, sentiment
    label.labelled_by_id, label.labelled_at = actor.id, utcnow()
    item.kind, item.sentiment = kind, sentiment
    kind_corrected(item, before["kind"])
    record(
        actor,
        "feedback.understanding_corrected",
        item,
        before=before,
        after={"kind": kind, "sentiment": sentiment},
    )
    db.session.commit()
