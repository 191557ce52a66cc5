"""The benchmark exchange: the service-type code list, the monthly export and its minimum
cell, the schema, signatures, import and replacement, the comparison with three generated
cities (different catalogs, languages and time zones), the API, the command line, the
daily fetch and the staff pages."""

from __future__ import annotations

import base64
import csv
import io
import json
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import flask_babel
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    BenchmarkFigure,
    BenchmarkImport,
    BenchmarkPeer,
    EService,
    TransactionCount,
)
from app.services.accounts import create_token
from app.services.benchmark.comparison import compare
from app.services.benchmark.exchange import PeerDraft, fetch_from_peers, import_file, save_peer
from app.services.benchmark.export import build_document, signed_export
from app.services.benchmark.signing import generate_key, load_private_key, sign, verifies
from app.services.benchmark.types import CODE_LIST, service_types
from tests.support.benchmark import (
    EDGE,
    NOVEMBER,
    add_items,
    add_responses,
    export_file,
    make_city,
)
from tests.support.factories import bearer, eservice, staff_user
from tests.support.web import csrf_token, sign_in, sign_in_as

SCHEMA = json.loads((CODE_LIST.parent / "benchmark.schema.json").read_text(encoding="utf-8"))
LANGUAGES = ("fi", "sv", "da", "nb", "en")


@pytest.fixture
def home(app, tmp_path):
    """This city (the demo catalog, Helsinki) with its own key and an admin; English by
    default, so the refusals' reasons read as the assertions expect."""
    app.config["DEFAULT_LANGUAGE"] = "en"
    flask_babel.refresh()
    app.config["BENCHMARK_KEY_FILE"] = str(tmp_path / "home_key.pem")
    app.config["BENCHMARK_CITY_CODE"] = "aurora"
    app.config["BENCHMARK_CITY_NAME"] = "Aurora"
    generate_key(Path(app.config["BENCHMARK_KEY_FILE"]))
    return staff_user("admin")


@pytest.fixture
def peers(tmp_path):
    """Two other cities, each with its own catalog, language and time zone."""
    bryggen = make_city(
        tmp_path,
        "bryggen",
        "Bryggen kommune",
        zone="Europe/Oslo",
        language="nb",
        eservices={"barnehagesoknad": "daycare-application", "beboerparkering": "parking-permit"},
    )
    fjordby = make_city(
        tmp_path,
        "fjordby",
        "Fjordby Kommune",
        zone="Europe/Copenhagen",
        language="da",
        eservices={"dagtilbud": "daycare-application", "parkering": "parking-permit"},
        named=False,
    )
    with bryggen.context():
        add_responses("barnehagesoknad", 12, satisfaction=4)
        add_items("beboerparkering", 10, negative=5, resolved_after_hours=10)
    with fjordby.context():
        add_responses("dagtilbud", 20, satisfaction=2)
        add_items("parkering", 10, negative=2, resolved_after_hours=30)
    return bryggen, fjordby


def register(city, admin) -> BenchmarkPeer:
    return save_peer(None, PeerDraft(city.code, city.name, city.public_key), admin)


def figures_of(peer: BenchmarkPeer) -> dict[str, dict]:
    rows = db.session.scalars(select(BenchmarkFigure).where(BenchmarkFigure.peer_id == peer.id))
    return {row.service_type: row.figures for row in rows}


# --- the code list ----------------------------------------------------------------------


def test_the_code_list_names_every_type_in_every_language():
    types = service_types()
    assert len(types) >= 30
    document = json.loads(CODE_LIST.read_text(encoding="utf-8"))
    areas = {area["code"] for area in document["areas"]}
    assert all(set(area["names"]) == set(LANGUAGES) for area in document["areas"])
    for kind in types.values():
        assert kind.area in areas
        assert all(kind.names.get(language) for language in LANGUAGES), kind.code
    catalog = json.loads((CODE_LIST.parent / "demo_catalog.json").read_text(encoding="utf-8"))
    assert {entry["service_type"] for entry in catalog["eservices"]} <= set(types)


