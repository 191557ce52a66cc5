"""The figures of the insight pages and the supplier API.

Every figure comes from SQL aggregates over an indexed time range (GROUP BY period or
e-service, never a loop over items in Python): what comes back is a row per period,
channel, e-service or department. Periods are days or weeks in the city's time zone (invariant 7).
Item counts are read from the daily roll-up (FeedbackDay, app/services/rollups.py), a row per
day, department, e-service and channel, so a year of a large city is tens of thousands of
rows rather than a million items; durations and resolutions still read the items and tickets.

Who sees what: feedback figures are limited by ``feedback_scope`` (app/services/access.py);
survey figures (app/services/survey_figures.py) by the e-services the viewer may see. A
supplier's averages are over its own e-services only, so they cannot be used to work out
another supplier's figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, func, or_, select

from app.extensions import db
from app.models import (
    Department,
    EService,
    Feedback,
    FeedbackDay,
    Ticket,
    User,
)
from app.models.types import utcnow
from app.services.access import feedback_scope, ticket_scope
from app.services.deadlines import (
    first_handled_at,
    handling_target,
    resolution_target,
    with_handling_deadline,
    with_resolution_deadline,
)
from app.services.followup import undisputed_fix
from app.services.rollups import count_if, has_stale_days, recount_stale_days
from app.services.sql_time import SecondsBetween, seconds_since
from app.services.survey_figures import SurveyFigures, eservice_survey, survey_results

MAX_RANGE_DAYS = 731  # two years: a year beside the one before
DAILY_UP_TO_DAYS = 62  # longer ranges go by week: a bar per day would be too thin to read
SENTIMENTS = ("negative", "neutral", "positive")


# --- the filters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InsightFilter:
    """Whole local days from ``first`` to ``last`` (both included), optionally one
    department, e-service (codes) or channel."""

    first: date
    last: date
    zone: str = "UTC"
    department: str | None = None
    eservice: str | None = None
    channel: str | None = None

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def since(self) -> datetime:
        return self._midnight(self.first)

    @property
    def until(self) -> datetime:
        """The end, exclusive: midnight after the last day."""
        return self._midnight(self.last + timedelta(days=1))

    @property
    def period(self) -> str:
        """ "day" or "week": how the figures over time are grouped."""
        return "day" if (self.last - self.first).days < DAILY_UP_TO_DAYS else "week"

    def periods(self) -> list[date]:
        """The first day of every period in the range, so charts show the empty ones too."""
        if self.period == "day":
            start, step = self.first, 1
        else:
            start, step = self.first - timedelta(days=self.first.weekday()), 7
        return [start + timedelta(days=n) for n in range(0, (self.last - start).days + 1, step)]

    def period_of(self, day: date) -> date:
        """The first day of the period ``day`` falls in."""
        return day if self.period == "day" else day - timedelta(days=day.weekday())


def range_error(first: date, last: date) -> str | None:
    """What is wrong with a range of days, for the filter forms and the API."""
    if last < first:
        return _("The end date must not be before the start date.")
    if (last - first).days >= MAX_RANGE_DAYS:
        return _("Choose at most %(days)d days.", days=MAX_RANGE_DAYS)
    return None


def requested_days(first: date | None, last: date | None, zone: str) -> tuple[date, date]:
    """The range asked for: the last 30 local days when none; from a start alone, to today
    (or that day, when later); to an end alone, the 30 days to it."""
    if last is None:
        today = datetime.now(ZoneInfo(zone)).date()
        last = today if first is None else max(first, today)
    return first or last - timedelta(days=29), last


def _code_id(model: type[Department] | type[EService], code: str) -> ColumnElement[int]:
    return select(model.id).where(model.code == code).scalar_subquery()


def _feedback_conditions(
    filters: InsightFilter, viewer: User, moment: ColumnElement[datetime] = Feedback.received_at
) -> list[ColumnElement[bool]]:
    """The items of the figures: in the viewer's scope, ``moment`` in the range, filtered."""
    return [
        *_chosen(filters, viewer, Feedback),
        moment >= filters.since,
        moment < filters.until,
    ]


