"""The insight figures and spike alerts, on rows stored at explicit times (no clocks, no sleeps)."""

from __future__ import annotations

from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    SpikeAlert,
    SurveyFrame,
    SurveyResponse,
    Ticket,
    TransactionCount,
)
from app.services.accounts import create_user
from app.services.insight import (
    Count,
    InsightFilter,
    PeriodCount,
    figures_by_eservice,
    figures_over_time,
    key_figures,
    range_error,
    recent_redacted_items,
    volume,
    volume_totals,
)
from app.services.spikes import (
    SpikeRule,
    acknowledge_alert,
    active_alerts,
    banner_alerts,
    check_spikes,
    find_spikes,
)
from app.services.survey_figures import survey_results
from app.services.surveys import ensure_common_frame
from tests.support.items import at, eservice, item

HELSINKI = "Europe/Helsinki"
MAY = InsightFilter(date(2024, 5, 1), date(2024, 5, 31), HELSINKI)


@pytest.fixture
def analyst(app):
    user = create_user("analyst@example.org", "analyst")
    db.session.commit()
    return user


# --- volume -----------------------------------------------------------------------------------


def test_volume_per_channel_and_local_day(app, analyst):
    item("2024-05-01 09:00", channel="api")
    item("2024-05-01 12:00", channel="call_log")
    # 01:30 on 2 May in Helsinki (UTC+3): the next local day.
    item("2024-05-01 22:30", channel="call_log")
    item("2024-04-30 20:59", channel="api")  # 23:59 local on 30 April: before the range
    db.session.commit()

    assert volume(MAY, analyst, "channel") == [
        PeriodCount(date(2024, 5, 1), "api", 1),
        PeriodCount(date(2024, 5, 1), "call_log", 1),
        PeriodCount(date(2024, 5, 2), "call_log", 1),
    ]
    assert MAY.period == "day"


def test_long_ranges_go_by_weeks_starting_on_monday(app, analyst):
    item("2024-05-05 10:00")  # a Sunday
    item("2024-05-06 10:00")  # the Monday after
    item("2024-05-07 10:00")
    db.session.commit()
    spring = InsightFilter(date(2024, 3, 1), date(2024, 6, 30), HELSINKI)

    assert spring.period == "week"
    assert volume(spring, analyst, "eservice") == [
        PeriodCount(date(2024, 4, 29), "parking-permit", 1),
        PeriodCount(date(2024, 5, 6), "parking-permit", 2),
    ]


def test_totals_per_department_and_the_filters(app, analyst):
    item("2024-05-02 10:00", "parking-permit", channel="api")
    item("2024-05-02 11:00", "building-permit", channel="call_log")
    item("2024-05-03 10:00", "sports-booking", channel="api")
    item("2024-05-03 10:00", None, channel="web_form")  # not routed yet
    db.session.commit()

    assert volume_totals(MAY, analyst, "department")[0] == Count("URB", 2)
    assert set(volume_totals(MAY, analyst, "department")[1:]) == {Count("CUL", 1), Count(None, 1)}
    urb = InsightFilter(MAY.first, MAY.last, HELSINKI, department="URB")
    assert set(volume_totals(urb, analyst, "eservice")) == {
        Count("building-permit", 1),
        Count("parking-permit", 1),
    }
    by_channel = InsightFilter(MAY.first, MAY.last, HELSINKI, channel="call_log")
    assert volume_totals(by_channel, analyst, "eservice") == [Count("building-permit", 1)]
    parking = InsightFilter(MAY.first, MAY.last, HELSINKI, eservice="parking-permit")
    assert volume_totals(parking, analyst, "channel") == [Count("api", 1)]


def test_scoped_viewers_count_only_what_they_may_see(app, analyst):
    item("2024-05-02 10:00", "parking-permit")  # URB, supplier fjord
    item("2024-05-02 10:00", "sports-booking")  # CUL, supplier fjord
    item("2024-05-02 10:00", "building-permit")  # URB, supplier kivi
    item("2024-05-02 10:00", None)  # the triage queue
    handler = create_user("handler@example.org", "handler", department_codes=["CUL"])
    supplier = create_user("kivi@example.org", "supplier", supplier_code="kivi")
    db.session.commit()

    def eservices(viewer):
        return {row.key for row in volume_totals(MAY, viewer, "eservice")}

    assert eservices(analyst) == {"parking-permit", "sports-booking", "building-permit", None}
    # A handler sees the departments' items and the triage queue (app/services/access.py).
    assert eservices(handler) == {"sports-booking", None}
    assert eservices(supplier) == {"building-permit"}
    assert {row.eservice for row in recent_redacted_items(MAY, supplier)} == {"building-permit"}


