"""The survey figures of the insight pages, the supplier API and the benchmark export: each
e-service's answers to the common survey frame in a range of days, and the average to compare
them with.

Who sees what: the e-services the viewer may see (``visible_eservices``), the same ones
``feedback_scope`` (app/services/access.py) lets them see the feedback of. A supplier's
averages are over its own e-services only, so they cannot be used to work out another
supplier's figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from app.extensions import db
from app.models import Department, EService, SurveyResponse, TransactionCount, User
from app.services.rollups import count_if

if TYPE_CHECKING:  # only its shape: the insight module builds on this one
    from app.services.insight import InsightFilter

SCALES = ("satisfaction", "ease", "understood")  # 1-5 answers of the common frame
TASK_DONE = ("yes", "partly", "no")


@dataclass(frozen=True)
class SurveyFigures:
    """One e-service's survey answers in the range, or (``eservice`` None) several
    e-services' together, answer by answer."""

    eservice: str | None
    responses: int
    scale_answers: dict[str, tuple[int, int]]  # measure → (sum of points, answers)
    task_done: dict[str, int]  # yes, partly, no → answers
    help_answers: tuple[int, int]  # (help was available, was not), of those who needed it
    transactions: int | None  # None: the e-service reports no transaction counts
    responses_counted: int  # responses of e-services that report transactions

    def mean(self, measure: str) -> float | None:
        total, answers = self.scale_answers[measure]
        return total / answers if answers else None

    def task_share(self, answer: str) -> float | None:
        answered = sum(self.task_done.values())
        return self.task_done[answer] / answered if answered else None

    @property
    def help_available(self) -> float | None:
        available, not_available = self.help_answers
        needed = available + not_available
        return available / needed if needed else None

    @property
    def response_rate(self) -> float | None:
        """Responses per completed transaction, where transactions are counted."""
        return self.responses_counted / self.transactions if self.transactions else None

    @property
    def completion_rate(self) -> float | None:
        """Responses saying the task got done, of all responses."""
        return self.task_done["yes"] / self.responses if self.responses else None

    @classmethod
    def combined(cls, rows: Sequence[SurveyFigures]) -> SurveyFigures:
        """Several e-services as one: every response weighs the same."""
        reported = [row.transactions for row in rows if row.transactions is not None]
        return cls(
            eservice=None,
            responses=sum(row.responses for row in rows),
            scale_answers={
                measure: (
                    sum(row.scale_answers[measure][0] for row in rows),
                    sum(row.scale_answers[measure][1] for row in rows),
                )
                for measure in SCALES
            },
            task_done={answer: sum(row.task_done[answer] for row in rows) for answer in TASK_DONE},
            help_answers=(
                sum(row.help_answers[0] for row in rows),
                sum(row.help_answers[1] for row in rows),
            ),
            transactions=sum(reported) if reported else None,
            responses_counted=sum(row.responses_counted for row in rows),
        )


@dataclass(frozen=True)
class SurveyComparison:
    eservices: list[SurveyFigures]  # most responses first
    average: SurveyFigures
    city_wide: bool  # the average is the city's; else that of the viewer's own e-services


@dataclass(frozen=True)
class _CatalogEntry:
    code: str
    department: str
    supplier_id: int | None


def _eservice_catalog() -> dict[int, _CatalogEntry]:
    rows = db.session.execute(
        select(EService.id, EService.code, Department.code, EService.supplier_id).join(
            Department, EService.department_id == Department.id
        )
    ).all()
    return {
        id_: _CatalogEntry(code, department, supplier) for id_, code, department, supplier in rows
    }


def visible_eservices(viewer: User) -> set[str]:
    """The codes of the e-services whose figures ``viewer`` may see."""
    return {entry.code for entry in _eservice_catalog().values() if _sees_eservice(viewer, entry)}


def _sees_eservice(viewer: User, entry: _CatalogEntry) -> bool:
    """Mirrors ``feedback_scope``: suppliers see their own e-services, handlers assigned to
    departments those departments' e-services, everyone else all of them."""
    if viewer.role == "supplier":
        return viewer.supplier_id is not None and entry.supplier_id == viewer.supplier_id
    if viewer.role == "handler" and viewer.departments:
        return entry.department in {department.code for department in viewer.departments}
    return True


def _survey_rows(filters: InsightFilter, eservice_ids: set[int] | None) -> dict[int, dict]:
    columns = [func.count().label("responses")]
    for measure in SCALES:
        column = getattr(SurveyResponse, measure)
        columns += [
            func.coalesce(func.sum(column), 0).label(f"{measure}_total"),
            func.count(column).label(f"{measure}_answers"),
        ]
    columns += [count_if(SurveyResponse.task_done == answer).label(answer) for answer in TASK_DONE]
    columns += [
        count_if(SurveyResponse.help_available == "yes").label("help_yes"),
        count_if(SurveyResponse.help_available == "no").label("help_no"),
    ]
    query = (
        select(SurveyResponse.eservice_id, *columns)
        .where(SurveyResponse.received_at >= filters.since)
        .where(SurveyResponse.received_at < filters.until)
        .group_by(SurveyResponse.eservice_id)
    )
    if eservice_ids is not None:
        query = query.where(SurveyResponse.eservice_id.in_(eservice_ids))
    return {row[0]: dict(row._mapping) for row in db.session.execute(query)}


def _transactions(filters: InsightFilter, eservice_ids: set[int] | None) -> dict[int, int]:
    query = (
        select(TransactionCount.eservice_id, func.sum(TransactionCount.completed))
        .where(TransactionCount.day >= filters.first, TransactionCount.day <= filters.last)
        .group_by(TransactionCount.eservice_id)
    )
    if eservice_ids is not None:
        query = query.where(TransactionCount.eservice_id.in_(eservice_ids))
    return {eservice_id: int(total) for eservice_id, total in db.session.execute(query)}


def eservice_survey(code: str, row: dict | None, transactions: int | None) -> SurveyFigures:
    """One e-service's figures from its row of answers (None: none in the range)."""
    row = row or {}
    responses = int(row.get("responses", 0))
    return SurveyFigures(
        eservice=code,
        responses=responses,
        scale_answers={
            measure: (int(row.get(f"{measure}_total", 0)), int(row.get(f"{measure}_answers", 0)))
            for measure in SCALES
        },
        task_done={answer: int(row.get(answer, 0)) for answer in TASK_DONE},
        help_answers=(int(row.get("help_yes", 0)), int(row.get("help_no", 0))),
        transactions=transactions,
        responses_counted=responses if transactions is not None else 0,
    )


def survey_results(filters: InsightFilter, viewer: User) -> SurveyComparison:
    """Per e-service with responses or transaction counts in the range, and the average to
    compare with: the city's, or for a supplier that of its own e-services. The channel
    filter does not apply: every response comes through the survey."""
    catalog = _eservice_catalog()
    visible = {id_ for id_, entry in catalog.items() if _sees_eservice(viewer, entry)}
    city_wide = viewer.role != "supplier"
    baseline = None if city_wide else visible
    rows = _survey_rows(filters, baseline)
    transactions = _transactions(filters, baseline)
    figures = {
        id_: eservice_survey(catalog[id_].code, rows.get(id_), transactions.get(id_))
        for id_ in rows.keys() | transactions.keys()
    }
    shown = [
        row
        for id_, row in figures.items()
        if id_ in visible
        and filters.department in (None, catalog[id_].department)
        and filters.eservice in (None, catalog[id_].code)
    ]
    shown.sort(key=lambda row: (-row.responses, row.eservice))
    return SurveyComparison(shown, SurveyFigures.combined(list(figures.values())), city_wide)