def _chosen(
    filters: InsightFilter, viewer: User, rows: type[Feedback] | type[FeedbackDay]
) -> list[ColumnElement[bool]]:
    """Items, or roll-up rows counting them, in the viewer's scope and the filters'
    department, e-service and channel."""
    conditions = [feedback_scope(viewer, rows.department_id, rows.eservice_id)]
    if filters.department is not None:
        conditions.append(rows.department_id == _code_id(Department, filters.department))
    if filters.eservice is not None:
        conditions.append(rows.eservice_id == _code_id(EService, filters.eservice))
    if filters.channel is not None:
        conditions.append(rows.channel == filters.channel)
    return conditions


# --- volume ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    key: str | None  # the channel, or the e-service's or department's code; None: not known
    count: int


@dataclass(frozen=True)
class PeriodCount:
    period: date  # its first day
    key: str | None
    count: int


_DIMENSION_COLUMNS = {
    "channel": FeedbackDay.channel,
    "eservice": FeedbackDay.eservice_id,
    "department": FeedbackDay.department_id,
}
_DIMENSION_MODELS = {"eservice": EService, "department": Department}


def _keys(dimension: str, values: Iterable[object]) -> dict[object, str | None]:
    """Group values as codes: the aggregates group by id (no join over the items)."""
    model = _DIMENSION_MODELS.get(dimension)
    if model is None:
        return {value: value for value in values}  # type: ignore[misc]
    codes = dict(db.session.execute(select(model.id, model.code)).all())
    return {value: codes.get(value) for value in values}


def names(dimension: str, language: str) -> dict[str, str]:
    """The e-services' or departments' names in ``language``, by code (inactive ones too:
    their items stay in the figures)."""
    model = _DIMENSION_MODELS[dimension]
    return {row.code: row.name_in(language) for row in db.session.scalars(select(model))}


def _day_conditions(filters: InsightFilter, viewer: User) -> list[ColumnElement[bool]]:
    """The roll-up rows of the items in the figures, after counting any stale days again
    (app/services/rollups.py), so that the figures are those of the committed items."""
    if has_stale_days():
        recount_stale_days()
    return [
        *_chosen(filters, viewer, FeedbackDay),
        FeedbackDay.day >= filters.first,
        FeedbackDay.day <= filters.last,
    ]


def volume(filters: InsightFilter, viewer: User, dimension: str) -> list[PeriodCount]:
    """Items received per period and channel, e-service or department."""
    key = _DIMENSION_COLUMNS[dimension]
    rows = db.session.execute(
        select(FeedbackDay.day, key, func.sum(FeedbackDay.items))
        .where(*_day_conditions(filters, viewer))
        .group_by(FeedbackDay.day, key)
    ).all()
    counts: Counter[tuple[date, object]] = Counter()
    for day, value, count in rows:
        counts[filters.period_of(day), value] += count
    codes = _keys(dimension, {value for _day, value in counts})
    return [
        PeriodCount(period, codes[value], count)
        for (period, value), count in sorted(counts.items(), key=lambda e: (e[0][0], str(e[0][1])))
    ]


def volume_totals(filters: InsightFilter, viewer: User, dimension: str) -> list[Count]:
    """Items received per channel, e-service or department, most first."""
    key = _DIMENSION_COLUMNS[dimension]
    count = func.sum(FeedbackDay.items).label("count")
    rows = db.session.execute(
        select(key, count)
        .where(*_day_conditions(filters, viewer))
        .group_by(key)
        .order_by(count.desc())
    ).all()
    codes = _keys(dimension, {row[0] for row in rows})
    return [Count(codes[value], count) for value, count in rows]


# --- one problem's affected citizens over time ----------------------------------------------


@dataclass(frozen=True)
class AffectedOverTime:
    """The running count of a problem group's items at the end of each period."""

    period: str  # "day", or "week" over a long span
    totals: list[tuple[date, int]]


