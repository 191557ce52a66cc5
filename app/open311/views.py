"""/open311/v2: the GeoReport v2 resources and the service request updates extension.

Every answer, errors included, comes in the format the path ends with (.json or .xml).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from functools import wraps

from flask import Response, current_app, g, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app.api.auth import INTAKE_ROLES
from app.api.openapi import documented
from app.extensions import db
from app.i18n import LANGUAGES
from app.input_guard import allow_larger_posts
from app.open311.blueprint import open311_bp
from app.open311.formats import (
    Audience,
    citizen_update_document,
    created_document,
    definition_document,
    discovery_document,
    error_response,
    field_errors,
    render,
    request_document,
    service_document,
    token_document,
    update_document,
)
from app.schemas.open311 import (
    DateWindowSchema,
    RequestQuerySchema,
    ServiceRequestInSchema,
    ServiceRequestUpdateInSchema,
)
from app.services.accounts import api_token_for
from app.services.open311 import (
    Open311NotFoundError,
    active_services,
    add_citizen_update,
    find_service_requests,
    request_updates,
    resolution_days,
    service,
    service_request,
    service_request_for_token,
    submit_service_request,
)
from app.services.open311_catalog import (
    MAX_MEDIA_BYTES,
    MAX_MEDIA_FILES,
    checked_attributes,
    checked_upload,
    media_url,
    request_text,
    service_attributes,
    uploaded_media,
)

FORMAT = "<any(json, xml):fmt>"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# FixMyStreet's extended statuses are read under this prefix (it cannot add a parameter).
EXTENDED = "/extended"
# What every POST may answer, besides its own not-found.
_POSTED = {
    200: "Already stored (the same reference or update_id)",
    201: "Stored",
    400: "Bad fields",
    403: "No valid api_key",
}
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def resource(rule: str, methods: list[str]) -> Callable:
    """Route a resource at /open311/v2/… and at /open311/v2/extended/…: the same resource,
    its statuses FixMyStreet's extended ones."""

    def decorator(view: Callable) -> Callable:
        open311_bp.route(rule, methods=methods)(view)
        open311_bp.route(f"{EXTENDED}{rule}", methods=methods)(view)
        return view

    return decorator


def _extended() -> bool:
    return request.path.startswith(f"{open311_bp.url_prefix}{EXTENDED}/")


def _language() -> str:
    """Names in the client's language when it says one we speak, else the city's."""
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["DEFAULT_LANGUAGE"]


def _audience() -> Audience:
    return Audience(_language(), _extended(), resolution_days())


def _query() -> dict:
    """The query string, a parameter given several times read as one comma-separated list."""
    return {key: ",".join(request.args.getlist(key)) for key in request.args}


def _attributes() -> dict[str, list[str]]:
    """``attribute[code]`` and ``attribute[code][]`` fields by code (client_ref aside)."""
    attributes: dict[str, list[str]] = {}
    for key in request.form:
        match = _ATTRIBUTE.match(key)
        if match and match.group(1) != "client_ref":
            attributes.setdefault(match.group(1), []).extend(request.form.getlist(key))
    return attributes


def api_key_required(view: Callable) -> Callable:
    """POST needs ``api_key``, in the form or the query string (as some clients send it):
    an API token of a user who may submit."""

    @wraps(view)
    def wrapped(*args: object, **kwargs: object) -> object:
        if request.mimetype not in _FORM_TYPES:
            raise BadRequest(
                "Send the fields form-encoded (application/x-www-form-urlencoded), "
                "as GeoReport v2 says."
            )
        api_key = (request.form.get("api_key") or request.args.get("api_key") or "").strip()
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


# Room for a request's photos: the app's limit is for forms without files.
allow_larger_posts(open311_bp.name, MAX_MEDIA_FILES * MAX_MEDIA_BYTES + 64 * 1024)


@open311_bp.after_request
def _readable_anywhere(response: Response) -> Response:
    """Public reads for a city's web app on another origin (CORS); posting needs a key and
    is for servers, so no other origin is allowed to."""
    if request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@resource(f"/discovery.{FORMAT}", methods=["GET"])
@documented("Open311 discovery: the endpoints, their formats and changeset", form=True)
def discovery(fmt: str) -> ResponseReturnValue:
    return render("discovery", discovery_document(current_app.config["PUBLIC_BASE_URL"]), fmt)


@resource(f"/services.{FORMAT}", methods=["GET"])
@documented("Open311 service types: the active e-services", form=True)
def services(fmt: str) -> ResponseReturnValue:
    language = _language()
    return render("services", [service_document(s, language) for s in active_services()], fmt)


