"""The citizens' own form: no login, explicit consent, accessible errors, rate-limited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Feedback
from tests.support.factories import only_item
from tests.support.web import csrf_token


def form_fields(html: str) -> dict:
    ref = re.search(r'name="form_ref" type="hidden" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf_token(html), "form_ref": ref}


def count() -> int:
    return db.session.scalar(select(func.count(Feedback.id)))


@pytest.mark.parametrize(
    ("language", "heading"),
    [("fi", "Anna palautetta"), ("sv", "Ge respons"), ("en", "Give feedback")],
)
def test_form_in_three_languages(client, language, heading):
    html = client.get(f"/feedback?lang={language}").get_data(as_text=True)
    assert f'<html lang="{language}">' in html and heading in html
    assert '<label for="text">' in html and '<label for="email">' in html


def test_feedback_is_stored_and_ends_on_the_status_link(client):
    fields = form_fields(client.get("/feedback?lang=sv").get_data(as_text=True))
    data = {**fields, "text": "Bibliotekskontot låser sig", "eservice": "library-account",
            "email": "a@example.org", "consent": "y"}  # fmt: skip
    response = client.post("/feedback", data=data)
    assert response.status_code == 302
    item = only_item()
    assert item.channel == "web_form" and item.language == "sv" and item.contact.consent
    assert response.headers["Location"].endswith(f"/feedback/sent/{item.status_token}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/status/{item.status_token}" in page

    # Pressing "send" twice stores one item.
    assert client.post("/feedback", data=data).status_code == 302
    assert count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "", "consent": "y"}, "consent"),
        ({"eservice": "no-such-service"}, "eservice"),
    ],
)
def test_errors_are_listed_linked_to_their_fields_and_nothing_is_stored(client, changes, field):
    fields = form_fields(client.get("/feedback?lang=en").get_data(as_text=True))
    response = client.post("/feedback", data={**fields, "text": "ok", **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and f'href="#{field}"' in html
    assert f'aria-describedby="{field}-error"' in html or f"{field}-error" in html
    assert count() == 0


def test_posting_too_often_is_refused(app, client):
    app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"
    for n in range(2):
        fields = form_fields(client.get("/feedback").get_data(as_text=True))
        assert client.post("/feedback", data={**fields, "text": f"t{n}"}).status_code == 302
    fields = form_fields(client.get("/feedback").get_data(as_text=True))
    assert client.post("/feedback", data={**fields, "text": "again"}).status_code == 429
    assert count() == 2
