"""Bearer-token authentication for the JSON API: the token must be live, its user's role
allowed and the token scoped for the route (a role alone is not enough: an intake token of
a contact-centre system cannot read items back)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import wraps

from flask import g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from app.services.accounts import api_token_for

INTAKE_ROLES = ("agent", "handler", "admin", "integration")


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def client_key() -> str:
    """Whom a rate limit counts: the API token (a digest of it; Open311 sends it as
    ``api_key``), else the client's address."""
    token = bearer_token() or request.form.get("api_key", "").strip()
    if token:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "address:" + (request.remote_addr or "unknown")


def token_required(*roles: str, scopes: Sequence[str] = ("intake", "read")) -> Callable:
    """The view needs a token of a user in ``roles`` (any role when none given) that has
    one of ``scopes``; ``g.api_user`` is that user."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: object, **kwargs: object) -> object:
            token = bearer_token()
            api_token = api_token_for(token) if token else None
            if api_token is None:
                raise Unauthorized(
                    "A valid API token is required (Authorization: Bearer <token>).",
                    www_authenticate=WWWAuthenticate("bearer"),
                )
            if roles and api_token.user.role not in roles:
                raise Forbidden("This token's user may not do this.")
            if not api_token.allows(*scopes):
                raise Forbidden(f"This token needs one of the scopes: {', '.join(scopes)}.")
            g.api_user = api_token.user
            return view(*args, **kwargs)

        return wrapped

    return decorator
