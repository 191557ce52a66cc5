"""Server-rendered SVG charts: bars, stacked bars and lines over time.

The pages allow no inline style or script (app/security.py), so a chart here is geometry
only: every shape names its series by a class (``chart-s0`` …) and app/static/style.css
colours it (each colour at least 3:1 against white) and fills bars with a pattern per
series, so no series is told by colour alone. templates/staff/insight_figure.html draws
the SVG, with its title and description, beside a table of the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import format_decimal, format_percent
from flask_babel import lazy_gettext as _l

WIDTH = 720
SERIES_STYLES = 6  # chart-s0 … chart-s5 in style.css; more series reuse them in turn
_FONT_WIDTH = 7  # rough width of a character of the 12px chart font, for layout
_LEGEND_ROW = 22
_LABEL_CHARACTERS = 28  # longer category names are shortened on the chart (not in its table)


@dataclass(frozen=True)
class Series:
    """Values of one series; ``number`` says how they read: "count", "percent" (0-1),
    "score" (1-5), or a duration in "minutes", "hours" or "days" (DURATION_UNITS)."""

    label: str
    values: tuple[float | None, ...]
    number: str = "count"


def format_number(value: float | None, number: str) -> str:
    if value is None:
        return "–"
    if number == "percent":
        return format_percent(value)
    if number == "score":
        return format_decimal(value, "0.0")
    if number in DURATION_UNITS:
        return DURATION_UNITS[number].symbol % {"value": format_decimal(value, "#,##0.#")}
    return format_decimal(value)


@dataclass(frozen=True)
class DurationUnit:
    seconds: int
    symbol: str  # lazily translated, "%(value)s min"
    name: str  # lazily translated, for headings and exports


DURATION_UNITS = {
    "minutes": DurationUnit(60, _l("%(value)s min"), _l("minutes")),
    "hours": DurationUnit(3600, _l("%(value)s h"), _l("hours")),
    "days": DurationUnit(86400, _l("%(value)s d"), _l("days")),
}


def duration_unit(seconds: Sequence[float | None]) -> str:
    """The unit durations read best in, from the largest: minutes below two hours, hours
    below two days, else days (never "0 h" on every tick for minutes-long waits)."""
    largest = max((value for value in seconds if value is not None), default=0)
    if largest < 2 * 3600:
        return "minutes"
    return "hours" if largest < 2 * 86400 else "days"


def in_unit(seconds: float | None, unit: str) -> float | None:
    return None if seconds is None else seconds / DURATION_UNITS[unit].seconds


@dataclass(frozen=True)
class ChartData:
    """A value per category (a row of a bar chart, a period of a chart over time) and
    series; ``keys`` name the categories in an export (ISO dates rather than local ones)."""

    categories: tuple[str, ...]
    series: tuple[Series, ...]
    keys: tuple[str, ...] | None = None

    def format(self, value: float | None, series: int = 0) -> str:
        """``value`` as the series at ``series`` reads (an axis: as the first series)."""
        return format_number(value, self.series[series].number if self.series else "count")

    @property
    def empty(self) -> bool:
        return not any(value for series in self.series for value in series.values)

    def rows(self) -> list[tuple[str, list[float | None]]]:
        return [
            (category, [series.values[index] for series in self.series])
            for index, category in enumerate(self.categories)
        ]


@dataclass(frozen=True)
class Mark:
    """A bar, or a segment of one; ``label`` is its tooltip."""

    x: float
    y: float
    width: float
    height: float
    style: int  # the series' look: class chart-s<style>
    label: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"  # start | middle | end
    kind: str = "label"  # label | value | axis | reference: a class chart-<kind>


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str = "grid"  # grid | axis | reference


@dataclass(frozen=True)
class Path:
    """A line of a series (``line``) or a marker on it, whose shape tells the series apart;
    ``label`` is a marker's tooltip."""

    d: str
    style: int
    kind: str = "line"  # line | marker
    label: str = ""


@dataclass(frozen=True)
class LegendEntry:
    x: float
    y: float
    label: str
    style: int
    swatch: str  # SVG path data: a box for bars, a line with its marker for lines
    kind: str  # mark | swatch-line: how the swatch is drawn


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    data: ChartData
    marks: list[Mark] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)


@dataclass(frozen=True)
class Reference:
    """A value every bar is compared with, such as the city average."""

    value: float
    label: str


