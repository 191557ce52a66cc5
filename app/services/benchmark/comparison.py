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
from app.services.insight import visible_eservices


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
    period: str
    measure: str
    rows: list[TypeComparison]  # by service type
    cities: list[str]  # the peers' labels, of every city with figures of the month


def _viewer_eservices(viewer: User) -> list[int] | None:
    """The e-services whose figures the viewer compares; None: the whole city's."""
    if viewer.role != "supplier" and not (viewer.role == "handler" and viewer.departments):
        return None
    codes = visible_eservices(viewer)
    return list(db.session.scalars(select(EService.id).where(EService.code.in_(codes))))


def _peer_figures(period: str) -> list[tuple[BenchmarkFigure, str]]:
    """The peers' figures of the month, each with its city's label."""
    rows = db.session.execute(
        select(BenchmarkFigure, BenchmarkImport.named)
        .join(BenchmarkImport, BenchmarkFigure.import_id == BenchmarkImport.id)
        .where(BenchmarkFigure.period == period)
    ).all()
    peers = {figure.peer for figure, _named in rows}
    named = {figure.peer_id: is_named for figure, is_named in rows}
    anonymous = sorted((p for p in peers if not named[p.id]), key=lambda p: p.id)
    letters = dict(zip((p.id for p in anonymous), string.ascii_uppercase, strict=False))
    labels = {
        peer.id: peer.name if named[peer.id] else _("City %(letter)s", letter=letters[peer.id])
        for peer in peers
    }
    return [(figure, labels[figure.peer_id]) for figure, _named in rows]


def compare(period: str, measure: str, viewer: User, minimum: int) -> Comparison:
    """``measure`` of every service type we or a peer has a figure of in ``period``; a
    supplier sees only the types its e-services map to."""
    chosen = MEASURES[measure]
    eservice_ids = _viewer_eservices(viewer)
    ours = {cell["code"]: cell for cell in type_figures(period, minimum, eservice_ids)}
    peer_rows = _peer_figures(period)
    types = set(ours)
    if viewer.role == "supplier":
        allowed = set(
            db.session.scalars(
                select(EService.service_type).where(EService.id.in_(eservice_ids or []))
            )
        )
    else:
        allowed = types | {figure.service_type for figure, _label in peer_rows}
    rows = []
    for code in sorted(allowed):
        peers = [
            PeerValue(label, value)
            for figure, label in peer_rows
            if figure.service_type == code
            and (value := value_at(figure.figures, chosen)) is not None
        ]
        mine = value_at(ours.get(code), chosen)
        if mine is not None or peers:
            rows.append(TypeComparison(code, mine, sorted(peers, key=lambda p: p.label)))
    cities = sorted({label for _figure, label in peer_rows})
    return Comparison(period, measure, rows, cities)
