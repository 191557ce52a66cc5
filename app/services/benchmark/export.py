"""A city's benchmark document: one month's figures per service type, for other cities.

The figures are those of the insight pages (app/services/insight.py), grouped by the
e-services' types in the shared code list rather than by e-service, from SQL aggregates
(the daily roll-up for items). Nothing else leaves: no text, no personal data, no ids, and
nothing at all about a cell (a type's responses, or its items) with fewer than
BENCHMARK_MIN_CELL of them; a type with neither cell big enough is left out entirely.
The document's shape is app/data/benchmark.schema.json.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import ColumnElement, func, select

from app.extensions import db
from app.models import (
    EService,
    Feedback,
    FeedbackDay,
    SurveyResponse,
    Ticket,
    TicketOutcome,
    TransactionCount,
)
from app.models.types import utcnow
from app.services.benchmark.signing import load_private_key, sign
from app.services.followup import undisputed_fix
from app.services.insight import SENTIMENTS, InsightFilter
from app.services.rollups import count_if, has_stale_days, recount_stale_days
from app.services.sql_time import SecondsBetween
from app.services.survey_figures import SCALES, TASK_DONE

FORMAT = "civicloop-benchmark"
VERSION = 1
PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
HELP_ANSWERS = ("yes", "no", "not_needed")
POINTS = ("1", "2", "3", "4", "5")


class PeriodError(ValueError):
    """Not a month as YYYY-MM."""


def month_days(period: str) -> tuple[date, date]:
    """The first and last day of a month given as YYYY-MM."""
    match = PERIOD_PATTERN.match(period or "")
    if match is None:
        raise PeriodError("A month as YYYY-MM, such as 2026-11.")
    first = date(int(match[1]), int(match[2]), 1)
    following = (first + timedelta(days=31)).replace(day=1)
    return first, following - timedelta(days=1)


def previous_month(today: date) -> str:
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def _typed_eservices(eservice_ids: set[int] | None) -> dict[int, str]:
    """E-service id → service type, of those mapped to one (inactive ones too)."""
    query = select(EService.id, EService.service_type).where(EService.service_type.is_not(None))
    if eservice_ids is not None:
        query = query.where(EService.id.in_(eservice_ids))
    return dict(db.session.execute(query).all())


def _survey_counts(
    filters: InsightFilter, types: dict[int, str], counting: set[int]
) -> dict[str, Counter]:
    """Per type: responses, and answers per measure and value (``satisfaction:4``…);
    ``responses_counted``: those of the e-services in ``counting`` (that count transactions)."""
    columns = [func.count().label("responses")]
    for measure in SCALES:
        column = getattr(SurveyResponse, measure)
        columns += [count_if(column == int(point)).label(f"{measure}:{point}") for point in POINTS]
    columns += [
        count_if(SurveyResponse.task_done == answer).label(f"task_done:{answer}")
        for answer in TASK_DONE
    ]
    columns += [
        count_if(SurveyResponse.help_available == answer).label(f"help_available:{answer}")
        for answer in HELP_ANSWERS
    ]
    rows = db.session.execute(
        select(SurveyResponse.eservice_id, *columns)
        .where(
            SurveyResponse.received_at >= filters.since,
            SurveyResponse.received_at < filters.until,
            SurveyResponse.eservice_id.in_(types),
        )
        .group_by(SurveyResponse.eservice_id)
    )
    counts: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        values = dict(row._mapping)
        eservice_id = values.pop("eservice_id")
        counts[types[eservice_id]].update({key: int(value) for key, value in values.items()})
        if eservice_id in counting:
            counts[types[eservice_id]]["responses_counted"] += int(values["responses"])
    return counts


def _transactions(
    filters: InsightFilter, types: dict[int, str]
) -> tuple[dict[str, Counter], set[int]]:
    """Per type: transactions started and completed, on the days the start is counted; and
    the e-services that count them."""
    rows = db.session.execute(
        select(
            TransactionCount.eservice_id,
            func.sum(TransactionCount.started),
            func.sum(TransactionCount.completed),
        )
        .where(
            TransactionCount.day >= filters.first,
            TransactionCount.day <= filters.last,
            TransactionCount.started.is_not(None),
            TransactionCount.eservice_id.in_(types),
        )
        .group_by(TransactionCount.eservice_id)
    )
    counts: dict[str, Counter] = defaultdict(Counter)
    counting = set()
    for eservice_id, started, completed in rows:
        counts[types[eservice_id]].update(started=int(started), completed=int(completed))
        counting.add(eservice_id)
    return counts, counting


_ITEM_COUNTS = ("items", "analysed", "digital", *SENTIMENTS)


def _item_counts(filters: InsightFilter, types: dict[int, str]) -> dict[str, Counter]:
    """Per type, from the daily roll-up (counted again first where stale)."""
    if has_stale_days():
        recount_stale_days()
    rows = db.session.execute(
        select(
            FeedbackDay.eservice_id,
            *(func.sum(getattr(FeedbackDay, name)).label(name) for name in _ITEM_COUNTS),
        )
        .where(
            FeedbackDay.day >= filters.first,
            FeedbackDay.day <= filters.last,
            FeedbackDay.eservice_id.in_(types),
        )
        .group_by(FeedbackDay.eservice_id)
    )
    counts: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        counts[types[row.eservice_id]].update(
            {name: int(row._mapping[name]) for name in _ITEM_COUNTS}
        )
    return counts


def _nearest_rank(ordered: list[float], percentile: int) -> float:
    """As the insight pages' percentiles: the value at rank ceil(p * n / 100)."""
    return ordered[(percentile * len(ordered) + 99) // 100 - 1]


def _resolution_seconds(filters: InsightFilter, types: dict[int, str]) -> dict[str, list[float]]:
    """Per type: seconds from receiving to resolving the items received in the month."""
    rows = db.session.execute(
        select(
            Feedback.eservice_id, SecondsBetween(Feedback.resolved_at, Feedback.received_at)
        ).where(
            Feedback.received_at >= filters.since,
            Feedback.received_at < filters.until,
            Feedback.resolved_at.is_not(None),
            Feedback.eservice_id.in_(types),
        )
    )
    seconds: dict[str, list[float]] = defaultdict(list)
    for eservice_id, value in rows:
        seconds[types[eservice_id]].append(float(value))
    return seconds


def _fixes(filters: InsightFilter, types: dict[int, str]) -> dict[str, Counter]:
    """Per type: problems fixed in the month, and those of them their citizens dispute."""
    undisputed: ColumnElement[bool] = undisputed_fix()
    rows = db.session.execute(
        select(Ticket.eservice_id, func.count(), count_if(undisputed))
        .where(
            Ticket.outcome == TicketOutcome.FIXED,
            Ticket.resolved_at >= filters.since,
            Ticket.resolved_at < filters.until,
            Ticket.eservice_id.in_(types),
        )
        .group_by(Ticket.eservice_id)
    )
    counts: dict[str, Counter] = defaultdict(Counter)
    for eservice_id, fixes, kept in rows:
        counts[types[eservice_id]].update(fixed=int(kept), disputed=int(fixes) - int(kept))
    return counts


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _survey_cell(counts: Counter, transactions: Counter | None) -> dict:
    answers = {
        measure: {point: counts[f"{measure}:{point}"] for point in POINTS} for measure in SCALES
    }
    means = {}
    for measure, histogram in answers.items():
        answered = sum(histogram.values())
        points = sum(int(point) * count for point, count in histogram.items())
        means[measure] = round(points / answered, 4) if answered else None
    task_done = {answer: counts[f"task_done:{answer}"] for answer in TASK_DONE}
    help_given = {answer: counts[f"help_available:{answer}"] for answer in HELP_ANSWERS}
    cell = {
        "responses": counts["responses"],
        "answers": answers,
        "means": means,
        "task_done": task_done,
        "task_done_share": _share(task_done["yes"], sum(task_done.values())),
        "help_available": help_given,
        "help_available_share": _share(help_given["yes"], help_given["yes"] + help_given["no"]),
    }
    if transactions:
        cell["transactions"] = {
            "started": transactions["started"],
            "completed": transactions["completed"],
            "completion_rate": _share(transactions["completed"], transactions["started"]),
            # Responses per completed transaction, of the e-services that count them.
            "response_rate": _share(counts["responses_counted"], transactions["completed"]),
        }
    return cell


def _items_cell(counts: Counter) -> dict:
    sentiment = {name: counts[name] for name in SENTIMENTS}
    return {
        "count": counts["items"],
        "analysed": counts["analysed"],
        "digital": counts["digital"],
        "digital_share": _share(counts["digital"], counts["analysed"]),
        "sentiment": sentiment,
        "negative_share": _share(sentiment["negative"], sum(sentiment.values())),
    }


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def type_figures(
    period: str, minimum: int, eservice_ids: Iterable[int] | None = None
) -> list[dict]:
    """The month's cells per service type, of every e-service mapped to one (or only of
    ``eservice_ids``); a cell below ``minimum`` is left out, a type without any too."""
    first, last = month_days(period)
    filters = InsightFilter(first, last, current_app.config["TIME_ZONE"])
    types = _typed_eservices(None if eservice_ids is None else set(eservice_ids))
    if not types:
        return []
    transactions, counting = _transactions(filters, types)
    surveys = _survey_counts(filters, types, counting)
    items = _item_counts(filters, types)
    resolutions = _resolution_seconds(filters, types)
    fixes = _fixes(filters, types)
    cells = []
    for code in sorted(set(types.values())):
        cell: dict = {"code": code}
        if surveys[code]["responses"] >= minimum:
            cell["survey"] = _survey_cell(surveys[code], transactions.get(code))
        if items[code]["items"] >= minimum:
            cell["items"] = _items_cell(items[code])
            cell["problems"] = {"fixed": fixes[code]["fixed"], "disputed": fixes[code]["disputed"]}
            resolved = sorted(resolutions[code])
            if len(resolved) >= minimum:
                cell["resolution"] = {
                    "resolved": len(resolved),
                    "median_hours": _hours(_nearest_rank(resolved, 50)),
                    "p90_hours": _hours(_nearest_rank(resolved, 90)),
                }
        if len(cell) > 1:
            cells.append(cell)
    return cells


def build_document(period: str) -> dict:
    """This city's document for ``period`` (YYYY-MM), unsigned."""
    config = current_app.config
    named = bool(config["BENCHMARK_SHOW_NAME"])
    minimum = int(config["BENCHMARK_MIN_CELL"])
    return {
        "format": FORMAT,
        "version": VERSION,
        "city": {
            "code": config["BENCHMARK_CITY_CODE"],
            "name": config["BENCHMARK_CITY_NAME"] if named else None,
            "named": named,
        },
        "period": period,
        "time_zone": config["TIME_ZONE"],
        "generated_at": utcnow().replace(microsecond=0).isoformat(),
        "min_cell": minimum,
        "service_types": type_figures(period, minimum),
    }


def signed_export(period: str) -> dict:
    """The signed envelope of this city's document for ``period``, as peers import it."""
    month_days(period)  # refuses a bad period before the key is read
    private = load_private_key(Path(current_app.config["BENCHMARK_KEY_FILE"]))
    return sign(build_document(period), private)