def test_an_admin_maps_an_eservice_to_a_type(app, client, home):
    sign_in(client, "admin@example.org")
    service = eservice("city-website")
    url = f"/staff/admin/eservices/{service.id}"
    page = client.get(url, headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "Yhteiset digipalvelut: Kaupungin verkkosivusto" in page  # area: type, in Finnish
    form = {
        "code": "city-website",
        "name_fi": "Verkkosivusto",
        "name_sv": "Webbplats",
        "name_en": "Website",
        "department": "DIG",
        "supplier": "",
        "survey_frame": "common",
        "active": "y",
        "csrf_token": csrf_token(page),
    }
    refused = client.post(url, data={**form, "service_type": "no-such-type"})
    assert refused.status_code == 400
    assert client.post(url, data={**form, "service_type": "citizen-portal"}).status_code == 302
    db.session.refresh(service)
    assert service.service_type == "citizen-portal"
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "eservice.changed"))


# --- the export ------------------------------------------------------------------------------


def test_no_figure_of_a_cell_below_the_minimum_leaves(app, home):
    app.config["BENCHMARK_MIN_CELL"] = 10
    add_responses("daycare-application", 9, satisfaction=1)  # below
    add_responses("school-enrolment", 10, satisfaction=5)  # at the minimum
    add_items("library-account", 9, negative=9, resolved_after_hours=2)  # below
    add_items("building-permit", 10, negative=3, resolved_after_hours=5)  # at it
    add_items("parking-permit", 12, negative=1)  # items enough, only 9 of them resolved
    add_items("parking-permit", 9, resolved_after_hours=1, start="2026-11-20T09:00:00")
    document = build_document(NOVEMBER)
    cells = {cell["code"]: cell for cell in document["service_types"]}
    assert "daycare-application" not in cells and "library-account" not in cells
    assert cells["school-enrolment"]["survey"]["responses"] == 10
    assert set(cells["school-enrolment"]) == {"code", "survey"}
    assert cells["building-permit"]["items"]["count"] == 10
    assert cells["building-permit"]["resolution"]["resolved"] == 10
    parking = cells["parking-permit"]
    assert parking["items"]["count"] == 21 and "resolution" not in parking  # 9 resolved
    assert document["min_cell"] == 10
    # Nothing but figures: no texts, no e-service codes or ids of this city's catalog.
    text = json.dumps(document)
    assert "Lupa-asiointi" not in text and '"id"' not in text
    # A lower minimum lets the small cells through: the threshold is what kept them out.
    app.config["BENCHMARK_MIN_CELL"] = 9
    smaller = {cell["code"] for cell in build_document(NOVEMBER)["service_types"]}
    assert {"daycare-application", "library-account"} <= smaller


def test_the_export_follows_its_schema(app, home):
    Draft202012Validator.check_schema(SCHEMA)
    add_responses("daycare-application", 12, satisfaction=4)
    add_items("daycare-application", 15, negative=4, resolved_after_hours=3)
    envelope = signed_export(NOVEMBER)
    Draft202012Validator(SCHEMA, format_checker=FormatChecker()).validate(envelope)
    cell = envelope["document"]["service_types"][0]
    assert cell["code"] == "daycare-application"
    assert cell["survey"]["answers"]["satisfaction"]["4"] == 12
    assert cell["survey"]["means"]["satisfaction"] == 4.0
    assert cell["items"]["sentiment"] == {"negative": 4, "neutral": 0, "positive": 11}
    assert cell["resolution"]["median_hours"] == 3.0


def test_rates_count_only_the_eservices_that_count_transactions(app, home):
    """Two e-services of one type, only one posting transaction counts."""
    school = eservice("school-enrolment")
    school.service_type = "daycare-application"
    daycare = eservice("daycare-application")
    for day, started, completed in ((date(2026, 11, 3), 50, 40), (date(2026, 11, 4), 50, 40),
                                    (date(2026, 12, 1), 9, 9)):  # fmt: skip
        db.session.add(
            TransactionCount(eservice_id=daycare.id, day=day, started=started, completed=completed)
        )
    db.session.commit()
    add_responses("daycare-application", 10, satisfaction=4)
    add_responses("school-enrolment", 10, satisfaction=4)
    (cell,) = build_document(NOVEMBER)["service_types"]
    assert cell["survey"]["responses"] == 20
    assert cell["survey"]["transactions"] == {
        "started": 100,
        "completed": 80,
        "completion_rate": 0.8,
        "response_rate": 0.125,  # daycare's 10 responses per its 80 transactions
    }


def test_months_are_the_city_s_local_months(app, home, peers):
    """22:30 UTC on 30 November is December in Helsinki, November in Oslo."""
    bryggen, _fjordby = peers
    add_responses("daycare-application", 10, satisfaction=3, start="2026-11-20T09:00:00")
    add_responses("daycare-application", 1, satisfaction=3, start=EDGE)
    with bryggen.context():
        add_responses("barnehagesoknad", 1, satisfaction=4, start=EDGE)
    ours = {cell["code"]: cell for cell in build_document(NOVEMBER)["service_types"]}
    assert ours["daycare-application"]["survey"]["responses"] == 10
    theirs = json.loads(export_file(bryggen))["document"]
    assert theirs["time_zone"] == "Europe/Oslo"
    assert theirs["service_types"][0]["survey"]["responses"] == 13


