"""Comparing with other cities on the staff site: our figures per service type beside the
peers' median and quartiles (a chart, its table and CSV per measure, as the insight pages
draw them), and the admins' page to import a peer's file and read the import log."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SelectField

from app.extensions import db
from app.i18n import current_language
from app.models import BenchmarkFigure
from app.services.benchmark.comparison import MEASURES, Comparison, compare
from app.services.benchmark.exchange import import_file, import_log
from app.services.benchmark.export import previous_month
from app.services.benchmark.types import type_name
from app.web.auth import roles_required
from app.web.blueprints import staff_bp
from app.web.charts import ChartData, Series, bar_chart
from app.web.insight_figures import Figure
from app.web.staff_insight import INSIGHT_ROLES, csv_response

COMPARE_ROLES = (*INSIGHT_ROLES, "supplier")
MONTHS_OFFERED = 24
MEASURE_TITLES = {
    "satisfaction": _l("Satisfaction (mean, 1–5)"),
    "ease": _l("Ease of use (mean, 1–5)"),
    "understood": _l("Understanding of what was asked (mean, 1–5)"),
    "task-done": _l("Got done what they came to do"),
    "help-available": _l("Help available when needed"),
    "completion-rate": _l("Transactions completed of those started"),
    "negative-share": _l("Negative share of comments about digital services"),
    "resolution-median": _l("Time from feedback to resolution, median"),
    "resolution-p90": _l("Time from feedback to resolution, 90th percentile"),
}
_AXIS_ENDS = {"score": 5, "percent": 1}
SOURCE_LABELS = {
    "upload": _l("Uploaded"),
    "command": _l("Command line"),
    "fetch": _l("Fetched"),
}


class ComparisonForm(FlaskForm):
    """The month to compare: a GET form that changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    period = SelectField(_l("Month"), choices=[])

    def __init__(self) -> None:
        super().__init__(request.args)
        zone = ZoneInfo(current_app.config["TIME_ZONE"])
        latest = previous_month(datetime.now(zone).date())
        year, month = map(int, latest.split("-"))
        recent = []
        for _step in range(MONTHS_OFFERED):
            recent.append(f"{year:04d}-{month:02d}")
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        shared = db.session.scalars(select(BenchmarkFigure.period).distinct())
        months = sorted(set(recent) | set(shared), reverse=True)
        self.period.choices = [(month, month) for month in months]
        if not self.period.data:
            self.period.data = latest


def _figure(comparison: Comparison, measure: str, ours_label: str) -> Figure:
    """One measure: a bar per service type for us and the peers' quartiles; the table and
    CSV also give every city's own figure."""
    number = MEASURES[measure].number
    rows = comparison.rows(measure)
    language = current_language()
    quartiles = [row.quartiles for row in rows]
    summary = (
        Series(ours_label, tuple(row.ours for row in rows), number),
        Series(_("Peers' lower quartile"), tuple(q[0] for q in quartiles), number),
        Series(_("Peers' median"), tuple(row.median for row in rows), number),
        Series(_("Peers' upper quartile"), tuple(q[1] for q in quartiles), number),
    )
    per_city = tuple(
        Series(
            city,
            tuple(
                next((peer.value for peer in row.peers if peer.label == city), None) for row in rows
            ),
            number,
        )
        for city in comparison.cities
    )
    categories = tuple(type_name(row.service_type, language) for row in rows)
    keys = tuple(row.service_type for row in rows)
    data = ChartData(categories, (*summary, *per_city), keys)
    chart = bar_chart(ChartData(categories, summary, keys), maximum=_AXIS_ENDS.get(number))
    return Figure(
        measure,
        str(MEASURE_TITLES[measure]),
        _(
            "A group of bars per service type: ours, then the lower quartile, median and "
            "upper quartile of the other cities' figures."
        ),
        _("Service type"),
        data,
        chart,
    )


def _comparison(period: str) -> Comparison:
    return compare(period, current_user, int(current_app.config["BENCHMARK_MIN_CELL"]))


def _ours_label() -> str:
    return _("Your e-services") if current_user.role == "supplier" else _("Our city")


@staff_bp.get("/benchmark")
@roles_required(*COMPARE_ROLES)
def benchmark() -> ResponseReturnValue:
    form = ComparisonForm()
    if not form.validate():
        return render_template("staff/benchmark.html", form=form, figures=[], cities=[]), 400
    comparison = _comparison(form.period.data)
    figures = [_figure(comparison, measure, _ours_label()) for measure in MEASURES]
    return render_template(
        "staff/benchmark.html",
        form=form,
        figures=figures,
        cities=comparison.cities,
        period=form.period.data,
    )


@staff_bp.get("/benchmark/<measure>.csv")
@roles_required(*COMPARE_ROLES)
def benchmark_export(measure: str) -> ResponseReturnValue:
    form = ComparisonForm()
    if measure not in MEASURES:
        abort(404)
    if not form.validate():
        abort(400, "; ".join(" ".join(errors) for errors in form.errors.values()))
    period = form.period.data
    figure = _figure(_comparison(period), measure, _ours_label())
    return csv_response(figure, f"benchmark_{measure}_{period}.csv")


class BenchmarkUploadForm(FlaskForm):
    file = FileField(_l("A city's signed benchmark file (JSON)"), validators=[FileRequired()])


@staff_bp.route("/benchmark/imports", methods=["GET", "POST"])
@roles_required("admin")
def benchmark_imports() -> ResponseReturnValue:
    form = BenchmarkUploadForm()
    if form.validate_on_submit():
        attempt = import_file(form.file.data.read(), "upload", current_user).attempt
        if attempt.accepted:
            flash(
                _(
                    "Imported %(city)s, %(period)s: %(count)d service types.",
                    city=attempt.peer.name,
                    period=attempt.period,
                    count=attempt.service_types,
                ),
                "success",
            )
            return redirect(url_for("staff.benchmark_imports"))
        form.file.errors.append(_("Refused: %(reason)s", reason=attempt.reason))
    page = render_template(
        "staff/benchmark_imports.html",
        form=form,
        attempts=import_log(),
        source_labels=SOURCE_LABELS,
    )
    return page, 400 if form.errors else 200
