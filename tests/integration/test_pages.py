"""Public pages, the health check, sign-in and who may see what."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services.accounts import create_user
from tests.support.factories import only_item, submitted
from tests.support.web import csrf_token


@pytest.fixture
def item(app):
    submitted("x", "library-account")
    return only_item()


@pytest.mark.parametrize(
    ("language", "heading", "step"),
    [
        ("fi", "Palautteesi tila", "Välitetty vastuussa olevalle toimialalle"),
        ("sv", "Status för din respons", "Vidarebefordrad till ansvarig sektor"),
        ("en", "Status of your feedback", "Forwarded to the responsible department"),
    ],
)
def test_status_page_in_three_languages(client, item, language, heading, step):
    page = client.get(f"/status/{item.status_token}?lang={language}").get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    assert heading in page and step in page
    assert 'aria-current="step"' in page


def test_the_citizens_language_beats_the_browsers(client, item):
    item.language = "fi"
    db.session.commit()
    page = client.get(f"/status/{item.status_token}", headers={"Accept-Language": "sv-FI,sv"})
    assert '<html lang="fi">' in page.get_data(as_text=True)


def test_browser_language_is_followed_when_the_citizens_is_unknown(client, item):
    item.language = None
    db.session.commit()
    page = client.get(f"/status/{item.status_token}", headers={"Accept-Language": "sv-FI,sv"})
    assert '<html lang="sv">' in page.get_data(as_text=True)


def test_unknown_status_token_is_404(client):
    assert client.get("/status/not-a-token").status_code == 404


def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "queue": "inline", "ok": True}


def test_staff_pages_need_sign_in(client):
    for url in ("/staff/", "/staff/feedback/new", "/staff/tickets"):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_wrong_password_is_refused(app, client):
    create_user("agent@example.org", "agent", "right-password")
    db.session.commit()
    page = client.get("/staff/login").get_data(as_text=True)
    response = client.post(
        "/staff/login",
        data={"email": "agent@example.org", "password": "wrong", "csrf_token": csrf_token(page)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200 and "Wrong e-mail or password." in response.get_data(
        as_text=True
    )


def test_forms_without_csrf_token_are_refused(app, client):
    create_user("agent@example.org", "agent", "right-password")
    db.session.commit()
    response = client.post(
        "/staff/login", data={"email": "agent@example.org", "password": "right-password"}
    )
    assert response.status_code in (200, 400)
    assert client.get("/staff/tickets").status_code == 302  # not signed in


def test_api_needs_a_token(client):
    response = client.post("/api/v1/feedback", json={"text": "x"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert "errors" in response.get_json()


def test_api_refuses_a_non_json_body(app, client):
    from tests.support.factories import bearer, user_with_token

    _, token = user_with_token()
    response = client.post("/api/v1/feedback", data="text=x", headers=bearer(token))
    assert response.status_code == 400 and "_request" in response.get_json()["errors"]


def test_roles_without_intake_rights_get_403(app, client):
    from tests.support.factories import bearer, user_with_token

    _, token = user_with_token("analyst@example.org", "analyst")
    response = client.post("/api/v1/feedback", json={"text": "x"}, headers=bearer(token))
    assert response.status_code == 403


def test_database_outage_is_a_503_not_a_500(tmp_path):
    from app import create_app
    from tests.conftest import base_config
    from tests.support.mail import free_port

    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test?connect_timeout=1"
    app = create_app({**base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    response = client.post(
        "/api/v1/feedback", json={"text": "x"}, headers={"Authorization": "Bearer x"}
    )
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "errors" in response.get_json()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["ok"] is False
    page = client.get("/status/some-token")
    assert page.status_code == 503 and "Traceback" not in page.get_data(as_text=True)


def test_sign_in_attempts_are_throttled(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    page = client.get("/staff/login").get_data(as_text=True)
    data = {"email": "x@example.org", "password": "guess", "csrf_token": csrf_token(page)}
    statuses = [client.post("/staff/login", data=data).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_metrics_in_prometheus_format(app, client, item):
    body = client.get("/metrics").get_data(as_text=True)
    assert 'civicloop_feedback_items{status="forwarded"} 1' in body
    assert "# TYPE civicloop_notice_backlog gauge" in body
    app.config["METRICS_TOKEN"] = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