# --- signatures and import --------------------------------------------------------------


def test_a_signed_file_of_a_registered_city_is_imported(app, home, peers):
    bryggen, _fjordby = peers
    peer = register(bryggen, home)
    result = import_file(export_file(bryggen), "command")
    assert result.accepted, result.attempt.reason
    figures = figures_of(peer)
    assert figures["daycare-application"]["survey"]["means"]["satisfaction"] == 4.0
    assert figures["parking-permit"]["items"]["negative_share"] == 0.5
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "benchmark.imported"))


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (lambda e: e["document"]["service_types"][0]["survey"].update(responses=99), "changed"),
        (lambda e: e.pop("signature"), "not signed"),
        (lambda e: e["signature"].update(key_id="0123456789abcdef"), "no city is registered"),
        (lambda e: e["document"].update(period="2026-13"), "schema"),
    ],
    ids=["tampered", "unsigned", "unknown key", "not the schema"],
)
def test_a_file_that_is_not_the_registered_city_s_is_refused(app, home, peers, spoil, reason):
    bryggen, fjordby = peers
    register(bryggen, home)
    register(fjordby, home)
    envelope = json.loads(export_file(bryggen))
    spoil(envelope)
    result = import_file(json.dumps(envelope).encode(), "upload", home)
    assert not result.accepted
    assert reason in result.attempt.reason
    assert db.session.scalar(select(func.count()).select_from(BenchmarkFigure)) == 0
    logged = db.session.scalars(select(BenchmarkImport)).one()
    assert logged.accepted is False and logged.actor_id == home.id


def test_a_file_signed_with_another_city_s_key_is_refused(app, home, peers):
    """fjordby signs a file that says it is bryggen's: a registered key, the wrong city."""
    bryggen, fjordby = peers
    register(bryggen, home)
    register(fjordby, home)
    document = json.loads(export_file(bryggen))["document"]
    forged = sign(document, load_private_key(Path(fjordby.app.config["BENCHMARK_KEY_FILE"])))
    result = import_file(json.dumps(forged).encode(), "upload", home)
    assert not result.accepted
    assert "key of fjordby, but the file names the city bryggen" in result.attempt.reason


def test_a_file_is_refused_before_its_city_is_registered(app, home, peers):
    bryggen, _fjordby = peers
    body = export_file(bryggen)
    assert "no city is registered" in import_file(body, "command").attempt.reason
    register(bryggen, home)
    assert import_file(body, "command").accepted
    assert not import_file(b"{not json", "command").accepted


def test_importing_a_month_again_replaces_the_city_s_figures(app, home, peers):
    bryggen, _fjordby = peers
    peer = register(bryggen, home)
    assert import_file(export_file(bryggen), "command").accepted
    with bryggen.context():
        add_responses("barnehagesoknad", 12, satisfaction=2)  # mean now 3.0
        db.session.execute(
            EService.__table__.update()
            .where(EService.code == "beboerparkering")
            .values(service_type=None)  # no longer compared
        )
        db.session.commit()
    assert import_file(export_file(bryggen), "command").accepted
    figures = figures_of(peer)
    assert set(figures) == {"daycare-application"}
    assert figures["daycare-application"]["survey"]["means"]["satisfaction"] == 3.0
    imports = db.session.scalars(select(BenchmarkImport).where(BenchmarkImport.accepted)).all()
    assert len(imports) == 2


# --- the comparison ----------------------------------------------------------------------


