"""/api/v1/benchmark: this city's signed benchmark file of a month, for its peers' fetch,
and the file's JSON Schema for anyone reading such files."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from app.api.auth import token_required
from app.api.blueprints import api_bp
from app.api.openapi import documented
from app.services.benchmark.exchange import SCHEMA_FILE, schema
from app.services.benchmark.export import PeriodError, signed_export
from app.services.benchmark.signing import SigningKeyError

# Peers fetch with a token of an integration account scoped "benchmark" (README).
BENCHMARK_ROLES = ("integration", "analyst", "admin")


@api_bp.get("/benchmark/schema.json")
@documented("The JSON Schema of benchmark files", token=False)
def get_benchmark_schema() -> ResponseReturnValue:
    return jsonify(schema())


@api_bp.get("/benchmark/<period>")
@documented(
    "This city's signed benchmark file of a month (YYYY-MM)",
    json_response=("BenchmarkFile", SCHEMA_FILE),
    responses={
        403: "The token is not scoped for the benchmark exchange",
        422: "Not a month as YYYY-MM",
        503: "This city has no signing key yet",
    },
)
@token_required(*BENCHMARK_ROLES, scopes=("benchmark",))
def get_benchmark(period: str) -> ResponseReturnValue:
    try:
        envelope = signed_export(period)
    except PeriodError as error:
        raise ValidationError({"period": [str(error)]}) from error
    except SigningKeyError:
        return jsonify(errors={"_request": ["This city has not made its signing key yet."]}), 503
    return jsonify(envelope)
