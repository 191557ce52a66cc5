"""The figures of the insight pages: each a chart (app/web/charts.py) or table built from one
service result (app/services/insight.py, app/services/survey_figures.py), named by a key; the
pages (app/web/staff_insight.py) draw a figure and export the same one as CSV, so an export
holds exactly what the chart shows, and never personal data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.i18n import current_language, local_date
from app.models import User
from app.services.insight import (
    SENTIMENTS,
    InsightFilter,
    figures_by_eservice,
    figures_over_time,
    key_figures,
    names,
    on_time_handling,
    on_time_resolution,
    volume,
    volume_totals,
)
from app.services.survey_figures import (
    SCALES,
    TASK_DONE,
    SurveyComparison,
    SurveyFigures,
    survey_results,
)
from app.web.charts import (
    DURATION_UNITS,
    Chart,
    ChartData,
    Reference,
    Series,
    bar_chart,
    column_chart,
    duration_unit,
    in_unit,
    line_chart,
    stacked_bar_chart,
)
from app.web.forms import SENTIMENT_LABELS

CHANNEL_LABELS = {
    "agent_form": _l("Agent form"),
    "api": _l("API"),
    "call_log": _l("Call log"),
    "web_form": _l("Web form"),
    "survey": _l("Survey"),
    "open311": _l("Open311"),
    "email": _l("E-mail"),
}
SCALE_TITLES = {
    "satisfaction": _l("Satisfaction by e-service"),
    "ease": _l("Ease of use by e-service"),
    "understood": _l("Understanding of what was asked, by e-service"),
}
SCALE_LABELS = {
    "satisfaction": _l("Satisfaction"),
    "ease": _l("Ease of use"),
    "understood": _l("Understanding"),
}
TASK_LABELS = {"yes": _l("Yes"), "partly": _l("Partly"), "no": _l("No")}


@dataclass(frozen=True)
class Figure:
    key: str  # its CSV's name, and the page's element ids
    title: str
    description: str
    category_label: str  # the heading of the categories in its table and CSV
    data: ChartData
    chart: Chart | None = None  # None: a table
    facts: bool = False  # one row, shown as a list of figures


@dataclass
class FigureSource:
    """What the figures of one page (or export) are built from: its filters and viewer, and
    the service results already fetched, since several figures share one."""

    filters: InsightFilter
    viewer: User
    _results: dict = field(default_factory=dict)
    _names: dict = field(default_factory=dict)

    def result(self, fetch: Callable, *args: str) -> Any:
        key = (fetch, args)
        if key not in self._results:
            self._results[key] = fetch(self.filters, self.viewer, *args)
        return self._results[key]

    def label(self, dimension: str, key: str | None) -> str:
        """The name of a channel, e-service or department in the page's language."""
        if key is None:
            return _("Not known")
        if dimension == "channel":
            return str(CHANNEL_LABELS.get(key, key))
        if dimension not in self._names:
            self._names[dimension] = names(dimension, current_language())
        return self._names[dimension].get(key, key)


_Builder = Callable[[FigureSource], Figure]
FIGURE_BUILDERS: dict[str, _Builder] = {}


def _figure(key: str) -> Callable[[_Builder], _Builder]:
    def register(build: _Builder) -> _Builder:
        FIGURE_BUILDERS[key] = build
        return build

    return register


def _period_heading(filters: InsightFilter) -> str:
    return _("Day") if filters.period == "day" else _("Week starting")


def _over_time(filters: InsightFilter, series: list[Series]) -> ChartData:
    periods = filters.periods()
    return ChartData(
        categories=tuple(local_date(day) for day in periods),
        series=tuple(series),
        keys=tuple(day.isoformat() for day in periods),
    )


def _duration(label: str, seconds: float | None) -> tuple[str, float | None, str]:
    unit = duration_unit([seconds])
    return _with_unit(label, unit), in_unit(seconds, unit), unit


def _with_unit(label: str, unit: str) -> str:
    """A series label naming its unit, so an export's numbers say what they count."""
    return _("%(label)s (%(unit)s)", label=label, unit=DURATION_UNITS[unit].name)


