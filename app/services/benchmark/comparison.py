"""This city's figures beside its peers': per service type and month, ours against the
peers' median and quartiles, the peers named or anonymised as each exporting city chose.

Our figures are computed as our own export would give them (the same minimum cell), over
the e-services the viewer may see: a supplier's are its own e-services' only, a handler's
those of their departments; everyone else's the city's.
"""

from __future__ import annotations

import statistics
import string
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import BenchmarkFigure, BenchmarkImport, EService, User
from app.services.benchmark.export import type_figures
from app.services.survey_figures import visible_eservices


@dataclass(frozen=True)
class Measure:
    path: tuple[str, ...]  # where the figure is in a type's cell
    number: str  # how it reads: "score", "percent" or "hours" (app/web/charts.py)


MEASURES = {
    "satisfaction": Measure(("survey", "means", "satisfaction"), "score"),
    "ease": Measure(("survey", "means", "ease"), "score"),
    "understood": Measure(("survey", "means", "understood"), "score"),
    "task-done": Measure(("survey", "task_done_share"), "percent"),
    "help-available": Measure(("survey", "help_available_share"), "percent"),
    "completion-rate": Measure(("survey", "transactions", "completion_rate"), "percent"),
    "negative-share": Measure(("items", "negative_share"), "percent"),
    "resolution-median": Measure(("resolution", "median_hours"), "hours"),
    "resolution-p90": Measure(("resolution", "p90_hours"), "hours"),
}


def value_at(cell: dict | None, measure: Measure) -> float | None:
    value: object = cell
    for key in measure.path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value if isinstance(value, int | float) else None


@dataclass(frozen=True)
class PeerValue:
    label: str  # the city's name, or "City A" … when it chose not to be named
    value: float


@dataclass(frozen=True)
class TypeComparison:
    service_type: str
    ours: float | None
    peers: list[PeerValue]

    def _values(self) -> list[float]:
        return sorted(peer.value for peer in self.peers)

    @property
    def median(self) -> float | None:
        values = self._values()
        return statistics.median(values) if values else None

    @property
    def quartiles(self) -> tuple[float | None, float | None]:
        """The lower and upper quartile of the peers' values (inclusive method)."""
        values = self._values()
        if not values:
            return None, None
        if len(values) == 1:
            return values[0], values[0]
        lower, _median, upper = statistics.quantiles(values, n=4, method="inclusive")
        return lower, upper


@dataclass(frozen=True)
class Comparison:
    """One month's figures: ours per service type, and each peer's with its label."""

    period: str
    ours: dict[str, dict]  # type → our cell
    peers: list[tuple[str, str, dict]]  # (type, the city's label, its cell)
    types: list[str]  # the types compared, by code

    @property
    def cities(self) -> list[str]:
        return sorted({label for _code, label, _cell in self.peers})

    def rows(self, measure: str) -> list[TypeComparison]:
        """``measure`` per type that we or a peer has a figure of."""
        chosen = MEASURES[measure]
        rows = []
        for code in self.types:
            peers = [
                PeerValue(label, value)
                for kind, label, cell in self.peers
                if kind == code and (value := value_at(cell, chosen)) is not None
            ]
            mine = value_at(self.ours.get(code), chosen)
            if mine is not None or peers:
                rows.append(TypeComparison(code, mine, sorted(peers, key=lambda p: p.label)))
        return rows


def _viewer_eservices(viewer: User) -> list[int] | None:
    """The e-services whose figures the viewer compares; None: the whole city's."""
    if viewer.role != "supplier" and not (viewer.role == "handler" and viewer.departments):
        return None
    codes = visible_eservices(viewer)
    return list(db.session.scalars(select(EService.id).where(EService.code.in_(codes))))


def _peer_figures(period: str) -> list[tuple[str, str, dict]]:
    """The peers' cells of the month: (type, the city's label, cell)."""
    rows = db.session.execute(
        select(BenchmarkFigure, BenchmarkImport.named)
        .join(BenchmarkImport, BenchmarkFigure.import_id == BenchmarkImport.id)
        .where(BenchmarkFigure.period == period)
    ).all()
    # Named only when its file allows it and the admin did not choose to anonymise it.
    named = {figure.peer_id: is_named and figure.peer.show_name for figure, is_named in rows}
    peers = {figure.peer_id: figure.peer for figure, _named in rows}
    anonymous = sorted(peer_id for peer_id in peers if not named[peer_id])
    letters = dict(zip(anonymous, string.ascii_uppercase, strict=False))
    labels = {
        peer_id: peer.name
        if named[peer_id]
        else _("City %(letter)s", letter=letters.get(peer_id, "?"))
        for peer_id, peer in peers.items()
    }
    return [(figure.service_type, labels[figure.peer_id], figure.figures) for figure, _n in rows]


def compare(period: str, viewer: User, minimum: int) -> Comparison:
    """Our figures of ``period`` beside every peer's; a supplier sees only the types its
    e-services map to, across every city that shared them."""
    eservice_ids = _viewer_eservices(viewer)
    ours = {cell["code"]: cell for cell in type_figures(period, minimum, eservice_ids)}
    peers = _peer_figures(period)
    if viewer.role == "supplier":
        mapped = db.session.scalars(
            select(EService.service_type).where(
                EService.id.in_(eservice_ids or []), EService.service_type.is_not(None)
            )
        )
        types = set(mapped)
    else:
        types = set(ours) | {code for code, _label, _cell in peers}
    return Comparison(period, ours, peers, sorted(types))