def test_three_cities_compare_per_service_type(app, home, peers):
    bryggen, fjordby = peers
    register(bryggen, home)
    register(fjordby, home)
    for city in peers:
        assert import_file(export_file(city), "fetch").accepted
    add_responses("daycare-application", 10, satisfaction=5)
    add_items("parking-permit", 10, negative=10, resolved_after_hours=20)
    comparison = compare(NOVEMBER, home, 10)
    assert comparison.cities == ["Bryggen kommune", "City A"]  # fjordby chose anonymity
    (daycare,) = comparison.rows("satisfaction")
    assert daycare.service_type == "daycare-application" and daycare.ours == 5.0
    assert [(p.label, p.value) for p in daycare.peers] == [
        ("Bryggen kommune", 4.0),
        ("City A", 2.0),
    ]
    assert daycare.median == 3.0 and daycare.quartiles == (2.5, 3.5)
    (negative,) = comparison.rows("negative-share")
    assert negative.service_type == "parking-permit"
    assert negative.ours == 1.0 and negative.median == 0.35
    (resolution,) = comparison.rows("resolution-median")
    assert resolution.ours == 20.0 and sorted(p.value for p in resolution.peers) == [10.0, 30.0]
    # An admin may anonymise a city that allows its name, never name one that does not.
    peer_of = {peer.code: peer for peer in db.session.scalars(select(BenchmarkPeer))}
    peer_of["bryggen"].show_name = False
    db.session.commit()
    assert compare(NOVEMBER, home, 10).cities == ["City A", "City B"]


# --- the API and the command line ---------------------------------------------------------


def test_the_api_gives_the_signed_file_to_a_benchmark_token(app, client, home):
    fetcher = staff_user("integration", "peer-fetch@example.org")
    token = create_token(fetcher, ("benchmark",))
    intake = create_token(fetcher)
    db.session.commit()
    add_responses("daycare-application", 10, satisfaction=3)
    response = client.get(f"/api/v1/benchmark/{NOVEMBER}", headers=bearer(token))
    assert response.status_code == 200
    envelope = response.get_json()
    Draft202012Validator(SCHEMA).validate(envelope)
    assert envelope["document"]["city"]["code"] == "aurora"
    private = load_private_key(Path(app.config["BENCHMARK_KEY_FILE"]))
    public = private.public_key().public_bytes_raw()
    assert verifies(envelope["document"], envelope["signature"]["value"], public)
    assert client.get(f"/api/v1/benchmark/{NOVEMBER}", headers=bearer(intake)).status_code == 403
    assert client.get(f"/api/v1/benchmark/{NOVEMBER}").status_code == 401
    bad = client.get("/api/v1/benchmark/2026-13", headers=bearer(token))
    assert bad.status_code == 422 and "period" in bad.get_json()["errors"]
    assert client.get("/api/v1/benchmark/schema.json").get_json()["title"] == SCHEMA["title"]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "BenchmarkFileCell" in spec["components"]["schemas"]
    Path(app.config["BENCHMARK_KEY_FILE"]).unlink()
    assert client.get(f"/api/v1/benchmark/{NOVEMBER}", headers=bearer(token)).status_code == 503


def test_the_command_line_makes_keys_exports_and_imports(app, home, peers, tmp_path):
    runner = app.test_cli_runner()
    key = tmp_path / "new_key.pem"
    made = runner.invoke(args=["benchmark", "keygen", "--output", str(key)])
    assert made.exit_code == 0 and "public key:" in made.output
    assert key.stat().st_mode & 0o777 == 0o600
    assert runner.invoke(args=["benchmark", "keygen", "--output", str(key)]).exit_code != 0
    output = tmp_path / "aurora.json"
    exported = runner.invoke(
        args=["benchmark", "export", "--period", NOVEMBER, "--output", str(output)]
    )
    assert exported.exit_code == 0, exported.output
    assert json.loads(output.read_text())["document"]["period"] == NOVEMBER
    assert runner.invoke(args=["benchmark", "export", "--period", "11/2026"]).exit_code != 0
    bryggen, _fjordby = peers
    file = tmp_path / "bryggen.json"
    file.write_bytes(export_file(bryggen))
    refused = runner.invoke(args=["benchmark", "import", str(file)])
    assert refused.exit_code != 0 and "refused" in refused.output
    register(bryggen, home)
    imported = runner.invoke(args=["benchmark", "import", str(file)])
    assert imported.exit_code == 0 and "bryggen 2026-11: 2 service types" in imported.output


# --- the daily fetch -------------------------------------------------------------------------


