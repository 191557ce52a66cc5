"""Open311 driven both ways by clients nobody here wrote, on a real localhost port: the
`georeport` package (PyPI) reads in JSON and XML, and the form posts are shaped exactly as
FixMyStreet's perllib/Open311.pm and the `open311` package send them (those two cannot run
here: Perl with FixMyStreet's tree, and Python 2), through `requests`."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
import requests
from georeport import GeoReport
from PIL import Image
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from app.models import CitizenUpdate, EService, Feedback, TicketOutcome, UploadedMedia
from app.models.types import utcnow
from app.services.history import change_status
from app.services.open311_catalog import parse_attribute_lines, replace_attributes
from app.services.outcomes import close_with_outcome
from app.services.rollups import local_day
from app.services.subject_requests import erase_subject
from tests.support.factories import user_with_token
from tests.support.web import sign_in_as

DAYCARE = "daycare-application"
# The first request of a fresh database trains the default routing models inline.
TIMEOUT = 120
TEXT = "Hakemus kaatuu liitteen kohdalla. Soita 040 123 4567."


@pytest.fixture
def live(app) -> Iterator[str]:
    """The app on a localhost port, as an Open311 client reaches it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/open311/v2"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def api_key(app) -> str:
    return user_with_token("fixmystreet@example.org", role="integration")[1]


def as_xml(response: requests.Response) -> ElementTree.Element:
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8", response.text
    return ElementTree.fromstring(response.content)


def fms_request(live: str, key: str, prefix: str = "", **fields: object) -> requests.Response:
    """POST requests.xml as FixMyStreet sends a report (api_key and jurisdiction_id in the
    form, the description in its "title, detail, url" layout)."""
    form = {
        "api_key": key,
        "jurisdiction_id": "example.city",
        "service_code": DAYCARE,
        "description": f"Liite ei mene\n\n{TEXT}\n\nhttps://fms.example.org/report/7\n",
        "first_name": "Liisa",
        "last_name": "Virtanen",
        "email": "liisa.virtanen@example.fi",
        "lat": "60.169900",
        "long": "24.938400",
        **fields,
    }
    return requests.post(f"{live}{prefix}/requests.xml", data=form, timeout=TIMEOUT)


def stored(model: type) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def only_item() -> Feedback:
    db.session.rollback()
    return db.session.scalars(select(Feedback)).one()


# --- 1 and 2: FixMyStreet's updates, both ways -------------------------------------------