def _style(index: int) -> int:
    return index % SERIES_STYLES


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARACTERS else label[: _LABEL_CHARACTERS - 1] + "…"


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round values from 0 to at least ``maximum`` for an axis (steps of 1, 2 or 5 × 10ⁿ)."""
    if maximum <= 0:
        return [0, 1]
    rough = maximum / count
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= rough)
    return [step * n for n in range(math.ceil(maximum / step - 1e-9) + 1)]


def _marker(x: float, y: float, series: int) -> str:
    """A marker whose shape is the series': circle, square, triangle, diamond, cross, bar."""
    shape, r = _style(series), 4.5
    if shape == 0:
        return f"M{x - r:.1f},{y:.1f}a{r},{r} 0 1,0 {2 * r},0a{r},{r} 0 1,0 {-2 * r},0Z"
    if shape == 1:
        return f"M{x - r:.1f},{y - r:.1f}h{2 * r}v{2 * r}h{-2 * r}Z"
    if shape == 2:
        return f"M{x:.1f},{y - r - 1:.1f}L{x + r + 1:.1f},{y + r:.1f}L{x - r - 1:.1f},{y + r:.1f}Z"
    if shape == 3:
        d = r + 1
        return f"M{x:.1f},{y - d:.1f}L{x + d:.1f},{y:.1f}L{x:.1f},{y + d:.1f}L{x - d:.1f},{y:.1f}Z"
    if shape == 4:
        return (
            f"M{x - r:.1f},{y - 1.5:.1f}h{2 * r}v3h{-2 * r}Z"
            f"M{x - 1.5:.1f},{y - r:.1f}h3v{2 * r}h-3Z"
        )
    return f"M{x - r:.1f},{y - 2:.1f}h{2 * r}v4h{-2 * r}Z"


def _legend(series: Sequence[Series], top: float, lines: bool) -> tuple[list[LegendEntry], float]:
    """Entries left to right, wrapping; returns them and the height they take."""
    if len(series) < 2:
        return [], 0
    entries, x, y = [], 0.0, top + 4
    for index, one in enumerate(series):
        width = 34 + _FONT_WIDTH * len(one.label)
        if x and x + width > WIDTH:
            x, y = 0.0, y + _LEGEND_ROW
        if lines:
            swatch = f"M{x},{y + 7}h24" + _marker(x + 12, y + 7, index)
        else:
            swatch = f"M{x},{y}h16v14h-16Z"
        kind = "swatch-line" if lines else "mark"
        entries.append(
            LegendEntry(x + (28 if lines else 22), y + 11, one.label, _style(index), swatch, kind)
        )
        x += width
    return entries, y - top + _LEGEND_ROW + 4


# --- horizontal bars: one row per category -------------------------------------------------

_LABEL_WIDTH = 210
_VALUE_ROOM = 64
_BAR = 16
_ROW_GAP = 10


def _rows_chart(
    data: ChartData, stacked: bool, reference: Reference | None, maximum: float | None
) -> Chart:
    legend, legend_height = _legend(data.series, 0, lines=False)
    top = legend_height + (22 if reference else 6)
    right = WIDTH - _VALUE_ROOM
    rows = data.rows()
    totals = [
        sum(v or 0 for v in values) if stacked else max(v or 0 for v in values)
        for _, values in rows
    ]
    ticks = nice_ticks(maximum or max([*totals, reference.value if reference else 0]))

    def x_of(value: float) -> float:
        return _LABEL_WIDTH + (right - _LABEL_WIDTH) * value / ticks[-1]

    band = _BAR if stacked else _BAR * len(data.series)
    marks, texts = [], []
    for row, (category, values) in enumerate(rows):
        y = top + row * (band + _ROW_GAP)
        texts.append(Text(_LABEL_WIDTH - 8, y + band / 2 + 4, _short(category), "end"))
        start = 0.0
        for index, value in enumerate(values):
            if value is None:
                continue
            left = start if stacked else 0.0
            bar_y = y if stacked else y + index * _BAR
            label = f"{category}, {data.series[index].label}: {data.format(value, index)}"
            marks.append(
                Mark(
                    x_of(left),
                    bar_y,
                    x_of(left + value) - x_of(left),
                    _BAR - 1,
                    _style(index),
                    label,
                )
            )
            if not stacked:
                text = data.format(value, index)
                texts.append(Text(x_of(value) + 4, bar_y + 12, text, kind="value"))
            start += value
    bottom = top + len(rows) * (band + _ROW_GAP)
    rules = [Rule(x_of(tick), top - 4, x_of(tick), bottom) for tick in ticks]
    texts += [Text(x_of(tick), bottom + 16, data.format(tick), "middle", "axis") for tick in ticks]
    if reference is not None:
        x = x_of(reference.value)
        rules.append(Rule(x, top - 6, x, bottom, "reference"))
        label = f"{reference.label}: {data.format(reference.value)}"
        anchor = "end" if x > WIDTH / 2 else "start"
        texts.append(Text(x, top - 10, label, anchor, "reference"))
    return Chart(WIDTH, int(bottom + 24), data, marks, texts, rules, [], legend)