@_figure("summary")
def _summary(source: FigureSource) -> Figure:
    figures = source.result(key_figures)
    durations = (
        (_("Feedback to ticket, median"), figures.to_ticket.median),
        (_("Feedback to ticket, 90th percentile"), figures.to_ticket.p90),
        (_("Feedback to resolution, median"), figures.to_resolution.median),
        (_("Feedback to resolution, 90th percentile"), figures.to_resolution.p90),
    )
    values = (
        (_("Items received"), figures.totals.items, "count"),
        (_("About digital services"), figures.totals.digital_share, "percent"),
        # Each in its own unit: a minutes-long wait for a ticket beside days to a fix.
        *(_duration(label, seconds) for label, seconds in durations),
        (_("Problems resolved (you said, we did)"), figures.resolved.problems, "count"),
        (_("Citizens' reports answered by a fix"), figures.resolved.reports, "count"),
    )
    filters = source.filters
    period = f"{local_date(filters.first)}–{local_date(filters.last)}"
    data = ChartData(
        categories=(period,),
        series=tuple(Series(label, (value,), number) for label, value, number in values),
        keys=(f"{filters.first.isoformat()}/{filters.last.isoformat()}",),
    )
    description = _("Items received in the period, and how long their handling took.")
    return Figure("summary", _("Key figures"), description, _("Period"), data, facts=True)


@_figure("volume-channel")
def _volume_by_channel(source: FigureSource) -> Figure:
    rows = source.result(volume, "channel")
    counts = {(row.period, row.key): row.count for row in rows}
    totals = Counter()
    for row in rows:
        totals[row.key] += row.count
    periods = source.filters.periods()
    data = _over_time(
        source.filters,
        [
            Series(
                source.label("channel", channel),
                tuple(counts.get((day, channel), 0) for day in periods),
            )
            for channel, _count in totals.most_common()
        ],
    )
    description = _(
        "A column per period, a segment per channel; %(total)s items in all.",
        total=sum(totals.values()),
    )
    return Figure(
        "volume-channel",
        _("Items received by channel"),
        description,
        _period_heading(source.filters),
        data,
        column_chart(data),
    )


def _totals_figure(
    key: str, title: str, description: str, heading: str, rows: list[tuple[str, int]]
) -> Figure:
    data = ChartData(
        categories=tuple(name for name, _count in rows),
        series=(Series(_("Items"), tuple(count for _name, count in rows)),),
    )
    return Figure(key, title, description, heading, data, bar_chart(data))


@_figure("volume-eservice")
def _volume_by_eservice(source: FigureSource) -> Figure:
    rows = source.result(figures_by_eservice)
    return _totals_figure(
        "volume-eservice",
        _("Items received by e-service"),
        _("A bar per e-service, most items first."),
        _("E-service"),
        [(source.label("eservice", row.key), row.items) for row in rows],
    )


@_figure("volume-department")
def _volume_by_department(source: FigureSource) -> Figure:
    rows = source.result(volume_totals, "department")
    return _totals_figure(
        "volume-department",
        _("Items received by department"),
        _("A bar per department, most items first."),
        _("Department"),
        [(source.label("department", row.key), row.count) for row in rows],
    )


def _sentiment_series(rows: list) -> list[Series]:
    return [
        Series(
            str(SENTIMENT_LABELS[sentiment]),
            tuple(row.sentiment_share(sentiment) for row in rows),
            "percent",
        )
        for sentiment in SENTIMENTS
    ]


@_figure("sentiment-eservice")
def _sentiment_by_eservice(source: FigureSource) -> Figure:
    rows = [row for row in source.result(figures_by_eservice) if row.rated]
    data = ChartData(
        categories=tuple(source.label("eservice", row.key) for row in rows),
        series=tuple(_sentiment_series(rows)),
    )
    return Figure(
        "sentiment-eservice",
        _("Sentiment of items about digital services, by e-service"),
        _("A bar per e-service, split into its negative, neutral and positive shares."),
        _("E-service"),
        data,
        stacked_bar_chart(data),
    )


def _per_period(source: FigureSource) -> list:
    """The figures over time with a row for every period, empty ones included."""
    rows = {row.key: row for row in source.result(figures_over_time)}
    return [rows.get(day) for day in source.filters.periods()]


