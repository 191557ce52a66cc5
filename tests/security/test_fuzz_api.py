"""Fuzzing /api/v1 from its own OpenAPI document with schemathesis, through the WSGI app:
every operation, valid and invalid input, with and without a token. No answer may be a
5xx, and every answer must be one the document declares, in the declared shape.

Derandomized (the same cases on every run, no example database) and bounded by
API_FUZZ_EXAMPLES per operation, mode and token.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from tests.support.factories import user_with_token

FUZZ = settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "25")),
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
@pytest.mark.parametrize("with_token", [True, False], ids=["token", "anonymous"])
def test_api_answers_as_documented(app, with_token):
    # An admin's token reaches every operation (intake, read, transaction counts).
    _, token = user_with_token("admin@example.org", "admin")
    app.config["PUBLIC_RATE_LIMIT"] = "10000 per minute"  # fuzz the handler, not the limiter
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"} if with_token else {}
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    # schemathesis leaves out the document it was loaded from.
    assert {operation.path for operation in operations} == set(documented) - {schema.location}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case) -> None:
                response = case.call(headers=headers)
                db.session.rollback()  # as the end of a real request would
                case.validate_response(response, checks=CHECKS)

            try:
                call()
            except Unsatisfiable:
                # An operation whose only input is a free string (GET /surveys/{eservice})
                # has no invalid input to send; a valid one must always be generated.
                assert mode == GenerationMode.NEGATIVE, f"{operation.label}: no case generated"
