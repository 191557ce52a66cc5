"""Admins' changes to the catalog on the staff site: suppliers, departments, e-services.

Records are deactivated, never deleted: feedback, tickets, survey answers and the audit trail
keep pointing at them. Every change is audited with the record's fields before and after. A
change applies to the next item processed: the router reads the catalog from the database
(app/services/understanding.catalog_snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import COMMON_FRAME, Department, EService, Supplier, SurveyFrame, User
from app.services.audit import record
from app.services.benchmark.types import service_types
from app.services.open311_catalog import (
    AttributeDefinitionError,
    parse_attribute_lines,
    replace_attributes,
)
from app.services.surveys import DefinedFrame, SurveyError, define_frame

# What an admin edits: the names of the staff site's languages (citizens' other languages
# the catalog file may carry are kept as they are).
EDITED_LANGUAGES = ("fi", "sv", "en")


class AdminError(ValueError):
    """A change the records cannot take: messages by the form field they concern."""

    def __init__(self, messages: dict[str, list[str]]) -> None:
        super().__init__(messages)
        self.messages = messages


def refused(field: str, message: str) -> AdminError:
    return AdminError({field: [message]})


@dataclass(frozen=True)
class SupplierDraft:
    code: str
    name: str


@dataclass(frozen=True)
class DepartmentDraft:
    code: str
    names: dict[str, str]
    email: str | None
    tracker_project: str | None
    active: bool = True
    notify_in_development: bool = False
    language: str | None = None  # None: the city's DEFAULT_LANGUAGE
    hold_untranslated: bool = False


@dataclass(frozen=True)
class EServiceDraft:
    code: str
    names: dict[str, str]
    department: str
    supplier: str | None
    url: str | None
    keywords: dict[str, list[str]]
    survey_frame: str = COMMON_FRAME
    active: bool = True
    service_type: str | None = None
    # Open311 attribute lines (app/services/open311_catalog.py); None leaves them as they are.
    open311_attributes: str | None = None


def describe(row: db.Model, *, leave_out: tuple[str, ...] = ()) -> dict:
    """A record's columns for the audit trail (ids and settings; callers leave out secrets)."""
    return {
        column.key: getattr(row, column.key)
        for column in row.__table__.columns
        if column.key not in ("id", *leave_out)
    }


def by_code(model: type, code: str | None) -> db.Model | None:
    if not code:
        return None
    return db.session.scalars(select(model).where(model.code == code)).first()


def save_audited(
    row: db.Model, before: dict | None, actor: User, after: dict, unique_field: str = "code"
) -> None:
    """Commit a new (``before`` None) or changed record with its audit event.

    The unique constraints have the last word: a code taken between the check and the
    commit is reported on ``unique_field`` like any other duplicate.
    """
    created = before is None
    if created:
        db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise refused(unique_field, _("Already in use.")) from error
    action = f"{row.__tablename__}.{'created' if created else 'changed'}"
    record(actor, action, row, before=before, after=after)
    db.session.commit()


def _unique_code(model: type, row: db.Model, code: str) -> None:
    with db.session.no_autoflush:
        other = by_code(model, code)
    if other is not None and other is not row:
        raise refused("code", _("Already in use."))


def _names(existing: dict | None, edited: dict[str, str]) -> dict[str, str]:
    names = {**(existing or {}), **edited}
    return {language: text for language, text in names.items() if text}


def save_supplier(supplier: Supplier | None, draft: SupplierDraft, actor: User) -> Supplier:
    """Create (``supplier`` None) or change a supplier. Commits, audited."""
    before = None if supplier is None else describe(supplier)
    supplier = supplier or Supplier()
    _unique_code(Supplier, supplier, draft.code)
    supplier.code, supplier.name = draft.code, draft.name
    save_audited(supplier, before, actor, describe(supplier))
    return supplier


def save_department(
    department: Department | None, draft: DepartmentDraft, actor: User
) -> Department:
    """Create (``department`` None) or change a department. Commits, audited."""
    before = None if department is None else describe(department)
    department = department or Department()
    _unique_code(Department, department, draft.code)
    department.code = draft.code
    department.names = _names(department.names, draft.names)
    department.email = draft.email
    # As the catalog loader does: without a project of its own, tickets go to its code's.
    department.tracker_project = draft.tracker_project or draft.code
    department.active = draft.active
    department.notify_in_development = draft.notify_in_development
    department.language = draft.language
    department.hold_untranslated = draft.hold_untranslated
    save_audited(department, before, actor, describe(department))
    return department