# --- sentiment and digital share ---------------------------------------------------------


def test_sentiment_split_of_digital_items_and_the_digital_share(app, analyst):
    for sentiment in ("negative", "negative", "negative", "positive"):
        item("2024-05-02 10:00", "parking-permit", sentiment=sentiment, digital=True)
    item("2024-05-09 10:00", "parking-permit", sentiment="neutral", digital=True)
    item("2024-05-09 10:00", "parking-permit", sentiment="negative", digital=False)  # not digital
    item("2024-05-09 10:00", "sports-booking", sentiment="positive", digital=None)  # not analysed
    db.session.commit()

    parking, sports = figures_by_eservice(MAY, analyst)
    assert (parking.key, parking.items, parking.analysed, parking.digital) == (
        "parking-permit",
        6,
        6,
        5,
    )
    assert (parking.negative, parking.neutral, parking.positive) == (3, 1, 1)
    assert parking.sentiment_share("negative") == pytest.approx(0.6)
    assert parking.digital_share == pytest.approx(5 / 6)
    assert (sports.items, sports.analysed, sports.digital_share) == (1, 0, None)

    first, second = figures_over_time(MAY, analyst)
    assert (first.key, first.negative, first.positive, first.digital) == (date(2024, 5, 2), 3, 1, 4)
    assert (second.key, second.items, second.analysed, second.neutral) == (
        date(2024, 5, 9),
        3,
        2,
        1,
    )
    assert second.sentiment_share("neutral") == 1.0
    totals = key_figures(MAY, analyst).totals
    assert (totals.items, totals.analysed, totals.digital) == (7, 6, 5)


# --- time to ticket and resolution ---------------------------------------------------------


def test_median_and_90th_percentile_by_nearest_rank(app, analyst):
    ticket = Ticket(
        tracker="local", summary="Lupa", opened_at=at("2024-05-10 00:00"), outcome="fixed"
    )
    db.session.add(ticket)
    start = at("2024-05-02 00:00")
    for hours in range(1, 11):  # resolved after 1, 2, … 10 hours
        resolved = (start + timedelta(hours=hours)).isoformat()[:16]
        item(start, ticket=ticket, resolved=resolved)
    # Joined the ticket after it was opened: it had a ticket at once.
    item("2024-05-11 00:00", ticket=ticket)
    item("2024-05-03 00:00")  # no ticket, not resolved: in neither measure
    db.session.commit()

    figures = key_figures(MAY, analyst)
    assert figures.to_resolution.count == 10
    assert figures.to_resolution.median == pytest.approx(5 * 3600)
    assert figures.to_resolution.p90 == pytest.approx(9 * 3600)
    # Ten items waited 8 days for the ticket, one none: rank 6 and rank 10 of 11.
    assert figures.to_ticket.count == 11
    assert figures.to_ticket.median == pytest.approx(8 * 86400)
    assert figures.to_ticket.p90 == pytest.approx(8 * 86400)
    # You said, we did: one problem fixed, ten reports answered.
    assert (figures.resolved.problems, figures.resolved.reports) == (1, 10)


def test_durations_of_nothing_and_of_one(app, analyst):
    figures = key_figures(MAY, analyst)
    assert (figures.to_resolution.count, figures.to_resolution.median) == (0, None)
    item("2024-05-02 00:00", resolved="2024-05-02 06:00")
    db.session.commit()
    one = key_figures(MAY, analyst).to_resolution
    assert (one.count, one.median, one.p90) == (1, pytest.approx(6 * 3600), pytest.approx(6 * 3600))


# --- surveys ---------------------------------------------------------------------------------


