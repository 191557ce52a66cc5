"""The city's catalog: departments, e-services and their suppliers."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class LocalisedName:
    names: dict

    def name_in(self, language: str, fallback: str = "en") -> str:
        return self.names.get(language) or self.names.get(fallback) or self.code  # type: ignore[attr-defined]


class Supplier(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Department(LocalisedName, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    email: Mapped[str | None] = mapped_column(String(320))
    tracker_project: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Whom overdue work is escalated to (app/services/deadlines.py); a person, unlike ``email``.
    head_name: Mapped[str | None] = mapped_column(String(200))
    head_email: Mapped[str | None] = mapped_column(String(320))
    # Off by default: an "in development" notice promises nothing yet, and some departments'
    # tickets sit in progress for months; each department decides whether it helps.
    notify_in_development: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # The language the department works in: its ticket titles name the e-service in it, and
    # its handlers' words for citizens are taken to be in it. None: the city's
    # (DEFAULT_LANGUAGE).
    language: Mapped[str | None] = mapped_column(String(8))
    # Whether a notice waits while the handlers' words for it lack a translation into the
    # citizen's language (off: it goes at once, with the original words, marked as such).
    hold_untranslated: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class EService(LocalisedName, db.Model):
    __tablename__ = "eservice"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))
    keywords: Mapped[dict] = mapped_column(JSON, default=dict)
    url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The survey this e-service links to after a transaction; the common frame by default.
    survey_frame: Mapped[str] = mapped_column(String(64), default="common", server_default="common")
    # Its type in the shared code list (app/data/service_types.json), by which cities compare
    # e-services that each names its own way (app/services/benchmark); None: not compared.
    service_type: Mapped[str | None] = mapped_column(String(64), index=True)

    department: Mapped[Department] = relationship()
    supplier: Mapped[Supplier | None] = relationship()