def affected_over_time(ticket: Ticket, zone: str) -> AffectedOverTime:
    """How many citizens a problem had affected by the end of every local day (week, over a
    long span), from its first item's day to its resolution (or today).

    An item counts from when it was received, not from when it joined: grouping follows
    within minutes, and an item a handler moves in later had the problem since its own day.
    Spans longer than ``MAX_RANGE_DAYS`` start later, the earlier items in the first total.
    """
    earliest = db.session.scalar(
        select(func.min(Feedback.received_at)).where(Feedback.ticket_id == ticket.id)
    )
    if earliest is None:
        return AffectedOverTime("day", [])
    local = ZoneInfo(zone)
    first = earliest.astimezone(local).date()
    last = max(first, (ticket.resolved_at or utcnow()).astimezone(local).date())
    filters = InsightFilter(max(first, last - timedelta(days=MAX_RANGE_DAYS - 1)), last, zone)
    # A group's items are few enough (thousands at most) to count by day here, exactly in
    # the city's zone on both databases.
    # A citizen counts from their first report; items without a contact each count.
    first_report: dict[object, datetime] = {}
    for item_id, contact_id, received in db.session.execute(
        select(Feedback.id, Feedback.contact_id, Feedback.received_at).where(
            Feedback.ticket_id == ticket.id
        )
    ):
        citizen = contact_id if contact_id is not None else ("item", item_id)
        first_report[citizen] = min(received, first_report.get(citizen, received))
    counts = Counter(
        filters.period_of(received.astimezone(local).date()) for received in first_report.values()
    )
    totals, running, pending = [], 0, sorted(counts.items())
    for start in filters.periods():
        while pending and pending[0][0] <= start:
            running += pending.pop(0)[1]
        totals.append((start, running))
    return AffectedOverTime(filters.period, totals)


# --- sentiment and digital share ---------------------------------------------------------


@dataclass(frozen=True)
class ItemFigures:
    """Items of one e-service or period (or all of them): how many were about digital
    services, and the sentiment of those."""

    key: str | date | None  # the e-service's code or the period's first day
    items: int
    analysed: int  # whether about digital services is known
    digital: int
    negative: int = 0
    neutral: int = 0
    positive: int = 0

    @property
    def digital_share(self) -> float | None:
        return self.digital / self.analysed if self.analysed else None

    @property
    def rated(self) -> int:
        return self.negative + self.neutral + self.positive

    def sentiment_share(self, sentiment: str) -> float | None:
        """The share of digital items with ``sentiment`` among those with any."""
        return getattr(self, sentiment) / self.rated if self.rated else None


_FIGURE_COUNTS = ("items", "analysed", "digital", *SENTIMENTS)


def _figure_columns() -> list[ColumnElement[int]]:
    return [
        func.coalesce(func.sum(getattr(FeedbackDay, name)), 0).label(name)
        for name in _FIGURE_COUNTS
    ]


def _figures(key: object, row: object) -> ItemFigures:
    mapping = row._mapping  # type: ignore[attr-defined]
    return ItemFigures(key=key, **{name: int(mapping[name]) for name in _FIGURE_COUNTS})  # type: ignore[arg-type]


def figures_by_eservice(filters: InsightFilter, viewer: User) -> list[ItemFigures]:
    """Per e-service (None: not known yet), most items first."""
    items = func.sum(FeedbackDay.items)
    rows = db.session.execute(
        select(FeedbackDay.eservice_id.label("key"), *_figure_columns())
        .where(*_day_conditions(filters, viewer))
        .group_by(FeedbackDay.eservice_id)
        .order_by(items.desc())
    ).all()
    codes = _keys("eservice", {row.key for row in rows})
    return [_figures(codes[row.key], row) for row in rows]


def figures_over_time(filters: InsightFilter, viewer: User) -> list[ItemFigures]:
    """Per period (``filters.period``), oldest first; periods without items are left out."""
    rows = db.session.execute(
        select(FeedbackDay.day.label("key"), *_figure_columns())
        .where(*_day_conditions(filters, viewer))
        .group_by(FeedbackDay.day)
    ).all()
    periods: dict[date, Counter[str]] = {}
    for row in rows:
        periods.setdefault(filters.period_of(row.key), Counter()).update(
            {name: int(row._mapping[name]) for name in _FIGURE_COUNTS}
        )
    return [
        ItemFigures(key=period, **{name: counts[name] for name in _FIGURE_COUNTS})
        for period, counts in sorted(periods.items())
    ]


# --- time to ticket and resolution; "you said, we did" -------------------------------------


@dataclass(frozen=True)
class Durations:
    """Nearest-rank percentiles, in seconds; None when nothing was measured."""

    count: int
    median: float | None
    p90: float | None