def survey_frame_codes() -> list[str]:
    """The codes an e-service may link its survey to: the common frame and every defined one."""
    codes = db.session.scalars(select(SurveyFrame.code).distinct()).all()
    return sorted({COMMON_FRAME, *codes})


def save_eservice(eservice: EService | None, draft: EServiceDraft, actor: User) -> EService:
    """Create (``eservice`` None) or change an e-service. Commits, audited."""
    before = None if eservice is None else describe(eservice)
    eservice = eservice or EService()
    _unique_code(EService, eservice, draft.code)
    with db.session.no_autoflush:
        department = by_code(Department, draft.department)
        supplier = by_code(Supplier, draft.supplier)
        frames = survey_frame_codes()
    if department is None:
        raise refused("department", _("Unknown department."))
    if draft.supplier and supplier is None:
        raise refused("supplier", _("Unknown supplier."))
    if draft.survey_frame not in frames:
        raise refused("survey_frame", _("Unknown survey frame."))
    if draft.service_type is not None and draft.service_type not in service_types():
        raise refused("service_type", _("Not a service type of the shared list."))
    eservice.code = draft.code
    eservice.names = _names(eservice.names, draft.names)
    eservice.department, eservice.supplier = department, supplier
    eservice.url = draft.url
    keywords = {**(eservice.keywords or {}), **draft.keywords}
    eservice.keywords = {language: words for language, words in keywords.items() if words}
    eservice.survey_frame = draft.survey_frame
    eservice.service_type = draft.service_type
    eservice.active = draft.active
    if draft.open311_attributes is not None:
        try:
            replace_attributes(eservice, parse_attribute_lines(draft.open311_attributes))
        except AttributeDefinitionError as error:
            raise AdminError({"open311_attributes": error.messages}) from error
    save_audited(eservice, before, actor, describe(eservice))
    return eservice


def catalog_records(model: type) -> list:
    """Every supplier, department or e-service, active ones first, by code."""
    order = [model.code] if model is Supplier else [model.active.desc(), model.code]
    return list(db.session.scalars(select(model).order_by(*order)))


@dataclass(frozen=True)
class FrameDraft:
    """A survey frame as an admin wrote it: ``questions`` in the format of
    app/data/common_survey.json, checked by app/services/surveys.py."""

    code: str
    titles: dict[str, str]
    questions: object
    department: str | None = None


def _frame_field(path: str) -> str:
    if path.startswith("questions"):
        return "questions"
    return {"titles": "title_en"}.get(path.split(".")[0], path)


def save_frame(frame: SurveyFrame | None, draft: FrameDraft, actor: User) -> DefinedFrame:
    """Create a frame (``frame`` None; its code must be new) or change one: new questions
    make a new version, so answers already given keep the version they answered. Commits,
    audited."""
    code = draft.code if frame is None else frame.code
    if frame is None and code in survey_frame_codes():
        raise refused("code", _("Already in use."))
    # Titles in citizens' other languages (da, nb) are kept as they are.
    titles = {**(frame.titles if frame is not None else {}), **draft.titles}
    try:
        return define_frame(code, draft.questions, titles, draft.department, actor=actor)
    except SurveyError as error:
        db.session.rollback()
        messages: dict[str, list[str]] = {}
        for path, texts in error.messages.items():
            # A question's own path ("questions.2.type") says which one is wrong.
            prefix = f"{path}: " if path.startswith("questions.") else ""
            messages.setdefault(_frame_field(path), []).extend(prefix + t for t in texts)
        raise AdminError(messages) from error


def survey_frames() -> list[list[SurveyFrame]]:
    """Every frame's versions, newest first, frames by code."""
    frames: dict[str, list[SurveyFrame]] = {}
    query = select(SurveyFrame).order_by(SurveyFrame.code, SurveyFrame.version.desc())
    for frame in db.session.scalars(query):
        frames.setdefault(frame.code, []).append(frame)
    return list(frames.values())
