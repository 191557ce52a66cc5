"""Staff accounts and the API tokens of integrations."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.catalog import Department, Supplier
from app.models.types import UTCDateTime, utcnow

# "integration" is for machine clients (contact-centre systems, Open311 apps): intake only.
ROLES = ("agent", "handler", "developer", "analyst", "admin", "supplier", "integration")
# What a token may be used for, whatever else its user's role allows: a leaked intake token
# of a contact-centre system cannot read items back.
# "benchmark": a peer city fetching this city's signed benchmark files (app/api/benchmark.py).
TOKEN_SCOPES = ("intake", "read", "supplier", "benchmark")
# Roles whose people may see a citizen's contact details and the unredacted text.
PERSONAL_DATA_ROLES = ("agent", "handler", "admin")

user_department = Table(
    "user_department",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("department.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised by signing out and by a password change: a session cookie carries the version
    # it was signed in with (get_id), and an older one is no longer accepted (load_user).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supplier: Mapped[Supplier | None] = relationship()
    # A handler with departments sees only their items (and the triage queue); one without
    # any is a city-wide handler.
    departments: Mapped[list[Department]] = relationship(secondary=user_department)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """The session's user id: the account and its session version ("12.3")."""
        return f"{self.id}.{self.session_version or 1}"

    def end_sessions(self) -> None:
        """Every session signed in before now stops working (a copied cookie too)."""
        self.session_version = (self.session_version or 1) + 1


class ApiToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # SHA-256 of a 256-bit random token: a slow hash adds nothing at that entropy.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    # Space-separated TOKEN_SCOPES.
    scopes: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def allows(self, *scopes: str) -> bool:
        """Whether the token has any of ``scopes``."""
        return bool(set(self.scopes.split()) & set(scopes))