class _ExportServer(BaseHTTPRequestHandler):
    body = b""
    token = ""

    def do_GET(self) -> None:  # noqa: N802 (the handler's interface)
        ok = self.path == f"/api/v1/benchmark/{NOVEMBER}"
        ok = ok and self.headers.get("Authorization") == f"Bearer {self.token}"
        self.send_response(200 if ok else 404)
        self.end_headers()
        if ok:
            self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def test_the_daily_fetch_imports_last_month_from_each_peer(app, home, peers):
    bryggen, fjordby = peers
    _ExportServer.body, _ExportServer.token = export_file(bryggen), "their-token"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ExportServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v1/benchmark"
        draft = PeerDraft(bryggen.code, bryggen.name, bryggen.public_key, url, "their-token")
        peer = save_peer(None, draft, home)
        broken = PeerDraft(fjordby.code, fjordby.name, fjordby.public_key, url + "/nowhere")
        save_peer(None, broken, home)
        december = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
        assert fetch_from_peers(december) == 2
        assert set(figures_of(peer)) == {"daycare-application", "parking-permit"}
        refused = db.session.scalars(
            select(BenchmarkImport).where(BenchmarkImport.accepted.is_(False))
        ).one()
        assert "404" in refused.reason and refused.source == "fetch"
        # The same file again is not imported again; the broken peer is tried again.
        assert fetch_from_peers(december) == 1
    finally:
        server.shutdown()


# --- the staff pages -----------------------------------------------------------------------


def test_peers_are_registered_on_the_admin_site(app, client, home, peers):
    bryggen, _fjordby = peers
    sign_in(client, "admin@example.org")
    page = client.get("/staff/admin/peers").get_data(as_text=True)
    form = {"code": "bryggen", "name": "Bryggen", "active": "y", "csrf_token": csrf_token(page)}
    bad = client.post("/staff/admin/peers", data={**form, "public_key": "not a key"})
    assert bad.status_code == 400 and "Ed25519" in bad.get_data(as_text=True)
    saved = client.post("/staff/admin/peers", data={**form, "public_key": bryggen.public_key})
    assert saved.status_code == 302
    peer = db.session.scalars(select(BenchmarkPeer)).one()
    raw = base64.b64decode(bryggen.public_key)
    assert peer.key_id and len(raw) == 32
    assert "bryggen" in client.get("/staff/admin/peers").get_data(as_text=True)


def test_an_admin_uploads_a_file_and_reads_the_log(app, client, home, peers):
    bryggen, _fjordby = peers
    register(bryggen, home)
    sign_in(client, "admin@example.org")
    url = "/staff/benchmark/imports"
    envelope = json.loads(export_file(bryggen))
    envelope["document"]["service_types"][0]["survey"]["responses"] += 1

    def upload(body: bytes):
        token = csrf_token(client.get(url).get_data(as_text=True))
        data = {"file": (io.BytesIO(body), "bryggen.json"), "csrf_token": token}
        return client.post(url, data=data, content_type="multipart/form-data")

    refused = upload(json.dumps(envelope).encode())
    assert refused.status_code == 400
    assert "changed after signing" in refused.get_data(as_text=True)
    assert upload(export_file(bryggen)).status_code == 302
    log = client.get(url).get_data(as_text=True)
    assert "Bryggen kommune" in log and "Imported: 2 service types" in log


def test_the_comparison_page_charts_ours_beside_the_peers(app, client, home, peers):
    bryggen, fjordby = peers
    for city in peers:
        register(city, home)
        import_file(export_file(city), "command")
    add_responses("daycare-application", 10, satisfaction=5)
    sign_in_as(client, "analyst")
    page = client.get(f"/staff/benchmark?period={NOVEMBER}", headers={"Accept-Language": "fi"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Varhaiskasvatushakemus" in html and "Bryggen kommune" in html
    assert "Fjordby" not in html  # it chose to be anonymised
    assert html.count('class="chart"') >= 2
    assert client.get("/staff/benchmark?period=1999-99").status_code == 400
    exported = client.get(f"/staff/benchmark/satisfaction.csv?period={NOVEMBER}")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][0] == "daycare-application"
    assert [float(value) for value in rows[1][1:5]] == [5.0, 2.5, 3.0, 3.5]
    assert client.get("/staff/benchmark/nothing.csv").status_code == 404


def test_a_supplier_compares_only_its_own_service_types(app, client, home, peers):
    """nordlys supplies the daycare application (and other schooling), not parking."""
    for city in peers:
        register(city, home)
        import_file(export_file(city), "command")
    sign_in_as(client, "supplier", supplier_code="nordlys")
    page = client.get(f"/staff/benchmark?period={NOVEMBER}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "Daycare application" in html and "Your e-services" in html
    assert "Parking permit" not in html
    exported = client.get(f"/staff/benchmark/negative-share.csv?period={NOVEMBER}")
    assert "parking-permit" not in exported.get_data(as_text=True)
    exported = client.get(f"/staff/benchmark/satisfaction.csv?period={NOVEMBER}")
    assert "daycare-application" in exported.get_data(as_text=True)