@resource(f"/services/<code>.{FORMAT}", methods=["GET"])
@documented(
    "Open311 service definition: its attributes, client_ref last",
    form=True,
    responses={404: "No such service"},
)
def service_definition(code: str, fmt: str) -> ResponseReturnValue:
    eservice = service(code)
    document = definition_document(eservice, service_attributes(eservice))
    return render("service_definition", document, fmt)


@resource(f"/requests.{FORMAT}", methods=["POST"])
@documented(
    "Open311: submit a service request (api_key in the form or the query string)",
    body=ServiceRequestInSchema,
    form=True,
    responses={**_POSTED, 404: "No such service", 413: "Media too large"},
)
@api_key_required
def create_request(fmt: str) -> ResponseReturnValue:
    fields = {
        **request.form.to_dict(),
        "media_url": [url for url in request.form.getlist("media_url") if url.strip()],
        "attributes": _attributes(),
        "Idempotency-Key": request.headers.get("Idempotency-Key"),
    }
    new_request = ServiceRequestInSchema().load(fields)
    eservice = service(new_request.service_code)
    defined = service_attributes(eservice)
    values = checked_attributes(defined, new_request.attributes)
    uploads = [upload for upload in request.files.getlist("media") if upload.filename]
    if len(uploads) > MAX_MEDIA_FILES:
        raise ValidationError(f"At most {MAX_MEDIA_FILES} files.", "media")
    new_request = replace(new_request, uploads=tuple(checked_upload(u) for u in uploads))
    urls = (*(media_url(u) for u in new_request.uploads), *new_request.location.media_urls)
    text = request_text(new_request.description, defined, values, urls)
    result = submit_service_request(g.open311_submitter, new_request, text, values or None)
    status = 201 if result.created else 200
    return render("service_requests", [created_document(result.feedback)], fmt, status)


@resource(f"/requests.{FORMAT}", methods=["GET"])
@documented(
    "Open311 service requests (only those that came in through Open311)",
    query=RequestQuerySchema,
    form=True,
    responses={400: "Bad filter"},
)
def list_requests(fmt: str) -> ResponseReturnValue:
    query = RequestQuerySchema().load(_query())
    audience = _audience()
    items = find_service_requests(query)
    return render("service_requests", [request_document(i, audience) for i in items], fmt)


@resource(f"/requests/<public_id>.{FORMAT}", methods=["GET"])
@documented("Open311: one service request", form=True, responses={404: "No such request"})
def get_request(public_id: str, fmt: str) -> ResponseReturnValue:
    document = request_document(service_request(public_id), _audience())
    return render("service_requests", [document], fmt)


@resource(f"/tokens/<token>.{FORMAT}", methods=["GET"])
@documented("Open311: the request id of a token", form=True, responses={404: "No such token"})
def get_token(token: str, fmt: str) -> ResponseReturnValue:
    return render("service_requests", [token_document(service_request_for_token(token))], fmt)


@resource(f"/servicerequestupdates.{FORMAT}", methods=["GET"])
@documented(
    "Open311 service request updates: status changes, oldest first",
    query=DateWindowSchema,
    form=True,
    responses={400: "Bad filter"},
)
def list_updates(fmt: str) -> ResponseReturnValue:
    updates = request_updates(DateWindowSchema().load(_query()))
    extended = _extended()
    return render("service_request_updates", [update_document(u, extended) for u in updates], fmt)


@resource(f"/servicerequestupdates.{FORMAT}", methods=["POST"])
@documented(
    "Open311: a citizen's update on a request (FixMyStreet's comments)",
    body=ServiceRequestUpdateInSchema,
    form=True,
    responses={**_POSTED, 404: "No such request"},
)
@api_key_required
def post_update(fmt: str) -> ResponseReturnValue:
    new_update = ServiceRequestUpdateInSchema().load(request.form.to_dict())
    stored = add_citizen_update(g.open311_submitter, new_update)
    status = 201 if stored.created else 200
    return render("service_request_updates", [citizen_update_document(stored.update)], fmt, status)


@open311_bp.get("/media/<name>")
@documented("Open311: an uploaded photo", form=True, responses={404: "No such media"})
def media(name: str) -> ResponseReturnValue:
    found = uploaded_media(name)
    if found is None:
        raise NotFound("No such media.")
    response = Response(found.data, content_type=found.content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


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
            f"No such resource: {request.path}. Resources: discovery, services, "
            "services/<code>, requests, requests/<id>, tokens/<token>, servicerequestupdates; "
            "each ending in .json or .xml, also under extended/ for extended statuses."
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