def bar_chart(
    data: ChartData, reference: Reference | None = None, maximum: float | None = None
) -> Chart:
    """A horizontal bar per category and series, its value at its end; ``maximum`` is
    where the axis ends (a scale's top), else the largest value rounded up."""
    return _rows_chart(data, stacked=False, reference=reference, maximum=maximum)


def stacked_bar_chart(data: ChartData) -> Chart:
    """A horizontal bar per category, a segment per series (shares: a 100 % bar)."""
    return _rows_chart(data, stacked=True, reference=None, maximum=None)


# --- over time: a column or point per period --------------------------------------------

_AXIS_WIDTH = 56
_PLOT_HEIGHT = 200


@dataclass(frozen=True)
class _TimeFrame:
    """The axes of a chart over time: periods left to right, values bottom to top."""

    data: ChartData
    top: float
    ticks: list[float]

    @property
    def band(self) -> float:
        return (WIDTH - _AXIS_WIDTH) / max(len(self.data.categories), 1)

    @property
    def bottom(self) -> float:
        return self.top + _PLOT_HEIGHT

    def x_of(self, index: int) -> float:
        return _AXIS_WIDTH + self.band * (index + 0.5)

    def y_of(self, value: float) -> float:
        return self.bottom - _PLOT_HEIGHT * value / self.ticks[-1]

    def _period_label(self, x: float, text: str) -> Text:
        """Centred under its period, or kept inside the chart at either end."""
        half = len(text) * _FONT_WIDTH / 2
        if x + half > WIDTH:
            return Text(WIDTH, self.bottom + 16, text, "end", "axis")
        if x - half < 0:
            return Text(0, self.bottom + 16, text, "start", "axis")
        return Text(x, self.bottom + 16, text, "middle", "axis")

    def chart(self, **shapes: list) -> Chart:
        rules = [Rule(_AXIS_WIDTH, self.y_of(t), WIDTH, self.y_of(t)) for t in self.ticks]
        texts = [
            Text(_AXIS_WIDTH - 6, self.y_of(t) + 4, self.data.format(t), "end", "axis")
            for t in self.ticks
        ]
        # Label every n-th period, so the labels never overlap.
        widest = max((len(c) for c in self.data.categories), default=1) * _FONT_WIDTH + 8
        every = max(1, math.ceil(widest / self.band))
        for i, category in enumerate(self.data.categories):
            if i % every == 0:
                texts.append(self._period_label(self.x_of(i), category))
        return Chart(
            WIDTH,
            int(self.bottom + 28),
            self.data,
            rules=rules + shapes.pop("rules", []),
            texts=texts,
            **shapes,
        )


def column_chart(data: ChartData) -> Chart:
    """Stacked columns over time: a column per period, a segment per series."""
    legend, legend_height = _legend(data.series, 0, lines=False)
    totals = [sum(v or 0 for v in values) for _, values in data.rows()]
    frame = _TimeFrame(data, legend_height + 8, nice_ticks(max(totals, default=0)))
    width = frame.band * 0.7
    marks = []
    for i, (category, values) in enumerate(data.rows()):
        start = 0.0
        for index, value in enumerate(values):
            if not value:
                continue
            top, bottom = frame.y_of(start + value), frame.y_of(start)
            label = f"{category}, {data.series[index].label}: {data.format(value, index)}"
            x = frame.x_of(i) - width / 2
            marks.append(Mark(x, top, width, bottom - top, _style(index), label))
            start += value
    return frame.chart(marks=marks, legend=legend)


def line_chart(data: ChartData, maximum: float | None = None) -> Chart:
    """A line per series over time, a marker of the series' shape at each value; a period
    without a value breaks the line."""
    legend, legend_height = _legend(data.series, 0, lines=True)
    highest = max((v or 0 for series in data.series for v in series.values), default=0)
    frame = _TimeFrame(data, legend_height + 8, nice_ticks(maximum or highest))
    paths = []
    for index, series in enumerate(data.series):
        stretch: list[str] = []
        for i, value in enumerate([*series.values, None]):
            if value is None:
                if stretch:
                    paths.append(Path("M" + "L".join(stretch), _style(index)))
                stretch = []
                continue
            x, y = frame.x_of(i), frame.y_of(value)
            stretch.append(f"{x:.1f},{y:.1f}")
            label = f"{data.categories[i]}, {series.label}: {data.format(value, index)}"
            paths.append(Path(_marker(x, y, index), _style(index), "marker", label))
    return frame.chart(paths=paths, legend=legend)