def test_fixmystreet_posts_a_citizen_update_once(app, live, api_key):
    created = as_xml(fms_request(live, api_key))
    request_id = created.findtext("request/service_request_id")
    update = {
        "api_key": api_key,
        "jurisdiction_id": "example.city",
        "updated_datetime": "2026-12-01T10:15:00+02:00",
        "service_request_id": request_id,
        "status": "OPEN",
        "description": "Still broken. Call me on 040 765 4321.",
        "last_name": "Virtanen",
        "first_name": "Liisa",
        "email": "liisa.virtanen@example.fi",
        "update_id": "4711",
        "media_url": "https://fms.example.org/photo/4711.full.jpeg",
    }
    response = requests.post(f"{live}/servicerequestupdates.xml", data=update, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    root = as_xml(response)
    assert root.tag == "service_request_updates"
    update_id = root.findtext("request_update/update_id")
    assert update_id and update_id.startswith("c")

    again = requests.post(f"{live}/servicerequestupdates.xml", data=update, timeout=TIMEOUT)
    assert again.status_code == 200 and as_xml(again).findtext("request_update/update_id") == (
        update_id
    )
    db.session.rollback()
    (kept,) = db.session.scalars(select(CitizenUpdate)).all()
    assert kept.feedback.public_id == request_id and kept.status == "OPEN"
    assert kept.redacted_text == "Still broken. Call me on [phone]."
    assert kept.media_url == "https://fms.example.org/photo/4711.full.jpeg"
    assert kept.updated_at.isoformat() == "2026-12-01T08:15:00+00:00"
    # Handlers read it in the item's history, as the citizen's (redacted) words.
    staff = app.test_client()
    sign_in_as(staff, "handler")
    page = staff.get(f"/staff/feedback/{request_id}").get_data(as_text=True)
    assert "Asukas kirjoitti Open311:n kautta: <q>Still broken. Call me on [phone].</q>" in page

    # An unknown request, a missing update_id, a status FixMyStreet never sends: 4xx, nothing.
    for changes, status, field in (
        ({"service_request_id": "nope", "update_id": "1"}, 404, "service_request_id"),
        ({"update_id": ""}, 400, "update_id"),
        ({"update_id": "2", "status": "MAYBE"}, 400, "status"),
        ({"update_id": "3", "updated_datetime": "yesterday"}, 400, "updated_datetime"),
        ({"update_id": "4", "api_key": "cl_nope"}, 403, "api_key"),
    ):
        response = requests.post(
            f"{live}/servicerequestupdates.json", data={**update, **changes}, timeout=TIMEOUT
        )
        assert response.status_code == status, (changes, response.text)
        assert field in response.json()[0]["description"]
    assert stored(CitizenUpdate) == 1


@pytest.mark.parametrize(
    ("outcome", "extended"),
    [
        (TicketOutcome.NOT_OURS, "NOT_COUNCILS_RESPONSIBILITY"),
        (TicketOutcome.DUPLICATE, "DUPLICATE"),
        (TicketOutcome.NO_ACTION, "NO_FURTHER_ACTION"),
    ],
)
def test_an_honest_outcome_reads_as_itself_with_its_explanation(
    app, live, api_key, outcome, extended
):
    request_id = as_xml(fms_request(live, api_key)).findtext("request/service_request_id")
    item = only_item()
    admin = user_with_token("admin@example.org", role="admin")[0]
    other = None
    if outcome == TicketOutcome.DUPLICATE:
        other = as_xml(fms_request(live, api_key, description="Toinen ongelma"))
        db.session.rollback()
        other = db.session.scalars(
            select(Feedback).where(
                Feedback.public_id == other.findtext("request/service_request_id")
            )
        ).one()
        other = other.ticket
    explanation = "Liitteet käsittelee Kela, ei kaupunki."
    close_with_outcome(
        item.ticket,
        outcome,
        explanation,
        admin,
        responsible_body="Kela" if outcome == TicketOutcome.NOT_OURS else None,
        duplicate_of=other,
    )

    # FixMyStreet with extended statuses reads them under extended/, with the explanation.
    updates = as_xml(
        requests.get(
            f"{live}/extended/servicerequestupdates.xml",
            params={"api_key": api_key},
            timeout=TIMEOUT,
        )
    )
    last = [
        u
        for u in updates.findall("request_update")
        if u.findtext("service_request_id") == request_id
    ][-1]
    assert (last.findtext("status"), last.findtext("description")) == (extended, explanation)

    extended_reader = GeoReport(f"{live}/extended", output_format="xml")
    document = extended_reader.get_service_request(request_id)
    assert (document["status"], document["status_notes"]) == (extended, explanation)
    # Clients of the plain spec see closed, with the same notes.
    document = GeoReport(live).get_service_request(request_id)
    assert (document["status"], document["status_notes"]) == ("closed", explanation)


def test_open_statuses_and_a_fix_read_as_fixmystreet_expects(app, live, api_key):
    request_id = as_xml(fms_request(live, api_key)).findtext("request/service_request_id")
    reader = GeoReport(f"{live}/extended")
    assert reader.get_service_request(request_id)["status"] == "INVESTIGATING"  # forwarded
    item = only_item()
    change_status(item, "in_development")
    db.session.commit()
    assert reader.get_service_request(request_id)["status"] == "IN_PROGRESS"
    item.ticket.what_we_changed = "Liitteen kokoraja nostettiin 20 megatavuun."
    change_status(item, "resolved")
    db.session.commit()
    document = reader.get_service_request(request_id)
    assert (document["status"], document["status_notes"]) == (
        "FIXED",
        "Liitteen kokoraja nostettiin 20 megatavuun.",
    )
    update = reader_updates = requests.get(
        f"{live}/extended/servicerequestupdates.json", timeout=TIMEOUT
    )
    reader_updates = update.json()
    assert [u["status"] for u in reader_updates] == ["INVESTIGATING", "IN_PROGRESS", "FIXED"]
    assert reader_updates[-1]["description"] == "Liitteen kokoraja nostettiin 20 megatavuun."


# --- 3: api_key in the query string -------------------------------------------------------


def test_an_api_key_in_the_query_string_is_accepted(app, live, api_key):
    """The `open311` package posts to requests.xml?jurisdiction_id=…&api_key=…"""
    form = {"service_code": DAYCARE, "description": TEXT}
    response = requests.post(
        f"{live}/requests.xml",
        params={"jurisdiction_id": "example.city", "api_key": api_key},
        data=form,
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    assert as_xml(response).findtext("request/service_request_id") == only_item().public_id
    refused = requests.post(
        f"{live}/requests.xml", params={"api_key": "cl_x"}, data=form, timeout=TIMEOUT
    )
    assert refused.status_code == 403


# --- 4: discovery -------------------------------------------------------------------------


def test_discovery_lists_the_endpoints(app, live):
    document = requests.get(f"{live}/discovery.json", timeout=TIMEOUT).json()
    assert document["changeset"]
    (plain, extended) = document["endpoints"]
    assert plain["url"] == "http://civicloop.test/open311/v2"
    assert plain["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert extended["url"] == "http://civicloop.test/open311/v2/extended"
    assert plain["formats"] == ["text/xml", "application/json"] and plain["type"] == "production"

    root = as_xml(requests.get(f"{live}/discovery.xml", timeout=TIMEOUT))
    assert root.tag == "discovery"
    formats = root.findall("endpoints/endpoint/formats/format")
    assert [f.text for f in formats[:2]] == ["text/xml", "application/json"]


# --- 5: a retry without client_ref --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_identical_resubmission_is_the_same_request(app, live, api_key, fmt):
    form = {
        "api_key": api_key,
        "service_code": DAYCARE,
        "description": TEXT,
        "lat": "60.1",
        "long": "24.9",
    }
    first = requests.post(f"{live}/requests.{fmt}", data=form, timeout=TIMEOUT)
    again = requests.post(f"{live}/requests.{fmt}", data=form, timeout=TIMEOUT)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.content == again.content
    moved = requests.post(f"{live}/requests.{fmt}", data={**form, "lat": "60.2"}, timeout=TIMEOUT)
    assert moved.status_code == 201
    assert stored(Feedback) == 2

    # Long after, the same words are a new report.
    item = db.session.scalars(select(Feedback).order_by(Feedback.id)).first()
    item.received_at = utcnow().replace(year=2020)
    db.session.commit()
    assert requests.post(f"{live}/requests.{fmt}", data=form, timeout=TIMEOUT).status_code == 201


# --- 6: photos ---------------------------------------------------------------------------


def photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    """A photo as a phone sends it: with EXIF (the camera, where it was taken)."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (60.0, 10.0, 11.0)}  # GPS
    output = io.BytesIO()
    image.save(output, format=fmt, exif=exif.tobytes())
    return output.getvalue()


def test_uploaded_photos_are_stored_without_metadata_and_served(app, live, api_key):
    original = photo()
    assert b"PhoneMaker" in original
    response = requests.post(
        f"{live}/requests.json",
        data={
            "api_key": api_key,
            "service_code": DAYCARE,
            "media_url": ["https://a.example.org/1.jpg", "https://a.example.org/2.jpg"],
            "email": "liisa.virtanen@example.fi",
        },
        files=[("media", ("IMG_0001.jpg", original, "image/jpeg"))],
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    item = only_item()
    uploaded, *given = item.media_urls
    assert given == ["https://a.example.org/1.jpg", "https://a.example.org/2.jpg"]
    assert item.media_url == uploaded and uploaded.startswith(
        "http://civicloop.test/open311/v2/media/"
    )
    # No description: the report is its photos.
    assert uploaded in item.text

    served = requests.get(
        live + uploaded.removeprefix("http://civicloop.test/open311/v2"), timeout=TIMEOUT
    )
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert b"PhoneMaker" not in served.content
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.size == (64, 48) and not image.getexif()
    (document,) = requests.get(f"{live}/requests/{item.public_id}.json", timeout=TIMEOUT).json()
    assert document["media_url"] == uploaded

    # Erasure takes the photos and their addresses with the rest.
    erase_subject("liisa.virtanen@example.fi", None)
    assert stored(UploadedMedia) == 0 and only_item().media_urls is None
    served = requests.get(
        live + uploaded.removeprefix("http://civicloop.test/open311/v2"), timeout=TIMEOUT
    )
    assert served.status_code == 404


@pytest.mark.parametrize(
    ("upload", "status"),
    [
        (("notes.txt", b"not a photo", "text/plain"), 400),
        (("fake.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, "image/jpeg"), 400),
        (("anim.gif", None, "image/gif"), 400),
        (("huge.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024), "image/jpeg"), 400),
    ],
)
def test_a_bad_upload_is_refused_and_stores_nothing(app, live, api_key, upload, status):
    name, data, content_type = upload
    if data is None:
        output = io.BytesIO()
        Image.new("RGB", (4, 4)).save(output, format="GIF")
        data = output.getvalue()
    response = requests.post(
        f"{live}/requests.xml",
        data={"api_key": api_key, "service_code": DAYCARE, "description": TEXT},
        files=[("media", (name, data, content_type))],
        timeout=TIMEOUT,
    )
    assert response.status_code == status, response.text
    assert "media" in as_xml(response).findtext("error/description")
    assert (stored(Feedback), stored(UploadedMedia)) == (0, 0)


# --- 7: attributes and keywords -----------------------------------------------------------


@pytest.fixture
def daycare_questions(app) -> None:
    """As an admin writes them on the e-service's page."""
    eservice = db.session.scalars(select(EService).where(EService.code == DAYCARE)).one()
    lines = (
        "step | singlevaluelist | Which step failed? | required | "
        "attachments=Attachments; payment=Payment\n"
        "children | number | How many children?"
    )
    replace_attributes(eservice, parse_attribute_lines(lines))
    eservice.keywords = {"en": ["daycare", "application"], "fi": ["päiväkoti"]}
    db.session.commit()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_admin_defined_attributes_are_served_and_checked(
    app, live, api_key, daycare_questions, fmt
):
    reader = GeoReport(live, output_format=fmt)
    (service,) = [s for s in reader.get_service_list() if s["service_code"] == DAYCARE]
    assert service["keywords"] == "päiväkoti"  # no Accept-Language: the city's language
    assert str(service["metadata"]).lower() == "true"
    definition = reader.get_service_definition(DAYCARE)
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    codes = [a["code"] for a in attributes]
    assert codes == ["step", "children", "client_ref"]
    step = attributes[0]
    assert step["datatype"] == "singlevaluelist" and str(step["required"]).lower() == "true"
    values = step["values"] if fmt == "json" else step["values"]["value"]
    assert [v["key"] for v in values] == ["attachments", "payment"]

    form = {"api_key": api_key, "service_code": DAYCARE, "attribute[children]": "2"}
    for changes, field in (
        ({}, "attribute[step]"),
        ({"attribute[step]": "coffee"}, "attribute[step]"),
        ({"attribute[step]": "payment", "attribute[children]": "two"}, "attribute[children]"),
    ):
        response = requests.post(
            f"{live}/requests.{fmt}", data={**form, **changes}, timeout=TIMEOUT
        )
        assert response.status_code == 400, response.text
        assert field in response.text
    assert stored(Feedback) == 0

    # Only attributes, no description: the spec allows it.
    response = requests.post(
        f"{live}/requests.{fmt}", data={**form, "attribute[step]": "payment"}, timeout=TIMEOUT
    )
    assert response.status_code == 201, response.text
    item = only_item()
    assert item.attributes == {"step": "payment", "children": "2"}
    assert item.text == "Which step failed?: payment\nHow many children?: 2"


# --- 8: the smaller points ----------------------------------------------------------------


def test_the_smaller_points(app, live, api_key):
    base = {"api_key": api_key, "service_code": DAYCARE}
    for n in range(3):
        response = requests.post(
            f"{live}/requests.json",
            data={
                **base,
                "description": f"{TEXT} {n}",
                "address_id": f"VTJ-{n}",
                "zipcode": "00100",
            },
            timeout=TIMEOUT,
        )
        assert response.status_code == 201, response.text
    reader = GeoReport(live)

    # address_id and zipcode kept and returned.
    newest = reader.get_service_requests()[0]
    assert (newest["address_id"], newest["zipcode"]) == ("VTJ-2", "00100")

    # Paging beyond the first page.
    pages = [
        requests.get(
            f"{live}/requests.json", params={"page_size": 2, "page": page}, timeout=TIMEOUT
        ).json()
        for page in (1, 2, 3)
    ]
    assert [len(page) for page in pages] == [2, 1, 0]
    assert pages[1][0]["address_id"] == "VTJ-0"

    # Date-only windows, in the city's days; statuses in any case.
    today = local_day(utcnow(), app.config["TIME_ZONE"]).isoformat()  # not UTC's date
    assert len(reader.get_service_requests(start_date=today, end_date=today, status="OPEN")) == 3
    assert reader.get_service_requests(status="Closed") == []

    # CORS: a city's web app on another origin may read.
    response = requests.get(
        f"{live}/requests.json", headers={"Origin": "https://kartta.example.fi"}, timeout=TIMEOUT
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert (
        "Access-Control-Allow-Origin"
        not in requests.post(
            f"{live}/requests.json", data={**base, "description": "x"}, timeout=TIMEOUT
        ).headers
    )
