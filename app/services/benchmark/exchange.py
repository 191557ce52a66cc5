"""Peers and imports: the cities an admin registered with their public keys, and the files
they send. A file is taken only when it follows the schema and is signed by the registered
key of the city it names; re-importing a month replaces that city's figures of it. Every
attempt, taken or refused (with the reason), is kept as a BenchmarkImport and audited."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from jsonschema import Draft202012Validator
from sqlalchemy import delete, select

from app.extensions import db
from app.models import BenchmarkFigure, BenchmarkImport, BenchmarkPeer, User
from app.models.types import utcnow
from app.services.admin import describe, refused, save_audited
from app.services.audit import record
from app.services.benchmark.export import previous_month
from app.services.benchmark.signing import SigningKeyError, key_id, public_key_from_text, verifies
from app.services.benchmark.types import CODE_LIST
from integrations.benchmark_peers import FetchError, fetch_export

SCHEMA_FILE = CODE_LIST.parent / "benchmark.schema.json"
SOURCES = ("upload", "command", "fetch")


@cache
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def schema_problem(envelope: object) -> str | None:
    """The first way ``envelope`` breaks the schema, None when it follows it."""
    error = next(iter(Draft202012Validator(schema()).iter_errors(envelope)), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(the file)"
    return f"{where}: {error.message[:200]}"


# --- peers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerDraft:
    code: str
    name: str
    public_key: str
    export_url: str | None = None
    fetch_token: str | None = None
    active: bool = True
    show_name: bool = True


def save_peer(peer: BenchmarkPeer | None, draft: PeerDraft, actor: User) -> BenchmarkPeer:
    """Register (``peer`` None) or change a peer city. Commits, audited (never its token)."""
    try:
        raw = public_key_from_text(draft.public_key)
    except SigningKeyError as error:
        raise refused("public_key", _("Not an Ed25519 public key: %(why)s", why=error)) from error
    before = None if peer is None else describe(peer, leave_out=("fetch_token",))
    peer = peer or BenchmarkPeer()
    with db.session.no_autoflush:
        taken = db.session.scalars(
            select(BenchmarkPeer).where(BenchmarkPeer.key_id == key_id(raw))
        ).first()
    if taken is not None and taken is not peer:
        raise refused("public_key", _("This key is already registered for another city."))
    peer.code, peer.name = draft.code, draft.name
    peer.public_key, peer.key_id = draft.public_key.strip(), key_id(raw)
    peer.export_url = draft.export_url
    if draft.fetch_token is not None:  # left empty when editing: the token is kept
        peer.fetch_token = draft.fetch_token or None
    peer.active, peer.show_name = draft.active, draft.show_name
    save_audited(peer, before, actor, describe(peer, leave_out=("fetch_token",)))
    return peer


def peers() -> list[BenchmarkPeer]:
    return list(
        db.session.scalars(
            select(BenchmarkPeer).order_by(BenchmarkPeer.active.desc(), BenchmarkPeer.code)
        )
    )


# --- imports ---------------------------------------------------------------------------------


class RefusedError(Exception):
    """A file not taken; the message says why, ``peer`` who seemed to send it."""

    def __init__(self, reason: str, peer: BenchmarkPeer | None = None, period: str | None = None):
        super().__init__(reason)
        self.reason, self.peer, self.period = reason, peer, period


def _checked(body: bytes) -> tuple[BenchmarkPeer, dict]:
    """The registered peer that signed ``body``, and its document; else RefusedError."""
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise RefusedError(_("The file is not JSON.")) from error
    if not isinstance(envelope, dict) or not isinstance(envelope.get("signature"), dict):
        raise RefusedError(_("The file is not signed."))
    problem = schema_problem(envelope)
    if problem is not None:
        raise RefusedError(
            _("The file does not follow the benchmark schema: %(problem)s", problem=problem)
        )
    document, signature = envelope["document"], envelope["signature"]
    peer = db.session.scalars(
        select(BenchmarkPeer).where(
            BenchmarkPeer.key_id == signature["key_id"], BenchmarkPeer.active.is_(True)
        )
    ).first()
    period = document["period"]
    if peer is None:
        raise RefusedError(
            _(
                "Signed by a key no city is registered with (key id %(key)s).",
                key=signature["key_id"],
            ),
            period=period,
        )
    if not verifies(document, signature["value"], public_key_from_text(peer.public_key)):
        raise RefusedError(
            _("The signature does not match the contents: the file was changed after signing."),
            peer,
            period,
        )
    if document["city"]["code"] != peer.code:
        raise RefusedError(
            _(
                "Signed with the key of %(peer)s, but the file names the city %(city)s.",
                peer=peer.code,
                city=document["city"]["code"],
            ),
            peer,
            period,
        )
    return peer, document


@dataclass(frozen=True)
class ImportResult:
    attempt: BenchmarkImport

    @property
    def accepted(self) -> bool:
        return self.attempt.accepted


def _refused(attempt: BenchmarkImport, reason: str, actor: User | None) -> BenchmarkImport:
    """Keep and audit a refused attempt. Commits."""
    attempt.accepted, attempt.reason = False, reason[:500]
    db.session.add(attempt)
    db.session.flush()
    record(actor, "benchmark.import_refused", attempt, reason=attempt.reason)
    db.session.commit()
    return attempt


def import_file(body: bytes, source: str, actor: User | None = None) -> ImportResult:
    """Take a peer's signed file, replacing its figures of that month, or refuse it; either
    way the attempt is kept and audited. Commits."""
    attempt = BenchmarkImport(
        source=source, actor_id=actor.id if actor else None, digest=hashlib.sha256(body).hexdigest()
    )
    try:
        peer, document = _checked(body)
    except RefusedError as refusal:
        attempt.peer, attempt.period = refusal.peer, refusal.period
        return ImportResult(_refused(attempt, refusal.reason, actor))
    attempt.accepted, attempt.peer, attempt.period = True, peer, document["period"]
    attempt.named = document["city"]["named"]
    attempt.service_types = len(document["service_types"])
    db.session.add(attempt)
    db.session.execute(
        delete(BenchmarkFigure).where(
            BenchmarkFigure.peer_id == peer.id, BenchmarkFigure.period == attempt.period
        )
    )
    for cell in document["service_types"]:
        figures = {key: value for key, value in cell.items() if key != "code"}
        db.session.add(
            BenchmarkFigure(
                peer=peer,
                period=attempt.period,
                service_type=cell["code"],
                source=attempt,
                figures=figures,
            )
        )
    db.session.flush()
    record(
        actor,
        "benchmark.imported",
        attempt,
        peer=peer.code,
        period=attempt.period,
        service_types=attempt.service_types,
    )
    db.session.commit()
    return ImportResult(attempt)


def import_log(limit: int = 100) -> list[BenchmarkImport]:
    return list(
        db.session.scalars(
            select(BenchmarkImport)
            .order_by(BenchmarkImport.at.desc(), BenchmarkImport.id.desc())
            .limit(limit)
        )
    )


def _already_taken(peer: BenchmarkPeer, period: str, digest: str) -> bool:
    """Whether the newest accepted file of ``peer``'s ``period`` is this one."""
    newest = db.session.scalars(
        select(BenchmarkImport.digest)
        .where(
            BenchmarkImport.peer_id == peer.id,
            BenchmarkImport.period == period,
            BenchmarkImport.accepted.is_(True),
        )
        .order_by(BenchmarkImport.id.desc())
        .limit(1)
    ).first()
    return newest == digest


def fetch_from_peers(now: datetime | None = None) -> int:
    """Fetch last month's file from every active peer with an export URL (daily, so a
    corrected file replaces the first); a file already taken is not imported again.
    Returns how many files were imported or refused."""
    zone = ZoneInfo(current_app.config["TIME_ZONE"])
    period = previous_month((now or utcnow()).astimezone(zone).date())
    timeout = float(current_app.config["BENCHMARK_FETCH_TIMEOUT"])
    attempts = 0
    for peer in peers():
        if not peer.active or not peer.export_url:
            continue
        url = f"{peer.export_url.rstrip('/')}/{period}"
        try:
            body = fetch_export(url, peer.fetch_token, timeout)
        except FetchError as error:
            attempt = BenchmarkImport(source="fetch", peer=peer, period=period)
            _refused(attempt, _("Fetching the file failed: %(why)s", why=error), None)
            attempts += 1
            continue
        if _already_taken(peer, period, hashlib.sha256(body).hexdigest()):
            continue
        import_file(body, "fetch")
        attempts += 1
    return attempts
