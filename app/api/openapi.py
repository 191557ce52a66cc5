"""The OpenAPI 3 document of /api/v1, built from the views' own marshmallow schemas.

Each API view declares what it takes and gives with ``@documented``; the document is
assembled from the URL map, so a route cannot be added without being described (a
test fails for any /api/v1 route without a description).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, fields

API_PREFIX = "/api/v1"
_PATH_PARAMETER = re.compile(r"<(?:(?P<converter>[^:<>]+):)?(?P<name>[^<>]+)>")


class ErrorSchema(Schema):
    errors = fields.Dict(
        keys=fields.String(),
        # A list of messages, or for a nested object (``contact``) its own fields' messages.
        values=fields.Raw(),
        metadata={"description": "Messages by field; `_request` for the request as a whole."},
    )


@dataclass(frozen=True)
class Operation:
    summary: str
    body: type[Schema] | None = None
    response: type[Schema] | None = None
    responses: dict[int, str] = field(default_factory=dict)
    token: bool = True
    query: type[Schema] | None = None


def documented(
    summary: str,
    *,
    body: type[Schema] | None = None,
    response: type[Schema] | None = None,
    responses: dict[int, str] | None = None,
    token: bool = True,
    query: type[Schema] | None = None,
) -> Callable:
    """Describe an API view for the OpenAPI document."""

    def decorator(view: Callable) -> Callable:
        view.__openapi__ = Operation(summary, body, response, responses or {}, token, query)
        return view

    return decorator


def _operation(operation: Operation, path_parameters: list[str]) -> dict:
    result: dict = {"summary": operation.summary, "responses": {}}
    parameters = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in path_parameters
    ]
    if operation.query is not None:
        parameters.append({"in": "query", "schema": operation.query})
    if parameters:
        result["parameters"] = parameters
    if operation.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": operation.body}},
        }
    success = {"description": "OK"}
    if operation.response is not None:
        success["content"] = {"application/json": {"schema": operation.response}}
    statuses = {200: success}
    for status, description in operation.responses.items():
        statuses[status] = (
            {**success, "description": description}
            if 200 <= status < 300
            else {
                "description": description,
                "content": {"application/json": {"schema": ErrorSchema}},
            }
        )
    if operation.body is not None:
        statuses.setdefault(
            422,
            {
                "description": "Invalid input",
                "content": {"application/json": {"schema": ErrorSchema}},
            },
        )
    if operation.token:
        result["security"] = [{"bearer": []}]
        statuses.setdefault(
            401,
            {
                "description": "No valid token",
                "content": {"application/json": {"schema": ErrorSchema}},
            },
        )
    result["responses"] = {str(status): value for status, value in sorted(statuses.items())}
    return result


def undocumented_routes(app: Flask) -> list[str]:
    return [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX)
        and not hasattr(app.view_functions[rule.endpoint], "__openapi__")
    ]


def build_spec(app: Flask) -> dict:
    spec = APISpec(
        title="civicloop API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Feedback intake and read-back for a city's e-services."},
        servers=[{"url": app.config["PUBLIC_BASE_URL"]}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        view = app.view_functions[rule.endpoint]
        operation = getattr(view, "__openapi__", None)
        if not rule.rule.startswith(API_PREFIX) or operation is None:
            continue
        names = [match.group("name") for match in _PATH_PARAMETER.finditer(rule.rule)]
        path = _PATH_PARAMETER.sub(lambda match: "{" + match.group("name") + "}", rule.rule)
        methods = sorted(method.lower() for method in rule.methods - {"HEAD", "OPTIONS"})
        spec.path(path=path, operations={m: _operation(operation, names) for m in methods})
    return spec.to_dict()
