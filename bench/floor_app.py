"""The intake benchmark's floor: the work intake must do for one realistic item, written
as plainly as it can be, without Flask's extensions, the ORM or marshmallow.

Same gunicorn, same PostgreSQL database and schema, same Redis as civicloop, and the same
round trips in one transaction: the token and its user, the e-service, a savepoint (a
repeated ``(channel, source_ref)`` is refused by its unique key and undoes only its own
rows), the roll-up's stale-day mark, the contact with its consent record, the item (its
text redacted by civicloop's own ``redact``) and its thank-you, the commit; then the
processing and mail jobs queued in one Redis pipeline.
What civicloop does beyond this (validation with field-level messages, the rate limit, the
session and its identity map, the answer's schema) is what the floor leaves out, so
civicloop's rate against this one tells how much of the gap to the ceiling is the work
itself and how much the framework around it.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import secrets
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, abort, request
from redis import Redis
from rq import Queue
from sqlalchemy import create_engine, text

from app.services.privacy import redact

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
redis = Redis.from_url(os.environ["REDIS_URL"])
app = Flask(__name__)
ZONE = ZoneInfo("Europe/Helsinki")

TOKEN = text(
    'SELECT t.id AS token_id, u.id AS user_id FROM api_token t JOIN "user" u ON u.id = t.user_id '
    "WHERE t.token_hash = :hash AND t.revoked_at IS NULL AND u.active"
)
ESERVICE = text("SELECT id FROM eservice WHERE code = :code AND active")
EXISTING = text("SELECT id FROM feedback WHERE channel = :channel AND source_ref = :ref")
CONTACT = text(
    "INSERT INTO contact (email, name, language, consent, created_at) "
    "VALUES (:email, :name, :language, :consent, :now) RETURNING id"
)
CONSENT = text(
    "INSERT INTO consent_change (contact_id, consent, source, changed_at) "
    "VALUES (:contact, :consent, 'api', :now)"
)
MARK = text(
    "INSERT INTO stale_feedback_day (day, shard, marked_at) VALUES (:day, :shard, :now) "
    "ON CONFLICT DO NOTHING"
)
ITEM = text(
    "INSERT INTO feedback (public_id, channel, source_ref, received_at, text, redacted_text, "
    "language, eservice_id, contact_id, agent_id, status, status_token, processing_attempts) "
    "VALUES (:public_id, :channel, :ref, :now, :text, :redacted, :language, :eservice, "
    ":contact, :agent, 'received', :status_token, 0) RETURNING id"
)
THANK_YOU = text(
    "INSERT INTO notice (feedback_id, kind, language, state, attempts, created_at) "
    "VALUES (:item, 'thank_you', :language, 'pending', 0, :now) RETURNING id"
)


# The same writes as one statement (data-modifying CTEs) and one round trip in all: the
# least any design on PostgreSQL could pay for them (FLOOR=one).
ONE_STATEMENT = text(
    "WITH caller AS (" + TOKEN.text + "), "
    "known AS (" + ESERVICE.text + "), "
    "seen AS (" + EXISTING.text + "), "
    "new_contact AS (INSERT INTO contact (email, name, language, consent, created_at) "
    "  SELECT CAST(:email AS varchar), CAST(:name AS varchar), :language, :consent, :now "
    "  WHERE CAST(:email AS varchar) IS NOT NULL "
    "  AND NOT EXISTS (SELECT 1 FROM seen) RETURNING id), "
    "consent AS (INSERT INTO consent_change (contact_id, consent, source, changed_at) "
    "  SELECT id, :consent, 'api', :now FROM new_contact), "
    "mark AS (INSERT INTO stale_feedback_day (day, shard, marked_at) "
    "  SELECT :day, :shard, :now WHERE NOT EXISTS (SELECT 1 FROM seen) ON CONFLICT DO NOTHING), "
    "item AS (INSERT INTO feedback (public_id, channel, source_ref, received_at, text, "
    "  redacted_text, language, eservice_id, contact_id, agent_id, status, status_token, "
    "  processing_attempts) SELECT :public_id, :channel, :ref, :now, :text, :redacted, "
    "  :language, (SELECT id FROM known), (SELECT id FROM new_contact), caller.user_id, "
    "  'received', :status_token, 0 FROM caller "
    "  WHERE NOT EXISTS (SELECT 1 FROM seen) RETURNING id), "
    "notice AS (INSERT INTO notice (feedback_id, kind, language, state, attempts, created_at) "
    "  SELECT id, 'thank_you', :language, 'pending', 0, :now FROM item "
    "  WHERE CAST(:consent AS boolean) "
    "  RETURNING id) "
    "SELECT (SELECT id FROM item), (SELECT id FROM notice)"
)


def store_in_one_statement(body: dict, token: str) -> tuple[int, int | None]:
    contact = {"email": None, "name": None, "consent": False, **(body.get("contact") or {})}
    now = datetime.now(UTC)
    names = [contact["name"]] if contact["name"] else []
    parameters = {
        **contact, "hash": hashlib.sha256(token.encode()).hexdigest(),
        "code": body["eservice"], "channel": body["channel"], "ref": body["source_ref"],
        "day": now.astimezone(ZONE).date(), "shard": random.randrange(2**31), "now": now,
        "public_id": secrets.token_hex(8), "text": body["text"],
        "redacted": redact(body["text"], names), "language": body["language"],
        "status_token": secrets.token_urlsafe(32),
    }  # fmt: skip
    with engine.begin() as connection:
        return tuple(connection.execute(ONE_STATEMENT, parameters).one())


@app.post("/api/v1/feedback")
def store():  # noqa: ANN201
    if os.environ.get("FLOOR") == "one":
        item, notice = store_in_one_statement(
            request.get_json(), request.headers.get("Authorization", "").partition(" ")[2]
        )
        return queued(item, notice)
    body = request.get_json()
    token = request.headers.get("Authorization", "").partition(" ")[2]
    contact = body.get("contact") or {}
    now = datetime.now(UTC)
    with engine.begin() as connection:
        user = connection.execute(
            TOKEN, {"hash": hashlib.sha256(token.encode()).hexdigest()}
        ).first()
        if user is None:
            abort(401)
        eservice = connection.execute(ESERVICE, {"code": body["eservice"]}).scalar_one()
        key = {"channel": body["channel"], "ref": body["source_ref"]}
        savepoint = connection.begin_nested()
        day = {"day": now.astimezone(ZONE).date(), "shard": random.randrange(2**31), "now": now}
        connection.execute(MARK, day)
        contact_id = None
        if contact:
            details = {"name": None, **contact, "now": now}
            contact_id = connection.execute(CONTACT, details).scalar_one()
            consent = {"contact": contact_id, "consent": contact["consent"], "now": now}
            connection.execute(CONSENT, consent)
        names = [contact["name"]] if contact.get("name") else []
        item = connection.execute(
            ITEM,
            {
                **key, "public_id": secrets.token_hex(8), "now": now, "text": body["text"],
                "redacted": redact(body["text"], names), "language": body["language"],
                "eservice": eservice, "contact": contact_id, "agent": user[1],
                "status_token": secrets.token_urlsafe(32),
            },
        ).scalar_one()  # fmt: skip
        notice = None
        if contact.get("consent"):
            notice = connection.execute(
                THANK_YOU, {"item": item, "language": body["language"], "now": now}
            ).scalar_one()
        savepoint.commit()
    return queued(item, notice)


def queued(item: int, notice: int | None):  # noqa: ANN201
    with redis.pipeline() as pipeline:
        Queue("intake", connection=redis).enqueue_call(
            "workers.jobs.process_feedback", (item,), pipeline=pipeline
        )
        if notice is not None:
            Queue("mail", connection=redis).enqueue_call(
                "workers.jobs.deliver_notice", (notice,), pipeline=pipeline
            )
        pipeline.execute()
    return app.response_class(json.dumps({"id": item}), 201, mimetype="application/json")