def response(code: str, received: str, **answers) -> None:
    frame = db.session.scalars(select(SurveyFrame)).first() or ensure_common_frame()
    db.session.add(
        SurveyResponse(eservice=eservice(code), frame=frame, received_at=at(received), **answers)
    )


def test_survey_results_per_eservice_against_the_city_average(app, analyst):
    response("parking-permit", "2024-05-02 10:00", satisfaction=5, ease=4, task_done="yes")
    response("parking-permit", "2024-05-02 11:00", satisfaction=3, task_done="partly")
    response("parking-permit", "2024-05-03 11:00", help_available="no", task_done="yes")
    response("parking-permit", "2024-05-04 11:00", help_available="yes", understood=2)
    response("building-permit", "2024-05-02 10:00", satisfaction=1, ease=2, task_done="no")
    response("building-permit", "2024-06-02 10:00", satisfaction=5)  # after the range
    for code, day, completed in (
        ("parking-permit", date(2024, 5, 2), 30),
        ("parking-permit", date(2024, 5, 3), 10),
        ("parking-permit", date(2024, 6, 3), 99),  # after the range
        # Counts without responses still show the e-service, with no rate to divide by.
        ("school-transport", date(2024, 5, 3), 0),
    ):
        db.session.add(
            TransactionCount(eservice_id=eservice(code).id, day=day, completed=completed)
        )
    db.session.commit()

    results = survey_results(MAY, analyst)
    parking, building, school = results.eservices
    assert (parking.eservice, parking.responses) == ("parking-permit", 4)
    assert (parking.mean("satisfaction"), parking.mean("ease"), parking.mean("understood")) == (
        4.0,
        4.0,
        2.0,
    )
    assert parking.task_share("yes") == pytest.approx(2 / 3)
    assert parking.task_share("no") == 0
    assert parking.help_available == 0.5
    assert parking.transactions == 40
    assert parking.response_rate == pytest.approx(4 / 40)
    assert parking.completion_rate == pytest.approx(2 / 4)
    assert (building.responses, building.transactions, building.response_rate) == (1, None, None)
    assert (school.eservice, school.responses, school.response_rate) == (
        "school-transport",
        0,
        None,
    )

    average = results.average
    assert results.city_wide and average.eservice is None and average.responses == 5
    assert average.mean("satisfaction") == pytest.approx((5 + 3 + 1) / 3)
    assert average.task_share("no") == pytest.approx(1 / 4)
    # Only the e-services that count transactions are in the response rate.
    assert average.response_rate == pytest.approx(4 / 40)

    # A filter picks the rows; the average stays the city's.
    kivi = InsightFilter(MAY.first, MAY.last, HELSINKI, eservice="building-permit")
    assert [row.eservice for row in survey_results(kivi, analyst).eservices] == ["building-permit"]
    assert survey_results(kivi, analyst).average == average


def test_a_suppliers_survey_average_is_of_its_own_eservices(app):
    response("parking-permit", "2024-05-02 10:00", satisfaction=5)  # fjord
    response("sports-booking", "2024-05-02 10:00", satisfaction=3)  # fjord
    response("building-permit", "2024-05-02 10:00", satisfaction=1)  # kivi
    supplier = create_user("fjord@example.org", "supplier", supplier_code="fjord")
    db.session.commit()

    results = survey_results(MAY, supplier)
    assert {row.eservice for row in results.eservices} == {"parking-permit", "sports-booking"}
    assert not results.city_wide
    assert results.average.mean("satisfaction") == 4.0
    other = InsightFilter(MAY.first, MAY.last, HELSINKI, eservice="building-permit")
    assert survey_results(other, supplier).eservices == []


def test_range_errors():
    assert range_error(date(2024, 5, 2), date(2024, 5, 1)) is not None
    assert range_error(date(2022, 1, 1), date(2024, 5, 1)) is not None
    assert range_error(date(2024, 5, 1), date(2024, 5, 1)) is None


# --- spike alerts ------------------------------------------------------------------------------

NOW = at("2024-05-20 12:00")
RULE = SpikeRule(window=timedelta(hours=1), baseline=timedelta(days=7), min_count=5, factor=3)


