"""Whether the service can do its work: database and queue reachable, models loaded."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text

from app.extensions import db
from app.jobs import EMBEDDED_LOOP


def health(config: dict) -> dict:
    report: dict = {"database": "ok", "queue": "inline"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not healthy", reported, not raised
        db.session.rollback()
        report["database"] = f"error: {type(error).__name__}"
    if config.get("REDIS_URL"):
        from app.jobs import redis_connection

        try:
            redis_connection(config["REDIS_URL"]).ping()
            report["queue"] = "ok"
        except Exception as error:
            report["queue"] = f"error: {type(error).__name__}"
    loop = current_app.extensions.get(EMBEDDED_LOOP)
    if loop is not None:
        # Items are taken while the models load; their processing waits for them.
        report["queue"] = "embedded"
        report["models"] = "ready" if loop.models_ready.is_set() else "loading"
    # Redis down is degraded, not down: intake still stores items (invariant 1).
    report["ok"] = report["database"] == "ok"
    return report
