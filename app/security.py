"""HTTP security headers on every response.

The pages use no inline script or style, so the policy can forbid both; uploads and
API bodies are never rendered as HTML.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

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


def register_security(app: Flask) -> None:
    app.after_request(add_security_headers)