def _durations(
    seconds: ColumnElement[float], conditions: Sequence[ColumnElement[bool]], join: bool
) -> Durations:
    ranked = select(
        seconds.label("seconds"),
        func.row_number().over(order_by=seconds).label("rank"),
        func.count().over().label("n"),
    ).where(*conditions)
    if join:
        ranked = ranked.select_from(Feedback).join(Ticket, Feedback.ticket_id == Ticket.id)
    ranked = ranked.subquery()
    # The nearest rank of percentile p is ceil(p * n / 100), in integers on both databases.
    median_rank = ((50 * ranked.c.n + 99) // 100).label("median_rank")
    p90_rank = ((90 * ranked.c.n + 99) // 100).label("p90_rank")
    rows = db.session.execute(
        select(ranked.c.n, ranked.c.rank, ranked.c.seconds, median_rank, p90_rank).where(
            or_(ranked.c.rank == median_rank, ranked.c.rank == p90_rank)
        )
    ).all()
    if not rows:
        return Durations(0, None, None)
    by_rank = {row.rank: row.seconds for row in rows}
    return Durations(rows[0].n, by_rank[rows[0].median_rank], by_rank[rows[0].p90_rank])


def time_to_ticket(filters: InsightFilter, viewer: User) -> Durations:
    """From receiving an item to its problem's tracker ticket being opened (zero for an item
    that joined a ticket opened before it arrived), for items received in the range."""
    waited = case(
        (
            Ticket.opened_at > Feedback.received_at,
            SecondsBetween(Ticket.opened_at, Feedback.received_at),
        ),
        else_=0.0,
    )
    conditions = [*_feedback_conditions(filters, viewer), Ticket.opened_at.is_not(None)]
    return _durations(waited, conditions, join=True)


def time_to_resolution(filters: InsightFilter, viewer: User) -> Durations:
    """From receiving an item to its resolution, for items received in the range."""
    conditions = [*_feedback_conditions(filters, viewer), Feedback.resolved_at.is_not(None)]
    return _durations(SecondsBetween(Feedback.resolved_at, Feedback.received_at), conditions, False)


@dataclass(frozen=True)
class Resolved:
    """You said, we did: problems fixed in the range, and the reports they answered."""

    problems: int
    reports: int


def resolved(filters: InsightFilter, viewer: User) -> Resolved:
    """Only real fixes count: a problem closed as "won't fix", "not our responsibility" and
    the like is no fix, nor is one most of whose citizens answered it did not work."""
    problems, reports = db.session.execute(
        select(func.count(Feedback.ticket_id.distinct()), func.count())
        .select_from(Feedback)
        .join(Ticket, Feedback.ticket_id == Ticket.id)
        .where(
            *_feedback_conditions(filters, viewer, moment=Feedback.resolved_at),
            undisputed_fix(),
        )
    ).one()
    return Resolved(problems, reports)


@dataclass(frozen=True)
class KeyFigures:
    totals: ItemFigures
    to_ticket: Durations
    to_resolution: Durations
    resolved: Resolved


def key_figures(filters: InsightFilter, viewer: User) -> KeyFigures:
    totals = db.session.execute(
        select(*_figure_columns()).where(*_day_conditions(filters, viewer))
    ).one()
    return KeyFigures(
        totals=_figures(None, totals),
        to_ticket=time_to_ticket(filters, viewer),
        to_resolution=time_to_resolution(filters, viewer),
        resolved=resolved(filters, viewer),
    )


# --- on time -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OnTime:
    """Items first handled, or groups resolved, within their target (app/services/deadlines.py)
    of one department or e-service. Those still inside their target are not yet decided and
    left out; those past it count against, handled or not."""

    key: str | None  # the department's or e-service's code
    decided: int
    on_time: int

    @property
    def share(self) -> float | None:
        return self.on_time / self.decided if self.decided else None


_ITEM_COLUMNS = {"eservice": Feedback.eservice_id, "department": Feedback.department_id}
_GROUP_COLUMNS = {"eservice": Ticket.eservice_id, "department": Ticket.department_id}


def _on_time(
    dimension: str,
    key: ColumnElement[int],
    start: ColumnElement[datetime],
    end: ColumnElement[datetime | None],
    target: ColumnElement[float],
    conditions: Sequence[ColumnElement[bool]],
) -> list[OnTime]:
    """``start`` to ``end`` (NULL: not done yet) against ``target`` seconds, per ``key``."""
    # Each row's end and target are correlated look-ups: worked out once per row in an inner
    # query, which OFFSET 0 keeps PostgreSQL from merging into the outer one (that would
    # repeat them for every use).
    rows = (
        select(
            key.label("key"),
            start.label("start"),
            end.label("end"),
            target.label("target"),
        )
        .where(*conditions)
        .offset(0)
        .subquery()
    )
    done = rows.c.end.is_not(None)
    waiting = seconds_since(rows.c.start, utcnow())
    decided = count_if(or_(done, waiting > rows.c.target))
    on_time = count_if(and_(done, SecondsBetween(rows.c.end, rows.c.start) <= rows.c.target))
    result = db.session.execute(select(rows.c.key, decided, on_time).group_by(rows.c.key)).all()
    codes = _keys(dimension, {row[0] for row in result})
    return [OnTime(codes[value], int(d), int(o)) for value, d, o in result if d]


def on_time_handling(filters: InsightFilter, viewer: User, dimension: str) -> list[OnTime]:
    """Per department or e-service: items received in the range first handled on time."""
    return _on_time(
        dimension,
        _ITEM_COLUMNS[dimension],
        Feedback.received_at,
        first_handled_at(),
        handling_target(),
        [*_feedback_conditions(filters, viewer), with_handling_deadline()],
    )


def on_time_resolution(filters: InsightFilter, viewer: User, dimension: str) -> list[OnTime]:
    """Per department or e-service: problem groups started in the range resolved on time.
    The channel filter does not apply: a group gathers reports from every channel."""
    conditions = [
        ticket_scope(viewer),
        with_resolution_deadline(),
        Ticket.created_at >= filters.since,
        Ticket.created_at < filters.until,
    ]
    if filters.department is not None:
        conditions.append(Ticket.department_id == _code_id(Department, filters.department))
    if filters.eservice is not None:
        conditions.append(Ticket.eservice_id == _code_id(EService, filters.eservice))
    return _on_time(
        dimension,
        _GROUP_COLUMNS[dimension],
        Ticket.created_at,
        Ticket.resolved_at,
        resolution_target(),
        conditions,
    )


# --- what a supplier sees --------------------------------------------------------------------


@dataclass(frozen=True)
class RedactedItem:
    received_at: datetime
    eservice: str | None
    sentiment: str | None
    text: str


def recent_redacted_items(
    filters: InsightFilter, viewer: User, limit: int = 50
) -> list[RedactedItem]:
    """The newest items in the range, by their redacted text only (never the text as given:
    an item not yet redacted is left out)."""
    rows = db.session.execute(
        select(Feedback.received_at, EService.code, Feedback.sentiment, Feedback.redacted_text)
        .outerjoin(EService, Feedback.eservice_id == EService.id)
        .where(*_feedback_conditions(filters, viewer), Feedback.redacted_text.is_not(None))
        .order_by(Feedback.received_at.desc())
        .limit(limit)
    ).all()
    return [RedactedItem(*row) for row in rows]


@dataclass(frozen=True)
class EServiceInsight:
    code: str
    names: dict[str, str]
    feedback: ItemFigures
    survey: SurveyFigures


@dataclass(frozen=True)
class SupplierInsight:
    first: date
    last: date
    eservices: list[EServiceInsight]
    average: SurveyFigures


def supplier_insight(filters: InsightFilter, viewer: User) -> SupplierInsight:
    """Feedback and survey figures of every e-service the viewer (a supplier) may see."""
    feedback = {row.key: row for row in figures_by_eservice(filters, viewer)}
    surveys = survey_results(filters, viewer)
    by_code = {row.eservice: row for row in surveys.eservices}
    eservices = db.session.scalars(
        select(EService)
        .where(EService.code.in_(feedback.keys() | by_code.keys()))
        .order_by(EService.code)
    )
    return SupplierInsight(
        first=filters.first,
        last=filters.last,
        eservices=[
            EServiceInsight(
                code=eservice.code,
                names=eservice.names,
                feedback=feedback.get(eservice.code) or ItemFigures(eservice.code, 0, 0, 0),
                survey=by_code.get(eservice.code) or eservice_survey(eservice.code, None, None),
            )
            for eservice in eservices
        ],
        average=surveys.average,
    )
