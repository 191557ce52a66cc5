"""Insight on the staff site: the overview, survey results, the supplier's view, CSV exports
of every chart and the spike alerts' banner.

A figure (app/web/insight_figures.py) is a chart or table built from one service result; the
same figure is drawn on its page and exported as CSV, so an export holds exactly what the
chart shows, and never personal data.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import partial

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired

from app.i18n import current_language
from app.models import CHANNELS, User
from app.services.catalog import department_names, eservice_names
from app.services.insight import (
    InsightFilter,
    range_error,
    recent_redacted_items,
    requested_days,
)
from app.services.spikes import ALERTED_ROLES, acknowledge_alert, active_alerts, banner_alerts
from app.services.survey_figures import visible_eservices
from app.web.auth import roles_required
from app.web.blueprints import staff_bp
from app.web.forms import SENTIMENT_LABELS, FilterDateField
from app.web.insight_figures import (
    CHANNEL_LABELS,
    FIGURE_BUILDERS,
    OVERVIEW_FIGURES,
    SUPPLIER_FIGURES,
    SURVEY_FIGURES,
    Figure,
    FigureSource,
)

INSIGHT_ROLES = ("analyst", "admin", "handler", "developer")


# --- filters ---------------------------------------------------------------------------------


class InsightFilterForm(FlaskForm):
    """The filters of the insight pages: a GET form that changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    since = FilterDateField(_l("From"))
    until = FilterDateField(_l("To"))
    department = SelectField(_l("Department"), choices=[], default="")
    eservice = SelectField(_l("E-service"), choices=[], default="")
    channel = SelectField(_l("Channel"), choices=[], default="")

    def __init__(self, viewer: User) -> None:
        super().__init__(request.args)
        language = current_language()
        if "department" in self:
            self.department.choices = [("", _("All departments")), *department_names(language)]
        visible = visible_eservices(viewer)
        self.eservice.choices = [
            ("", _("All e-services")),
            *((code, name) for code, name in eservice_names(language) if code in visible),
        ]
        if "channel" in self:
            self.channel.choices = [
                ("", _("All channels")),
                *((channel, CHANNEL_LABELS[channel]) for channel in CHANNELS),
            ]

    def days(self) -> tuple[date, date]:
        return requested_days(self.since.data, self.until.data, current_app.config["TIME_ZONE"])

    def validate(self, extra_validators: dict | None = None) -> bool:
        if not super().validate(extra_validators):
            return False
        error = range_error(*self.days())
        if error is not None:
            self.until.errors.append(error)
            return False
        return True

    def _chosen(self, name: str) -> str | None:
        return (self[name].data or None) if name in self else None

    def insight_filter(self) -> InsightFilter:
        first, last = self.days()
        return InsightFilter(
            first,
            last,
            current_app.config["TIME_ZONE"],
            department=self._chosen("department"),
            eservice=self._chosen("eservice"),
            channel=self._chosen("channel"),
        )

    def query(self) -> dict[str, str]:
        """The filters as URL parameters, for the export links."""
        first, last = self.days()
        chosen = {name: self._chosen(name) for name in ("department", "eservice", "channel")}
        return {
            "since": first.isoformat(),
            "until": last.isoformat(),
            **{name: value for name, value in chosen.items() if value},
        }


class SurveyFilterForm(InsightFilterForm):
    channel = None  # every response comes through the survey


class SupplierFilterForm(InsightFilterForm):
    department = None
    channel = None


class AcknowledgeForm(FlaskForm):
    alert = IntegerField(validators=[DataRequired()])
    next = HiddenField()


# --- pages -----------------------------------------------------------------------------------


def _invalid(template: str, form: InsightFilterForm, **context: object) -> ResponseReturnValue:
    """The page with the form's errors and no figures."""
    return render_template(template, form=form, figures=[], **context), 400


def _page(
    template: str,
    form: InsightFilterForm,
    source: FigureSource,
    figure_keys: tuple[str, ...],
    **context: object,
) -> ResponseReturnValue:
    figures = [FIGURE_BUILDERS[key](source) for key in figure_keys]
    return render_template(
        template, form=form, figures=figures, export_query=form.query(), **context
    )


