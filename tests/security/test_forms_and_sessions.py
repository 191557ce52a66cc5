"""CSRF on every form, session cookies, sign-in throttling and the staff site's outer gate."""

from __future__ import annotations

import pytest

from tests.security.conftest import act_as, form_token
from tests.security.test_authorisation_matrix import route_values, routes
from tests.support.factories import PASSWORD

# Machine clients authenticate with tokens or signatures, not cookies (app/__init__.py);
# an unsubscribe link is signed and mail clients post it with no token (RFC 8058); so is a
# follow-up answer link, the credential of the one answer it was made for.
CSRF_EXEMPT_PREFIXES = ("/api/", "/hooks/", "/open311/", "/unsubscribe/", "/followup/")


def browser_form_posts(app) -> list[str]:
    return sorted(
        name
        for name in routes(app)
        if name.startswith("POST ") and not name.split()[1].startswith(CSRF_EXEMPT_PREFIXES)
    )


def test_every_browser_form_refuses_a_post_without_its_csrf_token(app, client, city):
    probe = route_values(city)
    posts = browser_form_posts(app)
    assert "POST /staff/privacy/erase" in posts and "POST /feedback" in posts
    for name in posts:
        url = probe.url(app, routes(app)[name], "POST")
        act_as(client, city.users["admin"])
        response = client.post(url, data={"query": "liisa@example.fi", "confirm": "y"})
        assert response.status_code == 400, name
        assert "CSRF" in response.get_data(as_text=True), name


def test_session_cookie_is_http_only_and_same_site(client, city):
    page = client.get("/staff/login")
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_in_is_throttled_per_address(app, client, city):
    token = form_token(client)
    wrong = {"email": "agent@example.org", "password": "wrong", "csrf_token": token}
    answers = [client.post("/staff/login", data=wrong).status_code for _ in range(11)]
    assert answers[:10] == [200] * 10 and answers[10] == 429
    # Even the right password waits out the limit.
    right = client.post("/staff/login", data={**wrong, "password": PASSWORD})
    assert right.status_code == 429


@pytest.mark.parametrize("url", ["/staff/", "/staff/tickets", "/staff/audit"])
def test_machine_accounts_get_no_staff_page(client, city, url):
    act_as(client, city.users["integration"])
    assert client.get(url).status_code == 403


def _signed_in_cookie(app, client, email: str) -> str:
    from tests.support.web import sign_in

    sign_in(client, email)
    return client.get_cookie("session").value


def _with_cookie(app, cookie: str):
    from flask import g

    g.pop("_login_user", None)  # the tests share one app context: no cached user
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_copied_session_cookie_stops_working_after_logout(app, client, city):
    # Issue 16: the session survived a logout; a copy of the cookie kept working.
    cookie = _signed_in_cookie(app, client, "admin@example.org")
    token = form_token(client)
    assert _with_cookie(app, cookie).get("/staff/inbox").status_code == 200
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    assert _with_cookie(app, cookie).get("/staff/inbox").status_code == 302


def test_a_password_change_ends_the_accounts_sessions(app, client, city):
    from app.extensions import db
    from app.services.accounts import create_user

    cookie = _signed_in_cookie(app, client, "admin@example.org")
    create_user("admin@example.org", "admin", "another long passphrase here")
    db.session.commit()
    assert _with_cookie(app, cookie).get("/staff/inbox").status_code == 302


def test_the_csrf_token_is_new_after_sign_in(app, client, city):
    from tests.support.web import sign_in

    # Issue 16: a token learnt before signing in (a planted session) stayed valid after it.
    before = form_token(client)
    sign_in(client, "admin@example.org")
    assert client.post("/staff/logout", data={"csrf_token": before}).status_code == 400
    assert client.post("/staff/logout", data={"csrf_token": form_token(client)}).status_code == 302
