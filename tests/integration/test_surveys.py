"""Surveys: the common frame, versioned custom frames, responses through the API and the
public page, comments as feedback items, transaction counts, bad input and rate limits."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.cli_surveys import surveys_cli
from app.extensions import db
from app.models import EService, Feedback, SurveyFrame, SurveyResponse, TransactionCount
from app.services.surveys import (
    SurveyError,
    define_frame,
    ensure_common_frame,
    frame_for,
    record_response,
)
from tests.support.factories import bearer, only_item, user_with_token
from tests.support.web import csrf_token

SERVICE = "library-account"
ANSWERS = {
    "satisfaction": 2,
    "ease": 3,
    "task_done": "partly",
    "help_available": "not_needed",
    "understood": 4,
}
COMMENT = "The renewal button does nothing on my phone."


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def post_response(client, body: dict, eservice: str = SERVICE, **kwargs):
    return client.post(f"/api/v1/surveys/{eservice}/responses", json=body, **kwargs)


def custom_frame(task_options=("yes", "no"), label="How was the library?") -> list[dict]:
    return [
        {"key": "satisfaction", "type": "scale", "required": True, "labels": {"en": label}},
        {
            "key": "task_done",
            "type": "choice",
            "labels": {"en": "Did you renew your loans?"},
            "options": [{"value": v, "labels": {"en": v.title()}} for v in task_options],
        },
        {"key": "comment", "type": "text", "labels": {"en": "Anything else?"}},
    ]


# --- the common frame ---------------------------------------------------------------------


def test_the_common_frame_is_created_once_and_served(client):
    assert count(SurveyFrame) == 0
    first = ensure_common_frame()
    assert ensure_common_frame().id == first.id
    frame = client.get(f"/api/v1/surveys/{SERVICE}").get_json()
    assert post_response(client, {"answers": ANSWERS}).status_code == 201
    assert count(SurveyFrame) == 1

    assert frame["code"] == "common" and frame["version"] == 1
    assert {"fi", "sv", "en"} <= set(frame["titles"])
    by_key = {question["key"]: question for question in frame["questions"]}
    assert list(by_key) == [*ANSWERS, "comment"]
    assert [o["value"] for o in by_key["task_done"]["options"]] == ["yes", "partly", "no"]
    assert [o["value"] for o in by_key["help_available"]["options"]] == ["yes", "no", "not_needed"]
    assert by_key["comment"]["type"] == "text" and frame["max_text_length"] == 2000
    for question in frame["questions"]:
        assert {"fi", "sv", "en", "da", "nb"} <= set(question["labels"]), question["key"]


def test_a_comment_becomes_one_linked_feedback_item_and_a_repeat_stores_nothing(client):
    body = {"answers": {**ANSWERS, "comment": f"  {COMMENT}  "}, "language": "en",
            "client_ref": "txn-1001"}  # fmt: skip
    response = post_response(client, body)
    assert response.status_code == 201, response.get_json()
    stored = db.session.scalars(select(SurveyResponse)).one()
    item = only_item()
    assert (stored.satisfaction, stored.ease, stored.task_done) == (2, 3, "partly")
    assert (stored.help_available, stored.understood, stored.completed) == ("not_needed", 4, True)
    assert stored.answers["comment"] == COMMENT and stored.frame.version == 1
    assert stored.feedback_id == item.id and stored.language == "en"
    assert item.channel == "survey" and item.source_ref == f"survey:{stored.id}"
    assert item.text == COMMENT and item.eservice.code == SERVICE
    assert response.get_json()["feedback"]["id"] == item.public_id

    again = post_response(client, {**body, "answers": {**ANSWERS, "satisfaction": 5}})
    assert again.status_code == 200 and again.get_json()["id"] == stored.id
    # Issue 16: a re-post of a known client_ref handed out the item and its status link.
    assert again.get_json()["feedback"] is None
    assert count(SurveyResponse) == 1 and count(Feedback) == 1
    assert db.session.scalars(select(SurveyResponse)).one().satisfaction == 2

    # The same transaction reference at another e-service is another citizen's answer.
    assert post_response(client, body, eservice="parking-permit").status_code == 201
    assert count(SurveyResponse) == 2 and count(Feedback) == 2


def test_scores_without_a_comment_make_no_feedback_item(client):
    response = post_response(client, {"answers": ANSWERS})
    assert response.status_code == 201 and response.get_json()["feedback"] is None
    assert count(SurveyResponse) == 1 and count(Feedback) == 0


def test_an_abandoned_survey_keeps_what_it_has(client):
    response = post_response(client, {"answers": {"ease": 1}, "completed": False})
    assert response.status_code == 201
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.completed is False and stored.ease == 1 and stored.satisfaction is None


# --- versioned frames ---------------------------------------------------------------------


def test_changing_a_frame_makes_a_new_version_and_old_answers_keep_theirs(app, client):
    first = define_frame("library", custom_frame(), {"en": "Library survey"}, department="CUL")
    assert first.created and first.frame.version == 1 and first.frame.department.code == "CUL"
    eservice = db.session.scalars(select(EService).where(EService.code == SERVICE)).one()
    eservice.survey_frame = "library"
    db.session.commit()
    old = record_response(SERVICE, {"satisfaction": 4, "task_done": "no"}, "en").response

    # Titles do not change what an answer means: same version, new title.
    retitled = define_frame("library", custom_frame(), {"en": "Library, briefly"})
    assert not retitled.created and retitled.frame.version == 1
    assert retitled.frame.titles == {"en": "Library, briefly"}

    changed = define_frame("library", custom_frame(label="Rate the library"), {"en": "Library"})
    assert changed.created and changed.frame.version == 2
    assert count(SurveyFrame) == 2
    new = post_response(client, {"answers": {"satisfaction": 5}}).get_json()
    assert new["frame"] == "library" and new["frame_version"] == 2

    db.session.expire_all()
    old = db.session.get(SurveyResponse, old.id)
    assert old.frame.version == 1
    assert old.frame.questions[0]["labels"]["en"] == "How was the library?"
    assert frame_for(SERVICE).version == 2

    # A client that rendered version 1 records against version 1.
    late = post_response(client, {"answers": {"satisfaction": 3}, "frame_version": 1})
    assert late.status_code == 201 and late.get_json()["frame_version"] == 1
    missing = post_response(client, {"answers": {"satisfaction": 3}, "frame_version": 9})
    assert missing.status_code == 422 and "frame_version" in missing.get_json()["errors"]


def test_a_frame_reusing_a_measure_key_with_other_options_leaves_its_column_empty(app):
    define_frame("library", custom_frame(task_options=("renewed", "failed")), {"en": "Library"})
    eservice = db.session.scalars(select(EService).where(EService.code == SERVICE)).one()
    eservice.survey_frame = "library"
    db.session.commit()
    stored = record_response(SERVICE, {"satisfaction": 4, "task_done": "renewed"}, "en").response
    assert stored.answers["task_done"] == "renewed" and stored.task_done is None
    assert stored.satisfaction == 4


def test_an_e_service_naming_an_undefined_frame_gets_the_common_one(app, client):
    eservice = db.session.scalars(select(EService).where(EService.code == SERVICE)).one()
    eservice.survey_frame = "not-yet-defined"
    db.session.commit()
    assert client.get(f"/api/v1/surveys/{SERVICE}").get_json()["code"] == "common"


@pytest.mark.parametrize(
    ("questions", "field"),
    [
        ([], "questions"),
        ([{"key": "Bad Key", "type": "scale", "labels": {"en": "?"}}], "questions.0.key"),
        ([{"key": "a", "type": "slider", "labels": {"en": "?"}}], "questions.0.type"),
        ([{"key": "a", "type": "choice", "labels": {"en": "?"}}], "questions.0.options"),
        ([{"key": "a", "type": "text", "labels": {}}], "questions.0.labels"),
        ([{"key": "a", "type": "text", "labels": {"en": "?"}}] * 2, "questions"),
    ],
)
def test_a_broken_frame_is_refused(app, questions, field):
    with pytest.raises(SurveyError) as error:
        define_frame("library", questions, {"en": "Library"})
    assert field in error.value.messages
    assert count(SurveyFrame) == 0


def test_surveys_define_command_loads_a_frame_file(app, tmp_path):
    path = tmp_path / "library.json"
    path.write_text(json.dumps({"code": "library", "titles": {"en": "Library"},
                                "questions": custom_frame()}))  # fmt: skip
    runner = app.test_cli_runner()
    first = runner.invoke(surveys_cli, ["define", str(path)])
    assert first.exit_code == 0 and "library version 1 (new version)" in first.output
    again = runner.invoke(surveys_cli, ["define", str(path)])
    assert "version 1 (questions unchanged)" in again.output
    path.write_text(json.dumps({"code": "library", "questions": [{"key": "x"}]}))
    broken = runner.invoke(surveys_cli, ["define", str(path)])
    assert broken.exit_code != 0 and "questions.0.type" in broken.output
    assert count(SurveyFrame) == 1


# --- bad input through the API --------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"answers": {**ANSWERS, "satisfaction": 0}}, ("answers", "satisfaction")),
        ({"answers": {**ANSWERS, "satisfaction": 6}}, ("answers", "satisfaction")),
        ({"answers": {**ANSWERS, "ease": "3"}}, ("answers", "ease")),
        ({"answers": {**ANSWERS, "ease": 2.5}}, ("answers", "ease")),
        ({"answers": {**ANSWERS, "understood": True}}, ("answers", "understood")),
        ({"answers": {**ANSWERS, "task_done": "maybe"}}, ("answers", "task_done")),
        ({"answers": {**ANSWERS, "help_available": "partly"}}, ("answers", "help_available")),
        ({"answers": {**ANSWERS, "favourite_colour": "blue"}}, ("answers", "favourite_colour")),
        ({"answers": {**ANSWERS, "comment": "x" * 2001}}, ("answers", "comment")),
        ({"answers": {**ANSWERS, "comment": 42}}, ("answers", "comment")),
        ({"answers": {"ease": 4}}, ("answers", "satisfaction")),
        ({"answers": {}, "completed": False}, ("answers",)),
        ({"answers": [4, 5]}, ("answers",)),
        ({}, ("answers",)),
        ({"answers": ANSWERS, "language": "xx"}, ("language",)),
        ({"answers": ANSWERS, "client_ref": "  "}, ("client_ref",)),
        ({"answers": ANSWERS, "client_ref": "r" * 201}, ("client_ref",)),
        ({"answers": ANSWERS, "completed": "sometimes"}, ("completed",)),
        ({"answers": ANSWERS, "frame_version": 0}, ("frame_version",)),
        ({"answers": ANSWERS, "rating": 5}, ("rating",)),
    ],
)
def test_bad_answers_are_refused_with_field_messages_and_nothing_is_stored(client, body, path):
    response = post_response(client, body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    for key in path:
        errors = errors[key]
    assert errors and all(isinstance(message, str) for message in errors)
    assert count(SurveyResponse) == 0 and count(Feedback) == 0


def test_a_body_that_is_not_json_is_refused(client):
    response = client.post(f"/api/v1/surveys/{SERVICE}/responses", data="satisfaction=5")
    assert response.status_code == 400 and count(SurveyResponse) == 0


def test_an_unknown_or_retired_e_service_is_404(client):
    assert post_response(client, {"answers": ANSWERS}, eservice="no-such").status_code == 404
    assert client.get("/api/v1/surveys/no-such").status_code == 404
    assert client.get("/survey/no-such").status_code == 404
    eservice = db.session.scalars(select(EService).where(EService.code == SERVICE)).one()
    eservice.active = False
    db.session.commit()
    assert post_response(client, {"answers": ANSWERS}).status_code == 404
    assert client.get(f"/survey/{SERVICE}").status_code == 404
    assert count(SurveyResponse) == 0


# --- transaction counts ---------------------------------------------------------------------


def post_counts(client, body: dict, token: str | None, eservice: str = SERVICE):
    headers = bearer(token) if token else {}
    return client.post(f"/api/v1/eservices/{eservice}/transactions", json=body, headers=headers)


def test_transaction_counts_are_upserted_per_day(client):
    _, token = user_with_token("feed@example.org", role="integration")
    day = (date.today() - timedelta(days=1)).isoformat()
    first = post_counts(client, {"day": day, "completed": 120, "started": 150}, token)
    assert first.status_code == 201
    assert first.get_json() == {"eservice": SERVICE, "day": day, "completed": 120, "started": 150}
    again = post_counts(client, {"day": day, "completed": 130}, token)
    assert again.status_code == 200
    assert post_counts(client, {"day": "2024-01-01", "completed": 7}, token).status_code == 201
    rows = db.session.scalars(select(TransactionCount).order_by(TransactionCount.day)).all()
    assert [(r.day.isoformat(), r.completed, r.started) for r in rows] == [
        ("2024-01-01", 7, None),
        (day, 130, None),
    ]


def test_transaction_counts_need_an_integration_or_admin_token(client):
    _, agent = user_with_token("agent@example.org", role="agent")
    _, admin = user_with_token("admin@example.org", role="admin")
    body = {"day": "2024-01-01", "completed": 1}
    assert post_counts(client, body, None).status_code == 401
    assert post_counts(client, body, agent).status_code == 403
    assert post_counts(client, body, admin).status_code == 201
    assert post_counts(client, body, admin, eservice="no-such").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"day": "2024-13-01", "completed": 1}, "day"),
        ({"day": "01.02.2024", "completed": 1}, "day"),
        ({"day": (date.today() + timedelta(days=2)).isoformat(), "completed": 1}, "day"),
        ({"completed": 1}, "day"),
        ({"day": "2024-01-01", "completed": -1}, "completed"),
        ({"day": "2024-01-01", "completed": "5"}, "completed"),
        ({"day": "2024-01-01"}, "completed"),
        ({"day": "2024-01-01", "completed": 10, "started": 9}, "started"),
        ({"day": "2024-01-01", "completed": 0, "started": -3}, "started"),
        ({"day": "2024-01-01", "completed": 1, "failed": 3}, "failed"),
    ],
)
def test_bad_transaction_counts_are_refused_and_nothing_is_stored(client, body, field):
    _, token = user_with_token("feed@example.org", role="integration")
    response = post_counts(client, body, token)
    assert response.status_code == 422
    assert response.get_json()["errors"][field]
    assert count(TransactionCount) == 0


# --- the public page ------------------------------------------------------------------------


def page_fields(html: str) -> dict:
    hidden = dict(
        re.findall(r'name="(client_ref|frame_version)" type="hidden" value="([^"]*)"', html)
    )
    return {"csrf_token": csrf_token(html), **hidden}


def form_answers(**changes) -> dict:
    answers = {f"q_{key}": str(value) for key, value in ANSWERS.items()}
    return {**answers, **{f"q_{key}": value for key, value in changes.items()}}


@pytest.mark.parametrize(
    ("language", "title", "question"),
    [
        ("fi", "Miten asiointi sujui?", "Kuinka tyytyväinen olet palveluun kaiken kaikkiaan?"),
        ("sv", "Hur gick ärendet?", "Hur nöjd är du med tjänsten som helhet?"),
        ("en", "How did it go?", "Overall, how satisfied are you with the service?"),
    ],
)
def test_the_page_speaks_the_citizens_language_with_labelled_groups(
    client, language, title, question
):
    html = client.get(f"/survey/{SERVICE}?lang={language}").get_data(as_text=True)
    assert f'<html lang="{language}">' in html and f"<h1>{title}</h1>" in html
    assert html.count("<fieldset") == 5 and html.count("<legend>") == 5
    assert f"<legend>{question} " in html  # followed by the "required" mark
    # Every radio button has its own label; the first one carries the question's id.
    radios = re.findall(r'<input type="radio" name="(\w+)" id="([\w-]+)"', html)
    assert len(radios) == 5 + 5 + 3 + 3 + 5
    for _, radio_id in radios:
        assert f'<label for="{radio_id}">' in html
    assert ("q_satisfaction", "q_satisfaction") in radios
    assert '<label for="q_comment">' in html and "<textarea" in html
    assert 'maxlength="2000"' in html and '="None"' not in html


def test_the_page_stores_the_answers_and_thanks_with_the_status_link(client):
    page = client.get(f"/survey/{SERVICE}?lang=sv&ref=txn-77").get_data(as_text=True)
    fields = page_fields(page)
    assert fields["client_ref"] == "txn-77" and fields["frame_version"] == "1"
    data = {**fields, **form_answers(comment="Förnyelsen fungerar inte")}
    response = client.post(f"/survey/{SERVICE}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = db.session.scalars(select(SurveyResponse)).one()
    item = only_item()
    assert stored.client_ref == "txn-77" and stored.language == "sv"
    assert (stored.satisfaction, stored.task_done, stored.feedback_id) == (2, "partly", item.id)
    assert item.channel == "survey" and item.language == "sv"
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/status/{item.status_token}" in thanks

    # Sending the page twice stores one response, and shows no one else's status link.
    repeat = client.post(f"/survey/{SERVICE}", data=data)
    assert repeat.status_code == 302 and "item=" not in repeat.headers["Location"]
    assert count(SurveyResponse) == 1 and count(Feedback) == 1


def test_the_page_needs_its_csrf_token(client):
    fields = page_fields(client.get(f"/survey/{SERVICE}").get_data(as_text=True))
    response = client.post(
        f"/survey/{SERVICE}", data={**form_answers(), "client_ref": fields["client_ref"]}
    )
    assert response.status_code == 400
    assert count(SurveyResponse) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"satisfaction": ""}, "q_satisfaction"),
        ({"satisfaction": "9"}, "q_satisfaction"),
        ({"ease": "abc"}, "q_ease"),
        ({"task_done": "maybe"}, "q_task_done"),
        ({"comment": "x" * 2001}, "q_comment"),
    ],
)
def test_page_errors_are_listed_linked_to_their_fields_and_nothing_is_stored(
    client, changes, field
):
    fields = page_fields(client.get(f"/survey/{SERVICE}?lang=en").get_data(as_text=True))
    data = {**fields, **form_answers(**changes)}
    data = {key: value for key, value in data.items() if value != ""}
    response = client.post(f"/survey/{SERVICE}", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and f'href="#{field}"' in html
    assert f'id="{field}"' in html and f'id="{field}-error"' in html
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error"', html)
    assert count(SurveyResponse) == 0 and count(Feedback) == 0


def test_a_page_shown_before_a_frame_change_records_against_the_version_shown(client):
    fields = page_fields(client.get(f"/survey/{SERVICE}").get_data(as_text=True))
    define_frame("common", custom_frame(), {"en": "Shorter"})
    response = client.post(f"/survey/{SERVICE}", data={**fields, **form_answers()})
    assert response.status_code == 302
    assert db.session.scalars(select(SurveyResponse)).one().frame.version == 1


# --- rate limits ----------------------------------------------------------------------------


def test_posting_too_often_is_refused(app, client):
    app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"
    for n in range(2):
        assert post_response(client, {"answers": ANSWERS, "client_ref": f"r{n}"}).status_code == 201
    refused = post_response(client, {"answers": ANSWERS, "client_ref": "r2"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "errors" in refused.get_json()
    # The survey's frame stays readable, and the page has its own allowance.
    assert client.get(f"/api/v1/surveys/{SERVICE}").status_code == 200
    for n in range(3):
        fields = page_fields(client.get(f"/survey/{SERVICE}").get_data(as_text=True))
        status = client.post(f"/survey/{SERVICE}", data={**fields, **form_answers()}).status_code
        assert status == (302 if n < 2 else 429)
    assert count(SurveyResponse) == 4


def test_an_e_service_posting_with_its_integration_token_is_not_limited_by_address(app, client):
    app.config["PUBLIC_RATE_LIMIT"] = "1 per minute"
    _, token = user_with_token("library@example.org", role="integration")
    _, agent = user_with_token("agent@example.org", role="agent")
    for n in range(3):
        body = {"answers": ANSWERS, "client_ref": f"r{n}"}
        assert post_response(client, body, headers=bearer(token)).status_code == 201
    assert post_response(client, {"answers": ANSWERS}, headers=bearer(agent)).status_code == 201
    assert post_response(client, {"answers": ANSWERS}, headers=bearer(agent)).status_code == 429