@staff_bp.get("/insight")
@roles_required(*INSIGHT_ROLES)
def insight() -> ResponseReturnValue:
    form = InsightFilterForm(current_user)
    alerts = active_alerts(current_user)
    if not form.validate():
        return _invalid("staff/insight.html", form, alerts=alerts)
    source = FigureSource(form.insight_filter(), current_user)
    return _page("staff/insight.html", form, source, OVERVIEW_FIGURES, alerts=alerts)


@staff_bp.get("/insight/surveys")
@roles_required(*INSIGHT_ROLES)
def insight_surveys() -> ResponseReturnValue:
    form = SurveyFilterForm(current_user)
    if not form.validate():
        return _invalid("staff/insight_surveys.html", form)
    source = FigureSource(form.insight_filter(), current_user)
    return _page("staff/insight_surveys.html", form, source, SURVEY_FIGURES)


@staff_bp.get("/supplier")
@roles_required("supplier")
def supplier() -> ResponseReturnValue:
    form = SupplierFilterForm(current_user)
    if not form.validate():
        return _invalid("staff/supplier.html", form)
    source = FigureSource(form.insight_filter(), current_user)
    return _page(
        "staff/supplier.html",
        form,
        source,
        SUPPLIER_FIGURES,
        items=recent_redacted_items(source.filters, current_user),
        eservice_name=partial(source.label, "eservice"),
        sentiment_labels=SENTIMENT_LABELS,
    )


def _csv_cell(value: object) -> object:
    """A cell safe to open in a spreadsheet: text that a spreadsheet would run as a formula
    (starting with = + - @, or a tab or carriage return) is prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, float):
        return round(value, 4)
    return "" if value is None else value


def csv_response(figure: Figure, name: str) -> Response:
    """The figure's table as a CSV download named ``name``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_csv_cell(figure.category_label), *(_csv_cell(s.label) for s in figure.data.series)]
    )
    keys = figure.data.keys or figure.data.categories
    for key, (_category, values) in zip(keys, figure.data.rows(), strict=True):
        writer.writerow([_csv_cell(key), *(_csv_cell(value) for value in values)])
    return Response(
        # The byte-order mark makes spreadsheet programs read the file as UTF-8 (å, ä, ö).
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@staff_bp.get("/insight/<chart>.csv")
@roles_required(*INSIGHT_ROLES, "supplier")
def insight_export(chart: str) -> ResponseReturnValue:
    supplier_view = current_user.role == "supplier"
    if chart not in (SUPPLIER_FIGURES if supplier_view else FIGURE_BUILDERS):
        abort(404)
    form = (SupplierFilterForm if supplier_view else InsightFilterForm)(current_user)
    if not form.validate():
        abort(
            400,
            "; ".join(
                f"{form[name].label.text}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            ),
        )
    filters = form.insight_filter()
    figure = FIGURE_BUILDERS[chart](FigureSource(filters, current_user))
    return csv_response(
        figure, f"{chart}_{filters.first.isoformat()}_{filters.last.isoformat()}.csv"
    )


# --- spike alerts ------------------------------------------------------------------------------


@staff_bp.context_processor
def _spike_banner() -> dict[str, object]:
    """The banner's alerts, fetched only when a page includes the banner."""

    def alerts() -> list:
        return banner_alerts(current_user) if current_user.is_authenticated else []

    return {"spike_banner_alerts": alerts}


def _back(target: str | None) -> str:
    """Where the banner was: a staff page of this site, never elsewhere."""
    if target and target.startswith("/staff/") and "//" not in target and "\\" not in target:
        return target
    return url_for("staff.insight")


@staff_bp.post("/insight/alerts/acknowledge")
@roles_required(*ALERTED_ROLES)
def acknowledge_spike() -> ResponseReturnValue:
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        abort(400)
    if acknowledge_alert(form.alert.data, current_user) is None:
        abort(404)
    flash(_("Alert acknowledged: the banner is gone for everyone in the department."), "success")
    return redirect(_back(form.next.data))
