"""The insight pages, their CSV exports, the supplier's view and API, and spike alerts on
the staff site."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import flask_babel
import pytest
from flask import render_template
from flask_login import login_user

from app.extensions import db
from app.models import Feedback, SpikeAlert, SurveyResponse
from app.services.accounts import create_user
from app.services.surveys import ensure_common_frame
from tests.support.factories import bearer, eservice, user_with_token
from tests.support.web import csrf_token, sign_in_as

EN = {"Accept-Language": "en"}
MAY = {"since": "2024-05-01", "until": "2024-05-31"}
TEXTS = {
    "parking-permit": "Pysäköintitunnuksen maksu katkeaa",  # supplier fjord, URB
    "building-permit": "Rakennuslupahakemuksen liite ei lataudu",  # supplier kivi, URB
    "sports-booking": "Vuorovarauksen kalenteri jumittaa",  # supplier fjord, CUL
}


@pytest.fixture
def city(app):
    """A few items and survey answers about three e-services of two suppliers, in May 2024."""
    frame = ensure_common_frame()
    for n, (code, text) in enumerate(TEXTS.items()):
        service = eservice(code)
        for hour in range(n + 1):
            db.session.add(
                Feedback(
                    channel="call_log" if hour else "api",
                    received_at=datetime(2024, 5, 2 + n, 9 + hour, tzinfo=UTC),
                    text=f"{text}, soita 040 123 4567",
                    redacted_text=f"{text}, soita [puhelin]",
                    eservice=service,
                    department_id=service.department_id,
                    sentiment="negative",
                    about_digital=True,
                )
            )
        db.session.add(
            SurveyResponse(
                eservice=service,
                frame=frame,
                received_at=datetime(2024, 5, 3, tzinfo=UTC),
                satisfaction=n + 2,
                task_done="yes",
            )
        )
    db.session.commit()


def parking_spike() -> SpikeAlert:
    """An hour of 14 complaints about parking-permit (URB), where 1.5 is usual; added,
    not committed."""
    alert = SpikeAlert(
        eservice=eservice("parking-permit"),
        department_id=eservice("parking-permit").department_id,
        window_start=datetime(2024, 5, 20, 11, tzinfo=UTC),
        window_end=datetime(2024, 5, 20, 12, tzinfo=UTC),
        count=14,
        baseline=1.5,
    )
    db.session.add(alert)
    return alert


def name(code: str) -> str:
    return eservice(code).name_in("en")


@pytest.mark.parametrize("role", ["analyst", "admin", "handler", "developer"])
def test_the_insight_pages_render_their_charts(app, client, city, role):
    sign_in_as(client, role)
    for url in ("/staff/insight", "/staff/insight/surveys"):
        response = client.get(url, query_string=MAY, headers=EN)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert 'role="img"' in page and "<title id=" in page and "<desc id=" in page
        assert "<table" in page and "Export CSV" in page
        assert " style=" not in page  # the policy forbids inline styles (app/security.py)
    overview = client.get("/staff/insight", query_string=MAY, headers=EN).get_data(as_text=True)
    assert "Items received by channel" in overview and name("sports-booking") in overview


def test_the_overview_counts_what_was_received(app, client, city):
    sign_in_as(client, "analyst")
    page = client.get("/staff/insight", query_string=MAY, headers=EN).get_data(as_text=True)
    assert "<dt>Items received</dt><dd>6</dd>" in page
    assert "<dt>About digital services</dt><dd>100%</dd>" in page


@pytest.mark.parametrize("role", ["agent", "supplier"])
def test_other_roles_may_not_open_insight(app, client, city, role):
    sign_in_as(client, role)
    assert client.get("/staff/insight").status_code == 403
    assert client.get("/staff/insight/surveys").status_code == 403
    if role == "agent":
        assert client.get("/staff/insight/summary.csv").status_code == 403


def test_only_suppliers_have_the_supplier_page(app, client, city):
    sign_in_as(client, "analyst")
    assert client.get("/staff/supplier").status_code == 403


def test_a_supplier_sees_only_its_own_eservices(app, client, city):
    sign_in_as(client, "supplier", supplier_code="kivi")
    response = client.get("/staff/supplier", query_string=MAY, headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert name("building-permit") in page
    assert TEXTS["building-permit"] + ", soita [puhelin]" in page
    assert "040 123 4567" not in page  # the redacted text only
    for other in ("parking-permit", "sports-booking"):
        assert name(other) not in page and TEXTS[other] not in page
    # Its averages are its own, not the city's, which would reveal others' figures.
    assert "City average" not in page and "Average of your e-services" in page

    # Another supplier's e-service cannot be asked for, on the page or in an export.
    other = {**MAY, "eservice": "parking-permit"}
    assert client.get("/staff/supplier", query_string=other).status_code == 400
    assert client.get("/staff/insight/volume-eservice.csv", query_string=other).status_code == 400
    export = client.get("/staff/insight/volume-eservice.csv", query_string=MAY, headers=EN)
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["E-service", "Items"], [name("building-permit"), "2"]]
    # Charts of the city's departments are not a supplier's.
    assert client.get("/staff/insight/volume-department.csv").status_code == 404


def test_a_handler_sees_its_departments_figures(app, client, city):
    sign_in_as(client, "handler", department_codes=["CUL"])
    export = client.get("/staff/insight/volume-eservice.csv", query_string=MAY, headers=EN)
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["E-service", "Items"], [name("sports-booking"), "3"]]


def test_csv_export(app, client, city):
    sign_in_as(client, "analyst")
    response = client.get(
        "/staff/insight/volume-channel.csv",
        query_string={**MAY, "until": "2024-05-04"},
        headers=EN,
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="volume-channel_2024-05-01_2024-05-04.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Day" and set(rows[0][1:]) == {"API", "Call log"}
    api = rows[0].index("API")
    assert [row[0] for row in rows[1:]] == ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04"]
    assert [row[api] for row in rows[1:]] == ["0", "1", "1", "1"]
    survey = client.get("/staff/insight/surveys.csv", query_string=MAY, headers=EN)
    header, average, *_ = csv.reader(io.StringIO(survey.get_data(as_text=True).lstrip("\ufeff")))
    assert header[:3] == ["E-service", "Responses", "Satisfaction"]
    assert average[:3] == ["City average", "3", "3.0"]
    assert client.get("/staff/insight/no-such-chart.csv").status_code == 404


def test_csv_cells_cannot_become_formulas(app, client, city):
    service = eservice("building-permit")
    service.names = {"en": '=HYPERLINK("http://evil.example")', "fi": "@SUM(A1)"}
    db.session.commit()
    sign_in_as(client, "analyst")
    export = client.get("/staff/insight/volume-eservice.csv", query_string=MAY, headers=EN)
    cells = [row[0] for row in csv.reader(io.StringIO(export.get_data(as_text=True)))]
    assert '\'=HYPERLINK("http://evil.example")' in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"since": "2024-13-01"}, "since", "Not a valid date value."),
        ({"since": "2024-05-10", "until": "2024-05-01"}, "until", "must not be before"),
        ({"since": "2020-01-01", "until": "2024-05-01"}, "until", "Choose at most 731 days."),
        ({"channel": "pigeon"}, "channel", "Not a valid choice."),
        ({"department": "NOPE"}, "department", "Not a valid choice."),
    ],
)
def test_bad_filters_get_a_field_message(app, client, city, query, field, message):
    sign_in_as(client, "analyst")
    response = client.get("/staff/insight", query_string=query, headers=EN)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'href="#{field}"' in page and message in page
    export = client.get("/staff/insight/summary.csv", query_string=query, headers=EN)
    assert export.status_code == 400 and message in export.get_data(as_text=True)


def test_the_supplier_api_gives_its_eservices_only(app, client, city):
    _, token = user_with_token("kivi@example.org", "supplier", supplier_code="kivi")
    response = client.get("/api/v1/supplier/insight", query_string=MAY, headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["since"], body["until"]) == ("2024-05-01", "2024-05-31")
    [building] = body["eservices"]
    assert building["code"] == "building-permit"
    assert building["feedback"]["items"] == 2 and building["feedback"]["negative"] == 2
    assert building["survey"]["satisfaction"] == 3.0
    assert building["survey"]["task_done"] == {"yes": 1.0, "partly": 0.0, "no": 0.0}
    assert body["average"]["responses"] == 1  # its own e-services only

    bad = client.get(
        "/api/v1/supplier/insight", query_string={"since": "May"}, headers=bearer(token)
    )
    assert bad.status_code == 422 and "since" in bad.get_json()["errors"]
    _, analyst = user_with_token("analyst@example.org", "analyst")
    assert client.get("/api/v1/supplier/insight", headers=bearer(analyst)).status_code == 403
    assert client.get("/api/v1/supplier/insight").status_code == 401


def test_spike_alerts_are_listed_and_acknowledged(app, client, city):
    alert = parking_spike()
    db.session.commit()
    sign_in_as(client, "handler", department_codes=["URB"])
    page = client.get("/staff/insight", headers=EN).get_data(as_text=True)
    assert f"14 complaints about {name('parking-permit')}" in page

    response = client.post(
        "/staff/insight/alerts/acknowledge",
        data={"alert": alert.id, "next": "/staff/tickets", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/staff/tickets"
    db.session.refresh(alert)
    assert alert.acknowledged_at is not None
    assert "14 complaints" not in client.get("/staff/insight", headers=EN).get_data(as_text=True)
    # Away from the staff site, never: a forged "next" lands on the insight page.
    again = client.post(
        "/staff/insight/alerts/acknowledge",
        data={"alert": alert.id, "next": "//evil.example/", "csrf_token": csrf_token(page)},
    )
    assert again.headers["Location"] == "/staff/insight"


def test_an_alert_of_another_department_cannot_be_acknowledged(app, client, city):
    alert = parking_spike()
    db.session.commit()
    sign_in_as(client, "handler", department_codes=["CUL"])
    page = client.get("/staff/insight", headers=EN).get_data(as_text=True)
    assert "14 complaints" not in page
    response = client.post(
        "/staff/insight/alerts/acknowledge",
        data={"alert": alert.id, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 404


def test_the_banner_shows_a_departments_alerts(app, city):
    alert = parking_spike()
    urb = create_user("urb@example.org", "handler", department_codes=["URB"])
    cul = create_user("cul@example.org", "handler", department_codes=["CUL"])
    db.session.commit()

    def banner(user) -> str:
        # The lead includes the banner in the staff layout; here it is rendered on its own.
        with app.test_request_context("/staff/tickets", headers=EN):
            flask_babel.refresh()
            login_user(user)
            return render_template("staff/_spike_banner.html")

    shown = banner(urb)
    assert f"14 complaints about {name('parking-permit')}" in shown and "usually 1.5" in shown
    assert f'name="alert" value="{alert.id}"' in shown and 'value="/staff/tickets?"' in shown
    assert banner(cul).strip() == ""
