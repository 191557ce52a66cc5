"""HTTP security headers on every response, and the staff site's outer gate.

The pages use no inline script or style, so the policy can forbid both; uploads and
API bodies are never rendered as HTML.
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.models.user import ROLES

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Status links carry their token in the path: never send it to another site.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    behind_tls = request.is_secure or current_app.config["PUBLIC_BASE_URL"].startswith("https://")
    if behind_tls:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


# Machine accounts use tokens; a person signs in to the staff site.
STAFF_ROLES = tuple(role for role in ROLES if role != "integration")
# Staff pages anyone may open, and those any signed-in account may use.
_OPEN_STAFF_ENDPOINTS = frozenset({"staff.login"})
_ANY_ACCOUNT_ENDPOINTS = frozenset({"staff.logout"})


def guard_staff_site() -> ResponseReturnValue | None:
    """Every staff page needs a signed-in staff account, whether or not its view says so:
    a page added without ``@login_required`` is still closed. Views narrow it by role
    (``@roles_required``, app/web/auth.py)."""
    if request.blueprint != "staff" or request.endpoint in _OPEN_STAFF_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in STAFF_ROLES and request.endpoint not in _ANY_ACCOUNT_ENDPOINTS:
        abort(403)
    return None


def register_security(app: Flask) -> None:
    app.before_request(guard_staff_site)
    app.after_request(add_security_headers)
