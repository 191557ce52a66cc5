"""The OpenAPI 3 document of /api/v1 and of Open311 (/open311/v2), built from the views'
own marshmallow schemas.

Each view declares what it takes and gives with ``@documented``; the document is
assembled from the URL map, so a route cannot be added without being described (a
test fails for any /api/v1 or /open311 route without a description).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, fields

API_PREFIX = "/api/v1"
OPEN311_PREFIX = "/open311"
_DOCUMENTED_PREFIXES = (API_PREFIX, OPEN311_PREFIX)
_PATH_PARAMETER = re.compile(r"<(?:(?P<converter>[^:<>]+):)?(?P<name>[^<>]+)>")


class ErrorSchema(Schema):
    errors = fields.Dict(
        keys=fields.String(),
        # A list of messages, or for a nested object (``contact``) its own fields' messages.
        values=fields.Raw(),
        metadata={"description": "Messages by field; `_request` for the request as a whole."},
    )


class Open311ErrorSchema(Schema):
    """One of the spec's errors; an answer carries a list of them, in the path's format."""

    code = fields.Integer(metadata={"description": "The HTTP status."})
    description = fields.String(metadata={"description": "What is wrong, naming the field."})


_OPEN311_ERRORS = {"type": "array", "items": Open311ErrorSchema}


@dataclass(frozen=True)
class Operation:
    summary: str
    body: type[Schema] | None = None
    response: type[Schema] | None = None
    responses: dict[int, str] = field(default_factory=dict)
    token: bool = True
    query: type[Schema] | None = None
    # Open311: form-encoded fields in, JSON or XML out as the path's .json or .xml says.
    form: bool = False
    # A response described by a JSON Schema file rather than a marshmallow schema: the
    # component's name and the file.
    json_response: tuple[str, Path] | None = None


def documented(
    summary: str,
    *,
    body: type[Schema] | None = None,
    response: type[Schema] | None = None,
    responses: dict[int, str] | None = None,
    token: bool = True,
    query: type[Schema] | None = None,
    form: bool = False,
    json_response: tuple[str, Path] | None = None,
) -> Callable:
    """Describe an API view for the OpenAPI document."""

    def decorator(view: Callable) -> Callable:
        view.__openapi__ = Operation(
            summary, body, response, responses or {}, token, query, form, json_response
        )
        return view

    return decorator


def _path_parameter(name: str) -> dict:
    schema = {"type": "string", "enum": ["json", "xml"]} if name == "fmt" else {"type": "string"}
    return {"in": "path", "name": name, "required": True, "schema": schema}


def _open311_operation(operation: Operation, parameters: list[dict]) -> dict:
    """An Open311 resource: form fields in; the spec's documents and errors out."""
    result: dict = {"summary": operation.summary, "parameters": parameters}
    if operation.query is not None:
        parameters.append({"in": "query", "schema": operation.query})
    if operation.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {
                kind: {"schema": operation.body}
                for kind in ("application/x-www-form-urlencoded", "multipart/form-data")
            },
        }
    errors = {"application/json": {"schema": _OPEN311_ERRORS}, "text/xml": {}}
    responses = {404: "No such resource: the path ends in .json or .xml"}
    responses.update(operation.responses)
    statuses = {
        "200": {"description": "OK, as JSON or XML as the path says"},
        **{
            str(status): {"description": description}
            | ({"content": errors} if status >= 400 else {})
            for status, description in responses.items()
        },
    }
    result["responses"] = dict(sorted(statuses.items()))
    return result


def _operation(operation: Operation, path_parameters: list[str]) -> dict:
    parameters = [_path_parameter(name) for name in path_parameters]
    if operation.form:
        return _open311_operation(operation, parameters)
    result: dict = {"summary": operation.summary, "responses": {}}
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
    if operation.json_response is not None:
        reference = {"$ref": f"#/components/schemas/{operation.json_response[0]}"}
        success["content"] = {"application/json": {"schema": reference}}
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
    # Any request may be refused before its view: a NUL or lone surrogate in the path, query
    # or form (app/input_guard.py).
    statuses.setdefault(
        400,
        {
            "description": "The request holds a character no text may hold",
            "content": {"application/json": {"schema": ErrorSchema}},
        },
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


def _component_name(prefix: str, reference: str) -> str:
    """``#/$defs/cell`` of the schema named ``prefix`` as a component: ``<prefix>Cell``."""
    definition = reference.rsplit("/", 1)[-1]
    return prefix + definition[:1].upper() + definition[1:]


def _openapi_30(schema: object, prefix: str) -> object:
    """A JSON Schema (2020-12) part in the dialect of OpenAPI 3.0: ``const`` as a one-value
    enum, a type "or null" as ``nullable``, references to ``$defs`` as components."""
    if isinstance(schema, list):
        return [_openapi_30(part, prefix) for part in schema]
    if not isinstance(schema, dict):
        return schema
    converted: dict = {}
    for key, value in schema.items():
        if key in ("$schema", "$id", "$defs"):
            continue
        if key == "const":
            converted["enum"] = [value]
        elif key == "type" and isinstance(value, list):
            converted["type"] = next(kind for kind in value if kind != "null")
            converted["nullable"] = "null" in value
        elif key == "$ref":
            converted["$ref"] = "#/components/schemas/" + _component_name(prefix, value)
        elif key == "properties":
            converted[key] = {name: _openapi_30(part, prefix) for name, part in value.items()}
        else:
            converted[key] = _openapi_30(value, prefix)
    return converted


def json_schema_components(name: str, path: Path) -> dict[str, dict]:
    """The schema in ``path`` as OpenAPI components: ``name`` and one per definition."""
    schema = json.loads(path.read_text(encoding="utf-8"))
    components = {name: _openapi_30(schema, name)}
    for definition, part in schema.get("$defs", {}).items():
        components[_component_name(name, definition)] = _openapi_30(part, name)
    return components


def undocumented_routes(app: Flask) -> list[str]:
    return [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(_DOCUMENTED_PREFIXES)
        and not hasattr(app.view_functions[rule.endpoint], "__openapi__")
    ]


def build_spec(app: Flask) -> dict:
    spec = APISpec(
        title="civicloop API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "Feedback intake and read-back for a city's e-services, and the city's "
                "Open311 GeoReport v2 endpoint (README: Open311 GeoReport v2)."
            )
        },
        servers=[{"url": app.config["PUBLIC_BASE_URL"]}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        view = app.view_functions[rule.endpoint]
        operation = getattr(view, "__openapi__", None)
        if not rule.rule.startswith(_DOCUMENTED_PREFIXES) or operation is None:
            continue
        names = [match.group("name") for match in _PATH_PARAMETER.finditer(rule.rule)]
        path = _PATH_PARAMETER.sub(lambda match: "{" + match.group("name") + "}", rule.rule)
        methods = sorted(method.lower() for method in rule.methods - {"HEAD", "OPTIONS"})
        spec.path(path=path, operations={m: _operation(operation, names) for m in methods})
        if operation.json_response is not None:
            for name, component in json_schema_components(*operation.json_response).items():
                if name not in spec.components.schemas:
                    spec.components.schema(name, component)
    return spec.to_dict()
