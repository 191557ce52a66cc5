"""Issue 17's small truths: durations in a unit the data needs, English dates as in
Britain, and mail links that reach the port `make run` serves on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from app.config import Settings
from app.i18n import local_time
from app.web.charts import ChartData, Series, bar_chart, duration_unit, format_number, in_unit


@pytest.mark.parametrize(
    ("seconds", "unit"),
    [([30.0, 300.0], "minutes"), ([None, 3 * 3600.0], "hours"), ([5 * 86400.0], "days")],
)
def test_durations_are_shown_in_a_unit_chosen_from_the_data(seconds, unit):
    assert duration_unit(seconds) == unit


def test_a_minutes_long_wait_does_not_read_0_h(app):
    with app.test_request_context(), force_locale("en"):
        unit = duration_unit([36.0, 540.0])
        data = ChartData(("ticket",), (Series("Median", (in_unit(540.0, unit),), unit),))
        assert format_number(in_unit(540.0, unit), unit) == "9 min"
        chart = bar_chart(data)
        ticks = [text.text for text in chart.texts if text.kind == "axis"]
        assert len(set(ticks)) == len(ticks), ticks  # not "0 h" on every tick


def test_english_dates_are_british(app):
    moment = datetime(2026, 2, 12, 7, 5, tzinfo=UTC)  # 09:05 in Helsinki
    with app.test_request_context(), force_locale("en"):
        assert local_time(moment) == "12/02/2026, 09:05"
    with app.test_request_context(), force_locale("fi"):
        assert local_time(moment) == "12.2.2026 9.05"


def test_links_in_mail_follow_the_port_when_no_base_url_is_set(monkeypatch):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "5111")
    assert Settings().PUBLIC_BASE_URL == "http://127.0.0.1:5111"
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://palaute.example.fi/")
    assert Settings().PUBLIC_BASE_URL == "https://palaute.example.fi"
