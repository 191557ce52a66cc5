"""Driving the staff pages as a browser would: sign in, read the CSRF token, post forms."""

from __future__ import annotations

import re

from app.models import User
from tests.support.factories import PASSWORD, staff_user

_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def sign_in(client, email: str, password: str = PASSWORD) -> None:
    page = client.get("/staff/login").get_data(as_text=True)
    response = client.post(
        "/staff/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def sign_in_as(client, role: str, email: str | None = None, **scope) -> User:
    """Create a staff user of ``role`` (``role``@example.org unless named; a supplier works
    for "kivi" unless told) and sign in as them. ``scope`` as ``staff_user`` takes it."""
    if role == "supplier":
        scope.setdefault("supplier_code", "kivi")
    user = staff_user(role, email, **scope)
    sign_in(client, user.email)
    return user


def post_form(client, url: str, data: dict, form_url: str | None = None):
    page = client.get(form_url or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token(page)})
