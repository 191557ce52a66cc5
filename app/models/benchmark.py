"""The benchmark exchange: the cities this one compares with, the figures they shared, and
every attempt to import a file (app/services/benchmark)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class BenchmarkPeer(db.Model):
    """A city whose signed exports this one accepts, registered by an admin with its key."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # as its exports name it
    name: Mapped[str] = mapped_column(String(200))
    # The raw Ed25519 public key in base64, and its id (a digest of it) as files name it.
    public_key: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    # Where its exports are fetched every day (GET <export_url>/<period>), and the token it
    # gave this city for that; neither: files arrive by upload or the command line.
    export_url: Mapped[str | None] = mapped_column(String(500))
    fetch_token: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Off: shown anonymised even when its files allow its name (a file that does not allow
    # it is never named).
    show_name: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class BenchmarkImport(db.Model):
    """One attempt to import a file, taken or refused with the reason: the import's audit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    source: Mapped[str] = mapped_column(String(16))  # upload | command | fetch
    peer_id: Mapped[int | None] = mapped_column(ForeignKey("benchmark_peer.id"), index=True)
    period: Mapped[str | None] = mapped_column(String(7))
    accepted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(500))
    digest: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the file as received
    service_types: Mapped[int] = mapped_column(Integer, default=0)
    # Whether the exporting city let itself be named beside its figures.
    named: Mapped[bool] = mapped_column(Boolean, default=False)

    peer: Mapped[BenchmarkPeer | None] = relationship()


class BenchmarkFigure(db.Model):
    """A peer's figures of one service type and month, as its file gave them."""

    __table_args__ = (
        UniqueConstraint("peer_id", "period", "service_type", name="uq_benchmark_figure_cell"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("benchmark_peer.id"))
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    service_type: Mapped[str] = mapped_column(String(64))
    import_id: Mapped[int] = mapped_column(ForeignKey("benchmark_import.id"))
    figures: Mapped[dict] = mapped_column(JSON, default=dict)

    peer: Mapped[BenchmarkPeer] = relationship()
    source: Mapped[BenchmarkImport] = relationship()
