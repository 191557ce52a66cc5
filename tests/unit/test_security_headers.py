"""Security headers on pages and API answers (no database needed)."""

import pytest

from app import create_app


@pytest.fixture
def bare_client(tmp_path):
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k",
         "INSTANCE_PATH": str(tmp_path)}
    ).test_client()  # fmt: skip


@pytest.mark.parametrize("url", ["/", "/staff/login", "/api/v1/openapi.json", "/no-such-page"])
def test_headers_on_every_response(bare_client, url):
    headers = bare_client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS would be ignored


def test_hsts_behind_tls(bare_client):
    headers = bare_client.get("/", base_url="https://city.example").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")