def complaints(count: int, code: str = "parking-permit", *, hours_ago: float = 0.5) -> None:
    for n in range(count):
        when = NOW - timedelta(hours=hours_ago, seconds=n)
        item(when, code, sentiment="negative")


def test_a_spike_needs_more_than_the_minimum(app):
    complaints(5)
    complaints(9, "sports-booking", hours_ago=2)  # before the window
    item(NOW - timedelta(minutes=5), "sports-booking", sentiment="positive")
    db.session.commit()
    assert find_spikes(NOW, RULE) == []
    complaints(1)
    db.session.commit()
    [spike] = find_spikes(NOW, RULE)
    assert (spike.count, spike.baseline) == (6, 0)


def test_a_spike_needs_three_times_the_baseline(app):
    # 168 complaints over the 7 days before: one per hour on average, so 3 is the line,
    # and the minimum (5) is what matters; with four an hour, more than 12 is needed.
    for hour in range(1, 169):
        for n in range(4):
            item(NOW - timedelta(hours=hour, minutes=30, seconds=n), sentiment="negative")
    complaints(12)
    db.session.commit()
    assert find_spikes(NOW, RULE) == []
    complaints(1, hours_ago=0.1)
    db.session.commit()
    [spike] = find_spikes(NOW, RULE)
    assert (spike.count, spike.baseline) == (13, pytest.approx(4.0))


def test_an_alert_is_recorded_once_per_spike_and_mailed_to_the_department(app):
    complaints(8)
    db.session.commit()

    [alert] = check_spikes(NOW)
    assert (alert.eservice.code, alert.department.code, alert.count) == ("parking-permit", "URB", 8)
    assert (alert.window_start, alert.window_end) == (NOW - timedelta(hours=1), NOW)
    assert check_spikes(NOW) == []  # the same run again
    assert check_spikes(NOW + timedelta(minutes=5)) == []  # the same spike, seen again
    assert db.session.scalar(select(func.count(SpikeAlert.id))) == 1

    [mail] = Path(app.config["OUTBOX_DIR"]).glob("*.eml")
    message = message_from_bytes(mail.read_bytes(), policy=policy.default)
    assert message["To"] == "urb@example.org"
    assert "8" in message.get_content() and "/staff/insight?eservice=parking-permit" in (
        message.get_content()
    )
    assert alert.notified_at is not None

    # Still high an hour later: a new window, a new alert.
    for n in range(8):
        item(NOW + timedelta(minutes=40, seconds=n), sentiment="negative")
    db.session.commit()
    assert len(check_spikes(NOW + timedelta(hours=1, minutes=5))) == 1


def test_an_unsent_alert_is_mailed_by_the_next_check(app):
    complaints(8)
    db.session.commit()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=9, SMTP_TIMEOUT=1)  # nothing listens
    [alert] = check_spikes(NOW)
    assert alert.notified_at is None
    app.config.update(SMTP_HOST=None)
    check_spikes(NOW + timedelta(minutes=5))
    assert alert.notified_at is not None
    assert len(list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))) == 1


def test_the_banner_shows_the_departments_alerts_until_acknowledged(app):
    complaints(8)  # URB
    db.session.commit()
    [alert] = check_spikes(NOW)
    urb = create_user("urb@example.org", "handler", department_codes=["URB"])
    cul = create_user("cul@example.org", "handler", department_codes=["CUL"])
    admin = create_user("admin@example.org", "admin")
    analyst = create_user("analyst@example.org", "analyst")
    supplier = create_user("fjord@example.org", "supplier", supplier_code="fjord")
    db.session.commit()

    assert banner_alerts(urb) == [alert] and banner_alerts(admin) == [alert]
    assert banner_alerts(cul) == [] and banner_alerts(analyst) == []
    assert active_alerts(analyst) == [alert] and active_alerts(supplier) == []
    assert acknowledge_alert(alert.id, cul) is None
    assert acknowledge_alert(alert.id, urb) is alert
    assert banner_alerts(urb) == [] and banner_alerts(admin) == []
    assert (alert.acknowledged_by, alert.acknowledged_at is not None) == (urb, True)
    acknowledged = db.session.scalars(select(AuditEvent)).one()
    assert (acknowledged.action, acknowledged.actor_id) == ("spike_alert.acknowledged", urb.id)
