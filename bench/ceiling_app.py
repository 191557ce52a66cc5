"""The intake benchmark's ceiling: a bare Flask endpoint that parses the same JSON and
commits one row, on the same PostgreSQL, under the same gunicorn. Nothing of civicloop."""

from __future__ import annotations

import json
import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

engine = create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
    pool_pre_ping=True,
)
app = Flask(__name__)


@app.post("/api/v1/feedback")
def store():  # noqa: ANN201
    body = request.get_json()
    with engine.begin() as connection:
        row = connection.execute(
            text("INSERT INTO ceiling (body) VALUES (CAST(:body AS jsonb)) RETURNING id"),
            {"body": json.dumps(body)},
        ).scalar_one()
    return jsonify(id=row), 201