def _shares_over_time(
    source: FigureSource, key: str, title: str, description: str, series: list[Series]
) -> Figure:
    data = _over_time(source.filters, series)
    return Figure(
        key, title, description, _period_heading(source.filters), data, line_chart(data, maximum=1)
    )


@_figure("sentiment-time")
def _sentiment_over_time(source: FigureSource) -> Figure:
    rows = _per_period(source)
    series = [
        Series(
            str(SENTIMENT_LABELS[sentiment]),
            tuple(row.sentiment_share(sentiment) if row else None for row in rows),
            "percent",
        )
        for sentiment in SENTIMENTS
    ]
    return _shares_over_time(
        source,
        "sentiment-time",
        _("Sentiment of items about digital services over time"),
        _("A line per sentiment: its share of the items about digital services in each period."),
        series,
    )


@_figure("digital-share")
def _digital_share(source: FigureSource) -> Figure:
    shares = tuple(row.digital_share if row else None for row in _per_period(source))
    return _shares_over_time(
        source,
        "digital-share",
        _("Share of items about digital services"),
        _("A line over time: the share of analysed items that concern digital services."),
        [Series(_("About digital services"), shares, "percent")],
    )


@_figure("timings")
def _timings(source: FigureSource) -> Figure:
    figures = source.result(key_figures)
    measured = (figures.to_ticket, figures.to_resolution)
    # One unit for the whole chart (its bars share an axis), chosen from the data.
    unit = duration_unit([value for d in measured for value in (d.median, d.p90)])
    data = ChartData(
        categories=(_("Feedback to ticket"), _("Feedback to resolution")),
        series=(
            Series(
                _with_unit(_("Median"), unit),
                tuple(in_unit(d.median, unit) for d in measured),
                unit,
            ),
            Series(
                _with_unit(_("90th percentile"), unit),
                tuple(in_unit(d.p90, unit) for d in measured),
                unit,
            ),
        ),
    )
    return Figure(
        "timings",
        _("Time from feedback to ticket and to resolution"),
        _("Median and 90th percentile of the items received in the period."),
        _("Measure"),
        data,
        bar_chart(data),
    )


def _on_time_figure(dimension: str, title: str, heading: str) -> _Builder:
    def build(source: FigureSource) -> Figure:
        handled = {row.key: row for row in source.result(on_time_handling, dimension)}
        resolved = {row.key: row for row in source.result(on_time_resolution, dimension)}
        keys = sorted(handled.keys() | resolved.keys(), key=partial(source.label, dimension))

        def shares(rows: dict) -> tuple[float | None, ...]:
            return tuple(rows[key].share if key in rows else None for key in keys)

        data = ChartData(
            categories=tuple(source.label(dimension, key) for key in keys),
            series=(
                Series(_("First handled on time"), shares(handled), "percent"),
                Series(_("Problems resolved on time"), shares(resolved), "percent"),
            ),
        )
        return Figure(
            f"on-time-{dimension}",
            str(title),
            _(
                "Of the items received and the problems that started in the period, the "
                "share first handled and the share resolved within their target; those "
                "still within it are not counted yet."
            ),
            str(heading),
            data,
            bar_chart(data, maximum=1),
        )

    return build


_figure("on-time-department")(
    _on_time_figure("department", _l("On time by department"), _l("Department"))
)
_figure("on-time-eservice")(
    _on_time_figure("eservice", _l("On time by e-service"), _l("E-service"))
)


# --- survey figures --------------------------------------------------------------------


def _average_label(comparison: SurveyComparison) -> str:
    return _("City average") if comparison.city_wide else _("Average of your e-services")


def _with_average(source: FigureSource) -> tuple[tuple[str, ...], list[SurveyFigures]]:
    """The survey rows with the average first, and their labels."""
    comparison = source.result(survey_results)
    rows = [comparison.average, *comparison.eservices]
    labels = (_average_label(comparison), *(source.label("eservice", r.eservice) for r in rows[1:]))
    return labels, rows


