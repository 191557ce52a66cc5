"""The catalog of departments, e-services and suppliers, loaded from a JSON file."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db
from app.models import Department, EService, Supplier

# A session's e-services looked up by code in its current transaction.
_BY_CODE = "eservices_by_code"


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class CatalogSummary:
    suppliers: int
    departments: int
    eservices: int


def _upsert(model: type, code: str) -> object:
    row = db.session.scalars(select(model).where(model.code == code)).first()
    if row is None:
        row = model(code=code)
        db.session.add(row)
    return row


def eservice_by_code(code: str) -> EService | None:
    """The e-service of ``code``, active or not. An intake request asks twice (the API's
    validation, then intake itself): the second answer comes from the session without a
    round trip, until its transaction ends."""
    known = db.session.info.setdefault(_BY_CODE, {})
    if code not in known:
        known[code] = db.session.scalars(select(EService).where(EService.code == code)).first()
    return known[code]


def forget_lookups_at_transaction_end() -> None:
    """Another transaction may see the catalog changed: forget what it was (once per
    process, however many apps are made)."""
    if not event.contains(Session, "after_transaction_end", _forget_lookups):
        event.listen(Session, "after_transaction_end", _forget_lookups)


def _forget_lookups(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_BY_CODE, None)


def eservice_names(language: str) -> list[tuple[str, str]]:
    """(code, name) of the active e-services in ``language``, sorted by name."""
    services = db.session.scalars(select(EService).where(EService.active.is_(True))).all()
    return sorted(((s.code, s.name_in(language)) for s in services), key=lambda pair: pair[1])


def department_names(language: str) -> list[tuple[str, str]]:
    """(code, name) of the active departments in ``language``, sorted by name."""
    departments = db.session.scalars(select(Department).where(Department.active.is_(True))).all()
    return sorted(((d.code, d.name_in(language)) for d in departments), key=lambda pair: pair[1])


def load_catalog(data: dict) -> CatalogSummary:
    """Create or update by code, so loading the same file again never duplicates."""
    try:
        suppliers = {}
        for entry in data.get("suppliers", []):
            supplier = _upsert(Supplier, entry["code"])
            supplier.name = entry["name"]
            suppliers[supplier.code] = supplier
        departments = {}
        for entry in data["departments"]:
            department = _upsert(Department, entry["code"])
            department.names = entry["names"]
            department.email = entry.get("email")
            department.tracker_project = entry.get("tracker_project") or entry["code"]
            department.active = entry.get("active", True)
            departments[department.code] = department
        for entry in data["eservices"]:
            if entry["department"] not in departments:
                raise CatalogError(f"e-service {entry['code']}: unknown department")
            if entry.get("supplier") and entry["supplier"] not in suppliers:
                raise CatalogError(f"e-service {entry['code']}: unknown supplier")
            eservice = _upsert(EService, entry["code"])
            eservice.names = entry["names"]
            eservice.department = departments[entry["department"]]
            eservice.supplier = suppliers.get(entry.get("supplier"))
            eservice.keywords = entry.get("keywords", {})
            eservice.url = entry.get("url")
            eservice.service_type = entry.get("service_type")
            eservice.active = entry.get("active", True)
    except (KeyError, TypeError) as error:
        db.session.rollback()
        raise CatalogError(f"catalog file is missing {error}") from error
    except CatalogError:
        db.session.rollback()
        raise
    db.session.commit()
    return CatalogSummary(len(suppliers), len(departments), len(data["eservices"]))
