"""Open311 GeoReport v2 as a client uses it: form-encoded posts, JSON and XML read back
(XML parsed with ElementTree), the spec's errors, and no personal data in any answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Contact, Feedback, FeedbackEvent, Notice, User
from app.models.types import utcnow
from app.services.history import change_status
from tests.conftest import real_app_for
from tests.support.factories import consenting, only_item, submitted, user_with_token
from tests.support.worker import WorkerProcess, wait_until

BASE = "/open311/v2"
PERSONAL = ("Liisa", "Virtanen", "040 123 4567", "liisa.virtanen@example.fi")
TEXT = "Varhaiskasvatushakemus kaatuu liitteen kohdalla. Soita 040 123 4567, Liisa Virtanen."
EN = {"Accept-Language": "en"}


@pytest.fixture
def api_key(app):
    return user_with_token("open311-app@example.org", role="integration")[1]


def post(client, key, fmt="json", headers=None, **fields):
    form = {"api_key": key, "service_code": "daycare-application", "description": TEXT}
    form = {key: value for key, value in {**form, **fields}.items() if value is not None}
    return client.post(f"{BASE}/requests.{fmt}", data=form, headers=headers or {})


def xml(response) -> ElementTree.Element:
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.data)


def errors_of(response, fmt: str) -> list[dict]:
    if fmt == "xml":
        root = xml(response)
        assert root.tag == "errors"
        return [
            {"code": int(e.findtext("code")), "description": e.findtext("description")}
            for e in root.findall("error")
        ]
    assert response.content_type == "application/json; charset=utf-8"
    return response.get_json()


def stored() -> tuple[int, ...]:
    db.session.rollback()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Feedback, Contact, FeedbackEvent, Notice)
    )


# --- services -----------------------------------------------------------------------------


def test_services_list_the_catalog_in_json_and_xml(client):
    services = client.get(f"{BASE}/services.json", headers=EN).get_json()
    daycare = next(s for s in services if s["service_code"] == "daycare-application")
    assert daycare == {
        "service_code": "daycare-application",
        "service_name": "Daycare application",
        "description": "Daycare application",
        "metadata": True,  # client_ref, at least
        "type": "realtime",
        "keywords": "",
        "group": "Education",
    }

    root = xml(client.get(f"{BASE}/services.xml", headers={"Accept-Language": "sv"}))
    assert root.tag == "services"
    codes = [service.findtext("service_code") for service in root.findall("service")]
    assert codes == [s["service_code"] for s in services]
    daycare = root.find("service[service_code='daycare-application']")
    assert daycare.findtext("group") == "Fostran och utbildning"
    assert (daycare.findtext("metadata"), daycare.findtext("type")) == ("true", "realtime")


def test_a_definition_advertises_client_ref_and_unknown_is_404(client):
    definition = client.get(f"{BASE}/services/daycare-application.json").get_json()
    assert definition["service_code"] == "daycare-application"
    (client_ref,) = definition["attributes"]
    assert client_ref["code"] == "client_ref" and client_ref["variable"] is True
    assert (client_ref["datatype"], client_ref["required"], client_ref["order"]) == (
        "string",
        False,
        1,
    )
    root = xml(client.get(f"{BASE}/services/daycare-application.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code")
    assert root.findtext("attributes/attribute/code") == "client_ref"

    response = client.get(f"{BASE}/services/no-such-service.xml")
    assert response.status_code == 404
    (error,) = errors_of(response, "xml")
    assert error["code"] == 404 and "no-such-service" in error["description"]


# --- POST requests ------------------------------------------------------------------------


def test_a_posted_request_is_stored_routed_and_read_back_without_personal_data(
    app, client, api_key
):
    response = post(
        client,
        api_key,
        lat="60.1699",
        long="24.9384",
        address_string="Mannerheimintie 1, Helsinki",
        media_url="https://photos.example.org/1.jpg",
        email="liisa.virtanen@example.fi",
        first_name="Liisa",
        last_name="Virtanen",
        phone="040 123 4567",
        jurisdiction_id="example.city",  # accepted and ignored: one city per endpoint
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    (created,) = response.get_json()
    item = only_item()
    assert created["service_request_id"] == item.public_id and created["account_id"] is None
    assert item.status_token in created["service_notice"]  # the submitter's own status link

    assert (item.channel, item.eservice.code, item.status) == (
        "open311",
        "daycare-application",
        "forwarded",
    )
    assert (item.latitude, item.longitude) == (60.1699, 24.9384)
    assert item.address == "Mannerheimintie 1, Helsinki"
    assert item.media_url == "https://photos.example.org/1.jpg"
    assert (
        item.contact.email == "liisa.virtanen@example.fi" and item.contact.name == "Liisa Virtanen"
    )
    assert db.session.get(User, item.agent_id).email == "open311-app@example.org"
    # Open311 has no consent field: no consent, so no thank-you mail.
    assert not item.contact.consent and stored()[3] == 0

    reads = [
        client.get(f"{BASE}/requests/{item.public_id}.{fmt}", headers=EN) for fmt in ("json", "xml")
    ]
    reads += [client.get(f"{BASE}/requests.{fmt}") for fmt in ("json", "xml")]
    reads += [client.get(f"{BASE}/servicerequestupdates.{fmt}") for fmt in ("json", "xml")]
    for read in reads:
        assert read.status_code == 200
        body = read.get_data(as_text=True)
        for personal in (*PERSONAL, item.status_token):
            assert personal not in body, (personal, read.request.path)

    (document,) = reads[0].get_json()
    assert document["description"] == item.redacted_text and "[phone]" in item.redacted_text
    assert document["status"] == "open" and document["agency_responsible"] == "Education"
    assert (document["service_code"], document["service_name"]) == (
        "daycare-application",
        "Daycare application",
    )
    assert (document["lat"], document["long"]) == (60.1699, 24.9384)
    requested = datetime.fromisoformat(document["requested_datetime"])
    assert requested.utcoffset() is not None and requested == item.received_at.replace(
        microsecond=0
    )
    # Routed to Education: its resolution target (30 days by default) from the item's start.
    expected = datetime.fromisoformat(document["expected_datetime"])
    start = item.ticket.created_at if item.ticket else item.received_at
    assert expected == (start + timedelta(days=30)).replace(microsecond=0)

    root = xml(reads[1])
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == item.public_id
    assert request.findtext("description") == item.redacted_text
    assert float(request.findtext("lat")) == 60.1699


def test_an_address_already_known_neither_changes_nor_borrows_its_contact(app, client, api_key):
    # Issue 16: Open311 reused the contact by e-mail (and its consent): anyone knowing a
    # citizen's address could attach requests to them and have notices sent to them.
    submitted("Kiitos", channel="web_form", contact=consenting("liisa.virtanen@example.fi"))
    assert post(client, api_key, email="liisa.virtanen@example.fi").status_code == 201
    known, new = db.session.scalars(select(Contact).order_by(Contact.id)).all()
    assert known.consent and not new.consent and new.email == known.email
    assert stored()[3] == 1  # the thank-you of the citizen's own item only


def test_a_retry_with_the_same_reference_stores_nothing_new(app, client, api_key):
    first = post(client, api_key, **{"attribute[client_ref]": "app-42"})
    assert first.status_code == 201
    again = post(client, api_key, **{"attribute[client_ref]": "app-42"})
    assert again.status_code == 200 and again.get_json() == first.get_json()
    header = post(client, api_key, headers={"Idempotency-Key": "app-42"})
    assert header.get_json() == first.get_json()
    assert stored()[0] == 1

    # References belong to their submitter: another app's "app-42" is another request.
    _, other_key = user_with_token("other-app@example.org", role="integration")
    other = post(client, other_key, **{"attribute[client_ref]": "app-42"})
    assert other.status_code == 201 and other.get_json() != first.get_json()

    response = post(
        client, api_key, headers={"Idempotency-Key": "a"}, **{"attribute[client_ref]": "b"}
    )
    assert response.status_code == 400
    assert "attribute[client_ref]" in errors_of(response, "json")[0]["description"]


@pytest.mark.parametrize(
    ("fmt", "changes", "status", "field"),
    [
        ("json", {"api_key": None}, 403, "api_key"),
        ("xml", {"api_key": "cl_not-a-token"}, 403, "api_key"),
        ("json", {"service_code": "no-such-service"}, 404, "service_code"),
        ("xml", {"service_code": None}, 400, "service_code"),
        ("json", {"description": None}, 400, "description"),  # nor attributes nor media
        ("xml", {"description": "   "}, 400, "description"),
        ("json", {"description": "x" * 4001}, 400, "description"),
        ("xml", {"lat": "60.17"}, 400, "long"),
        ("json", {"long": "24.94"}, 400, "lat"),
        ("xml", {"lat": "91", "long": "24.94"}, 400, "lat"),
        ("json", {"lat": "60.17", "long": "east"}, 400, "long"),
        ("json", {"lat": "nan", "long": "24.94"}, 400, "lat"),
        ("xml", {"email": "not-an-address"}, 400, "email"),
        ("json", {"phone": "call me"}, 400, "phone"),
        ("json", {"first_name": "x" * 150, "last_name": "y" * 150}, 400, "first_name"),
        ("xml", {"media_url": "not a url"}, 400, "media_url"),
        ("json", {"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ("json", {"address_string": "x" * 501}, 400, "address_string"),
        ("xml", {"attribute[client_ref]": "x" * 151}, 400, "attribute[client_ref]"),
    ],
)
def test_bad_input_gets_the_spec_error_and_changes_nothing(
    app, client, api_key, fmt, changes, status, field
):
    before = stored()
    response = post(client, api_key, fmt, **changes)
    assert response.status_code == status, response.get_data(as_text=True)
    (error,) = errors_of(response, fmt)
    assert error["code"] == status and field in error["description"]
    assert stored() == before


def test_each_bad_field_gets_its_own_error(app, client, api_key):
    response = post(
        client, api_key, "xml", description=None, lat="100", long="0", email="x", media_url="y"
    )
    assert response.status_code == 400
    described = [error["description"].split(":")[0] for error in errors_of(response, "xml")]
    assert sorted(described) == ["email", "lat", "media_url"]
    assert stored() == (0, 0, 0, 0)


def test_a_token_that_may_not_submit_and_a_json_body_are_refused(app, client):
    _, analyst_key = user_with_token("analyst@example.org", role="analyst")
    response = post(client, analyst_key)
    assert response.status_code == 403
    assert "may not submit" in errors_of(response, "json")[0]["description"]

    response = client.post(
        f"{BASE}/requests.json",
        json={"api_key": analyst_key, "service_code": "daycare-application", "description": "x"},
    )
    assert response.status_code == 400
    assert "form-encoded" in errors_of(response, "json")[0]["description"]
    assert stored() == (0, 0, 0, 0)


def test_unknown_paths_and_methods_answer_in_the_spec_format(client):
    response = client.get(f"{BASE}/nothing.xml")
    assert response.status_code == 404
    assert "services" in errors_of(response, "xml")[0]["description"]
    assert client.get(f"{BASE}/services.csv").status_code == 404

    response = client.post(f"{BASE}/services.json")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    (error,) = errors_of(response, "json")
    assert error == {
        "code": 405,
        "description": f"POST is not allowed on {BASE}/services.json; use GET.",
    }

    response = client.get(f"{BASE}/requests/no-such-id.xml")
    assert response.status_code == 404 and errors_of(response, "xml")[0]["code"] == 404


def test_xml_stays_well_formed_whatever_the_citizen_typed(app, client, api_key):
    assert post(client, api_key, description="Lomake <kaatuu> & \x0bjumittaa").status_code == 201
    request = xml(client.get(f"{BASE}/requests.xml")).find("request")
    assert request.findtext("description") == "Lomake <kaatuu> & \ufffdjumittaa"


# --- GET requests -------------------------------------------------------------------------


@pytest.fixture
def requests_(app, client, api_key):
    """Four Open311 requests (one 100 days old, one resolved) and one item from the API."""

    def new(service_code: str, n: int) -> Feedback:
        description = f"{service_code} {n}"  # not identical: that would be a retry
        response = post(client, api_key, service_code=service_code, description=description)
        public_id = response.get_json()[0]["service_request_id"]
        return db.session.scalars(select(Feedback).where(Feedback.public_id == public_id)).one()

    old, daycare, library, parking = (
        new(code, n)
        for n, code in enumerate(
            ("daycare-application", "daycare-application", "library-account", "parking-permit")
        )
    )
    old.received_at = utcnow() - timedelta(days=100)
    change_status(parking, "resolved", note="Fixed in release 2.3")
    submitted("Not an Open311 request")
    db.session.commit()
    return {"old": old, "daycare": daycare, "library": library, "parking": parking}


def listed(client, query: str = "", fmt: str = "json") -> list[str]:
    response = client.get(f"{BASE}/requests.{fmt}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    if fmt == "xml":
        return [r.findtext("service_request_id") for r in xml(response).findall("request")]
    return [request["service_request_id"] for request in response.get_json()]


def test_the_list_filters_as_the_spec_says(client, requests_):
    ids = {name: item.public_id for name, item in requests_.items()}
    # The last 90 days by default, newest first; never items of other channels.
    assert listed(client) == [ids["parking"], ids["library"], ids["daycare"]]
    assert listed(client, fmt="xml") == listed(client)

    assert listed(client, "service_code=daycare-application,parking-permit") == [
        ids["parking"],
        ids["daycare"],
    ]
    assert listed(client, "status=closed") == [ids["parking"]]
    assert listed(client, "status=open") == [ids["library"], ids["daycare"]]
    assert len(listed(client, "status=open&status=closed")) == 3

    start = (utcnow() - timedelta(days=101)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (utcnow() - timedelta(days=99)).strftime("%Y-%m-%dT%H:%M:%S+03:00")
    assert listed(client, f"start_date={start}&end_date={end}") == [ids["old"]]
    # Only a start: 90 days from it.
    assert listed(client, f"start_date={start}") == [ids["old"]]

    # Ids override every other filter; unknown ids and other channels' items are not listed.
    other = db.session.scalars(select(Feedback).where(Feedback.channel == "api")).one()
    query = f"service_request_id={ids['old']},{ids['library']},{other.public_id},nope"
    assert sorted(listed(client, query + "&status=closed")) == sorted([ids["old"], ids["library"]])
    assert client.get(f"{BASE}/requests/{other.public_id}.json").status_code == 404


def test_the_list_is_capped(client, requests_, monkeypatch):
    monkeypatch.setattr("app.services.open311.MAX_RESULTS", 2)
    assert len(listed(client)) == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start_date=yesterday", "start_date"),
        ("start_date=2026-02-30", "start_date"),
        ("end_date=2026-01-01T00:00:00", "end_date"),
        ("start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "end_date"),
        ("start_date=2025-01-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "end_date"),
        ("end_date=0001-01-01T00:00:00Z", "end_date"),
        ("status=pending", "status"),
        ("page=0", "page"),
        ("page_size=1001", "page_size"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client, query, field):
    for resource in ("requests", "servicerequestupdates"):
        response = client.get(f"{BASE}/{resource}.xml?{query}")
        if resource == "servicerequestupdates" and field == "status":
            assert response.status_code == 200  # the extension has no status filter
            continue
        assert response.status_code == 400, response.get_data(as_text=True)
        (error,) = errors_of(response, "xml")
        assert error["code"] == 400 and error["description"].startswith(f"{field}: ")


def test_an_unencoded_plus_in_an_offset_is_understood(client, requests_):
    start = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert len(listed(client, f"start_date={start}+02:00")) == 3  # "+" arrives as " "


# --- tokens and updates ------------------------------------------------------------------


def test_a_status_token_gives_the_request_id(client, requests_):
    item = requests_["daycare"]
    token = client.get(f"{BASE}/tokens/{item.status_token}.json").get_json()
    assert token == [{"service_request_id": item.public_id, "token": item.status_token}]
    request = xml(client.get(f"{BASE}/tokens/{item.status_token}.xml")).find("request")
    assert request.findtext("service_request_id") == item.public_id

    response = client.get(f"{BASE}/tokens/not-a-token.xml")
    assert response.status_code == 404 and errors_of(response, "xml")[0]["code"] == 404


def test_status_changes_are_read_back_as_updates(app, client, api_key):
    public_id = post(client, api_key).get_json()[0]["service_request_id"]
    item = only_item()
    change_status(item, "resolved", note="Fixed in release 2.3")
    db.session.commit()
    resolved = item.events[-1]

    updates = client.get(f"{BASE}/servicerequestupdates.json").get_json()
    assert [u["status"] for u in updates] == ["open", "closed"]  # forwarded, then resolved
    assert updates[-1] == {
        "update_id": str(resolved.id),
        "service_request_id": public_id,
        "status": "closed",
        "updated_datetime": updates[-1]["updated_datetime"],
        "description": "Fixed in release 2.3",
        "media_url": None,
    }
    assert datetime.fromisoformat(updates[-1]["updated_datetime"]) == resolved.at.replace(
        microsecond=0
    )

    root = xml(client.get(f"{BASE}/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    last = root.findall("request_update")[-1]
    assert (last.findtext("status"), last.findtext("description")) == (
        "closed",
        "Fixed in release 2.3",
    )

    (document,) = client.get(f"{BASE}/requests/{public_id}.json").get_json()
    assert (document["status"], document["status_notes"]) == ("closed", "Fixed in release 2.3")
    assert document["updated_datetime"] == updates[-1]["updated_datetime"]

    later = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get(f"{BASE}/servicerequestupdates.json?start_date={later}").get_json() == []


# --- on real parts ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
def test_an_open311_request_is_routed_by_the_worker(real_config, tmp_path):
    app = real_app_for(real_config)
    with app.app_context():
        _, key = user_with_token("open311-app@example.org", role="integration")
        client = app.test_client()
        with WorkerProcess(real_config, "--no-cron", log=tmp_path / "worker.log") as worker:
            response = post(client, key, lat="60.1699", long="24.9384")
            # Committed and answered before any work is done: the worker routes it.
            assert response.status_code == 201, response.get_data(as_text=True)
            public_id = response.get_json()[0]["service_request_id"]

            def routed():
                db.session.rollback()
                (document,) = client.get(f"{BASE}/requests/{public_id}.json", headers=EN).get_json()
                return document if document["agency_responsible"] else None

            document = wait_until(routed, what="the worker to route the request", worker=worker)
        assert document["status"] == "open" and document["agency_responsible"] == "Education"
        assert (document["lat"], document["long"]) == (60.1699, 24.9384)
        assert document["description"] == only_item().redacted_text
        updates = client.get(f"{BASE}/servicerequestupdates.json").get_json()
        assert [(u["service_request_id"], u["status"]) for u in updates] == [(public_id, "open")]
        db.session.remove()
