"""Bearer-token authentication for the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from app.services.accounts import user_for_token

INTAKE_ROLES = ("agent", "handler", "admin", "integration")


def token_required(*roles: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: object, **kwargs: object) -> object:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
            if user is None:
                raise Unauthorized(
                    "A valid API token is required (Authorization: Bearer <token>).",
                    www_authenticate=WWWAuthenticate("bearer"),
                )
            if roles and user.role not in roles:
                raise Forbidden("This token's user may not do this.")
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator
