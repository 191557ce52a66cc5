"""Every channel on the real parts: PostgreSQL, Redis and a real RQ worker process.

Each channel's own tests check its details and bad input on SQLite and PostgreSQL; here
every channel feeds the same running worker, which analyses and routes what arrives, and bad
input on each channel is refused before anything is stored or queued.
"""

from __future__ import annotations

import io
import re

import pytest
from redis import Redis
from sqlalchemy import func, select

from app.models import Feedback
from tests.support.factories import bearer, user_with_token
from tests.support.web import csrf_token, post_form, sign_in_as
from tests.support.worker import committed, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

CALL_LOG = (
    "call_id,started_at,queue,caller_phone,caller_email,language,follow_up_consent,"
    "wrap_up_code,eservice,notes\n"
    "c-1,2026-11-20 09:15,Q1,040 123 4567,,suomi,ei,FEEDBACK,,"
    '"Soittaja: pysäköintitunnuksen maksu ei mene läpi verkkopalvelussa"\n'
    "c-2,2026-11-20 09:20,Q1,,,svenska,nej,FEEDBACK,,"
    '"Uppringaren kan inte logga in i bibliotekets e-tjänst, lånekortet godkänns inte"\n'
)


def queued(app) -> int:
    redis = Redis.from_url(app.config["REDIS_URL"])
    return sum(redis.llen(key) for key in redis.keys("rq:queue:*"))


def channels_refuse_bad_input(app, client, token: str) -> None:
    """One bad request per channel: a clear 4xx, and nothing stored or queued."""
    responses = {
        "api": client.post("/api/v1/feedback", json={"text": ""}, headers=bearer(token)),
        "survey": client.post(
            "/api/v1/surveys/library-account/responses",
            json={"answers": {"satisfaction": 9}},
        ),
        "open311": client.post(
            "/open311/v2/requests.json",
            data={"api_key": token, "service_code": "daycare-application", "lat": "95"},
        ),
        "web_form": client.post("/feedback", data={"text": ""}),
    }
    for channel, response in responses.items():
        assert 400 <= response.status_code < 500, (channel, response.status_code)
    assert committed(select(func.count(Feedback.id))).one() == 0 and queued(app) == 0


def test_every_channel_reaches_the_worker_and_is_routed(live_worker):
    app, worker = live_worker
    client = app.test_client()
    _, token = user_with_token("integration@example.org", role="agent")
    channels_refuse_bad_input(app, client, token)

    # The public API, as a contact-centre system would call it.
    api = client.post(
        "/api/v1/feedback",
        json={"text": "Bygglovsansökan går inte att skicka, knappen är grå.", "source_ref": "a1"},
        headers=bearer(token),
    )
    assert api.status_code == 201, api.get_json()
    # A survey comment.
    survey = client.post(
        "/api/v1/surveys/library-account/responses",
        json={
            "answers": {
                "satisfaction": 2,
                "ease": 2,
                "task_done": "no",
                "help_available": "no",
                "understood": 3,
                "comment": "The renewal button does nothing on my phone.",
            },
            "language": "en",
        },
    )
    assert survey.status_code == 201, survey.get_json()
    # Open311, form-encoded as the spec says.
    open311 = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": token,
            "service_code": "street-maintenance",
            "description": "Katuvalo on ollut rikki viikon, ja ilmoituslomake kaatuu.",
            "lat": "60.17",
            "long": "24.94",
        },
    )
    assert open311.status_code == 201, open311.get_json()
    # The citizens' own form.
    page = client.get("/feedback").get_data(as_text=True)
    form_ref = re.search(r'name="form_ref" type="hidden" value="([^"]+)"', page).group(1)
    public = client.post(
        "/feedback",
        data={
            "text": "Dagvårdsansökan tappar bilagorna när jag går tillbaka.",
            "csrf_token": csrf_token(page),
            "form_ref": form_ref,
        },
    )
    assert public.status_code == 302
    # An agent's call, and a contact-centre export uploaded on the staff site.
    staff = client
    sign_in_as(staff, "agent")
    agent = post_form(
        staff,
        "/staff/feedback/new",
        {"text": "Soittaja ei pääse kirjautumaan sairauspäivärahahakemukseen.", "language": "fi"},
    )
    assert agent.status_code == 302
    page = staff.get("/staff/calls/import").get_data(as_text=True)
    upload = staff.post(
        "/staff/calls/import",
        data={
            "export": (io.BytesIO(CALL_LOG.encode()), "calls.csv"),
            "mapping": "generic",
            "csrf_token": csrf_token(page),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302

    def all_processed() -> list[Feedback] | None:
        items = committed(select(Feedback)).all()
        done = len(items) == 7 and all(item.processed_at is not None for item in items)
        return items if done else None

    items = wait_until(all_processed, what="the worker to process every channel", worker=worker)
    assert sorted(item.channel for item in items) == sorted(
        ["api", "survey", "open311", "web_form", "agent_form", "call_log", "call_log"]
    )
    for item in items:
        assert item.language in ("fi", "sv", "en"), item.channel
        # A fault is negative, in a citizen's own words or in an agent's matter-of-fact note
        # of the call ("Soittaja: maksu ei mene läpi"): the caller's experience, as the
        # city's labelled history reads it.
        assert item.sentiment == "negative", (item.channel, item.redacted_text)
        assert item.status in ("forwarded", "triage")
        assert item.routing_method in ("explicit", "rule", "model", "triage")
        assert "040 123 4567" not in (item.redacted_text or "")
    routed = {item.channel: item.department.code for item in items if item.department}
    assert routed.get("api") == "URB" and routed.get("survey") == "CUL"
    assert routed.get("open311") == "URB"
