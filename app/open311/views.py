"""/open311/v2: the GeoReport v2 resources and the service request updates extension.

Every answer, errors included, comes in the format the path ends with (.json or .xml).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from functools import wraps

from flask import current_app, g, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app import LANGUAGES
from app.api.auth import INTAKE_ROLES
from app.extensions import db
from app.open311 import open311_bp
from app.open311.formats import (
    created_document,
    definition_document,
    error_response,
    field_errors,
    render,
    request_document,
    service_document,
    token_document,
    update_document,
)
from app.schemas.open311 import DateWindowSchema, RequestQuerySchema, ServiceRequestInSchema
from app.services.accounts import api_token_for
from app.services.open311 import (
    Open311NotFoundError,
    active_services,
    find_service_requests,
    request_updates,
    service,
    service_request,
    service_request_for_token,
    submit_service_request,
)

FORMAT = "<any(json, xml):fmt>"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _language() -> str:
    """Names in the client's language when it says one we speak, else the city's."""
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["DEFAULT_LANGUAGE"]


def _query() -> dict:
    """The query string, a parameter given several times read as one comma-separated list."""
    return {key: ",".join(request.args.getlist(key)) for key in request.args}


def api_key_required(view: Callable) -> Callable:
    """POST needs the ``api_key`` form field: an API token of a user who may submit."""

    @wraps(view)
    def wrapped(*args: object, **kwargs: object) -> object:
        if request.mimetype not in _FORM_TYPES:
            raise BadRequest(
                "Send the fields form-encoded (application/x-www-form-urlencoded), "
                "as GeoReport v2 says."
            )
        api_key = request.form.get("api_key", "").strip()
        if not api_key:
            raise Forbidden("api_key is required to submit a service request.")
        token = api_token_for(api_key)
        if token is None:
            raise Forbidden("api_key is not valid.")
        if token.user.role not in INTAKE_ROLES or not token.allows("intake"):
            raise Forbidden("This api_key may not submit service requests.")
        g.open311_submitter = token.user
        return view(*args, **kwargs)

    return wrapped


@open311_bp.get(f"/services.{FORMAT}")
def services(fmt: str) -> ResponseReturnValue:
    language = _language()
    return render("services", [service_document(s, language) for s in active_services()], fmt)


@open311_bp.get(f"/services/<code>.{FORMAT}")
def service_definition(code: str, fmt: str) -> ResponseReturnValue:
    return render("service_definition", definition_document(service(code)), fmt)


@open311_bp.post(f"/requests.{FORMAT}")
@api_key_required
def create_request(fmt: str) -> ResponseReturnValue:
    fields = {**request.form.to_dict(), "Idempotency-Key": request.headers.get("Idempotency-Key")}
    new_request = ServiceRequestInSchema().load(fields)
    result = submit_service_request(g.open311_submitter, new_request)
    status = 201 if result.created else 200
    return render("service_requests", [created_document(result.feedback)], fmt, status)


@open311_bp.get(f"/requests.{FORMAT}")
def list_requests(fmt: str) -> ResponseReturnValue:
    query = RequestQuerySchema().load(_query())
    language = _language()
    items = find_service_requests(query)
    return render("service_requests", [request_document(i, language) for i in items], fmt)


@open311_bp.get(f"/requests/<public_id>.{FORMAT}")
def get_request(public_id: str, fmt: str) -> ResponseReturnValue:
    document = request_document(service_request(public_id), _language())
    return render("service_requests", [document], fmt)


@open311_bp.get(f"/tokens/<token>.{FORMAT}")
def get_token(token: str, fmt: str) -> ResponseReturnValue:
    return render("service_requests", [token_document(service_request_for_token(token))], fmt)


@open311_bp.get(f"/servicerequestupdates.{FORMAT}")
def list_updates(fmt: str) -> ResponseReturnValue:
    updates = request_updates(DateWindowSchema().load(_query()))
    return render("service_request_updates", [update_document(u) for u in updates], fmt)


# --- errors in the spec's format ---------------------------------------------------------


def _format() -> str:
    return "xml" if request.path.endswith(".xml") else "json"


@open311_bp.before_app_request
def _unrouted() -> ResponseReturnValue | None:
    """A path or method no route here takes belongs to no blueprint, so the handlers below
    never see its 404 or 405; answer those in the spec's format too."""
    error = request.routing_exception
    if (
        isinstance(error, HTTPException)
        and not isinstance(error, RequestRedirect)
        and request.path.startswith(f"{open311_bp.url_prefix}/")
    ):
        return _http_error(error)
    return None


@open311_bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    db.session.rollback()
    code = error.code or 400
    if isinstance(error, MethodNotAllowed):
        allowed = ", ".join(sorted(set(error.valid_methods or ()) - {"HEAD", "OPTIONS"}))
        description = f"{request.method} is not allowed on {request.path}; use {allowed}."
    elif isinstance(error, NotFound) and request.routing_exception is not None:
        description = (
            f"No such resource: {request.path}. Resources: services, services/<code>, "
            "requests, requests/<id>, tokens/<token>, servicerequestupdates; "
            "each ending in .json or .xml."
        )
    else:
        description = error.description or "Bad request."
    response = error_response(code, [description], _format())
    for name in ("Allow", "Retry-After"):
        if error.get_response().headers.get(name):
            response.headers[name] = error.get_response().headers[name]
    return response


@open311_bp.errorhandler(ValidationError)
def _bad_fields(error: ValidationError) -> ResponseReturnValue:
    db.session.rollback()
    return error_response(400, field_errors(error.normalized_messages()), _format())


@open311_bp.errorhandler(Open311NotFoundError)
def _not_found(error: Open311NotFoundError) -> ResponseReturnValue:
    db.session.rollback()
    return error_response(404, [str(error)], _format())


@open311_bp.errorhandler(OperationalError)
def _database_unavailable(error: OperationalError) -> ResponseReturnValue:
    current_app.logger.error("database unavailable: %s", error.orig)
    with suppress(OperationalError):
        db.session.rollback()
    response = error_response(503, ["Temporarily unavailable; try again shortly."], _format())
    response.headers["Retry-After"] = "5"
    return response