def _scale_figure(measure: str) -> _Builder:
    def build(source: FigureSource) -> Figure:
        comparison = source.result(survey_results)
        rows = comparison.eservices
        data = ChartData(
            categories=tuple(source.label("eservice", row.eservice) for row in rows),
            series=(Series(_("Mean (1–5)"), tuple(row.mean(measure) for row in rows), "score"),),
        )
        average = comparison.average.mean(measure)
        reference = Reference(average, _average_label(comparison)) if average else None
        return Figure(
            f"survey-{measure}",
            str(SCALE_TITLES[measure]),
            _(
                "The mean answer on a scale from 1 to 5, a bar per e-service; the line is "
                "the average, %(average)s.",
                average=data.format(average),
            ),
            _("E-service"),
            data,
            bar_chart(data, reference=reference, maximum=5),
        )

    return build


for _measure in SCALES:
    _figure(f"survey-{_measure}")(_scale_figure(_measure))


@_figure("survey-task")
def _task_done(source: FigureSource) -> Figure:
    labels, rows = _with_average(source)
    data = ChartData(
        categories=labels,
        series=tuple(
            Series(
                str(TASK_LABELS[answer]), tuple(row.task_share(answer) for row in rows), "percent"
            )
            for answer in TASK_DONE
        ),
    )
    return Figure(
        "survey-task",
        _("Did they get done what they came to do?"),
        _("A bar for the average and one per e-service, split into yes, partly and no."),
        _("E-service"),
        data,
        stacked_bar_chart(data),
    )


@_figure("survey-help")
def _help(source: FigureSource) -> Figure:
    comparison = source.result(survey_results)
    rows = comparison.eservices
    data = ChartData(
        categories=tuple(source.label("eservice", row.eservice) for row in rows),
        series=(Series(_("Help available"), tuple(row.help_available for row in rows), "percent"),),
    )
    average = comparison.average.help_available
    reference = Reference(average, _average_label(comparison)) if average is not None else None
    return Figure(
        "survey-help",
        _("Help available when needed"),
        _(
            "Of those who needed help, the share who found it, a bar per e-service; the line "
            "is the average."
        ),
        _("E-service"),
        data,
        bar_chart(data, reference=reference, maximum=1),
    )


@_figure("survey-rates")
def _rates(source: FigureSource) -> Figure:
    labels, rows = _with_average(source)
    data = ChartData(
        categories=labels,
        series=(
            Series(_("Response rate"), tuple(row.response_rate for row in rows), "percent"),
            Series(_("Completion rate"), tuple(row.completion_rate for row in rows), "percent"),
        ),
    )
    return Figure(
        "survey-rates",
        _("Response and completion rates"),
        _(
            "Responses per completed transaction, where the e-service reports its "
            "transactions, and the share of responses saying the task got done."
        ),
        _("E-service"),
        data,
        bar_chart(data),
    )


@_figure("surveys")
def _survey_table(source: FigureSource) -> Figure:
    labels, rows = _with_average(source)
    columns = [
        (_("Responses"), [row.responses for row in rows], "count"),
        *((str(SCALE_LABELS[m]), [row.mean(m) for row in rows], "score") for m in SCALES),
        *(
            (
                _("Task done: %(answer)s", answer=TASK_LABELS[a]),
                [r.task_share(a) for r in rows],
                "percent",
            )
            for a in TASK_DONE
        ),
        (_("Help available"), [row.help_available for row in rows], "percent"),
        (_("Transactions"), [row.transactions for row in rows], "count"),
        (_("Response rate"), [row.response_rate for row in rows], "percent"),
        (_("Completion rate"), [row.completion_rate for row in rows], "percent"),
    ]
    data = ChartData(
        categories=labels,
        series=tuple(Series(label, tuple(values), number) for label, values, number in columns),
    )
    return Figure(
        "surveys",
        _("Survey results by e-service"),
        _("Every measure side by side, the average first."),
        _("E-service"),
        data,
    )


OVERVIEW_FIGURES = (
    "summary",
    "volume-channel",
    "volume-eservice",
    "volume-department",
    "sentiment-eservice",
    "sentiment-time",
    "digital-share",
    "timings",
    "on-time-department",
    "on-time-eservice",
)
SURVEY_FIGURES = (
    "survey-satisfaction",
    "survey-ease",
    "survey-understood",
    "survey-task",
    "survey-help",
    "survey-rates",
    "surveys",
)
SUPPLIER_FIGURES = (
    "summary",
    "volume-eservice",
    "sentiment-eservice",
    "survey-satisfaction",
    "survey-ease",
    "survey-task",
    "surveys",
)
