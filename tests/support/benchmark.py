"""Generated cities for the benchmark exchange: each its own app and database, catalog,
language and time zone, with survey answers and items at explicit times, and a signing key."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask

from app import create_app
from app.extensions import db
from app.models import SurveyResponse
from app.services.benchmark.signing import generate_key
from app.services.catalog import load_catalog
from app.services.surveys import ensure_common_frame
from tests.conftest import base_config, migrate_fresh
from tests.support.items import at, item

# November 2026 in every city's own zone; 22:30 UTC on 30 November is already December in
# Helsinki (UTC+2) but still November in Oslo and Copenhagen (UTC+1).
NOVEMBER = "2026-11"
EDGE = "2026-11-30T22:30:00"


@dataclass
class GeneratedCity:
    code: str
    name: str
    app: Flask
    public_key: str  # base64, as `benchmark keygen` prints it

    @contextmanager
    def context(self) -> Iterator[None]:
        with self.app.app_context():
            yield
            db.session.remove()


def _catalog(language: str, eservices: dict[str, str]) -> dict:
    """One department; each e-service (code → service type) named in the city's language."""
    return {
        "departments": [{"code": "SRV", "names": {language: "Service"}}],
        "eservices": [
            {"code": code, "department": "SRV", "service_type": kind, "names": {language: code}}
            for code, kind in eservices.items()
        ],
    }


def make_city(
    tmp_path: Path,
    code: str,
    name: str,
    *,
    zone: str,
    language: str,
    eservices: dict[str, str],
    named: bool = True,
) -> GeneratedCity:
    """A city on its own SQLite database, with its catalog loaded and its signing key."""
    folder = tmp_path / code
    config = {
        **base_config(folder),
        "TIME_ZONE": zone,
        "DEFAULT_LANGUAGE": language,
        "BENCHMARK_CITY_CODE": code,
        "BENCHMARK_CITY_NAME": name,
        "BENCHMARK_SHOW_NAME": named,
        "BENCHMARK_KEY_FILE": str(folder / "benchmark_key.pem"),
    }
    app = create_app(config)
    migrate_fresh(app)
    public = generate_key(Path(config["BENCHMARK_KEY_FILE"]))
    city = GeneratedCity(code, name, app, base64.b64encode(public).decode("ascii"))
    with city.context():
        load_catalog(_catalog(language, eservices))
    return city


def add_responses(
    eservice: str, count: int, *, satisfaction: int, start: str = "2026-11-10T09:00:00"
) -> None:
    """``count`` responses of the common frame, an hour apart, all with ``satisfaction``;
    every other one says the task got done."""
    from tests.support.items import eservice as eservice_named

    frame, service = ensure_common_frame(), eservice_named(eservice)
    for number in range(count):
        db.session.add(
            SurveyResponse(
                eservice=service,
                frame=frame,
                received_at=at(start) + timedelta(hours=number),
                satisfaction=satisfaction,
                ease=satisfaction,
                understood=5,
                task_done="yes" if number % 2 == 0 else "no",
                help_available="not_needed",
            )
        )
    db.session.commit()


def add_items(
    eservice: str,
    count: int,
    *,
    negative: int = 0,
    resolved_after_hours: float | None = None,
    start: str = "2026-11-10T09:00:00",
) -> None:
    """``count`` items about digital services, an hour apart, the first ``negative`` of them
    negative and the rest positive; each resolved ``resolved_after_hours`` later."""
    for number in range(count):
        received = at(start) + timedelta(hours=number)
        resolved = None
        if resolved_after_hours is not None:
            resolved = (received + timedelta(hours=resolved_after_hours)).isoformat()
        item(
            received,
            eservice,
            sentiment="negative" if number < negative else "positive",
            digital=True,
            resolved=resolved[:19] if resolved else None,
        )
    db.session.commit()


def export_file(city: GeneratedCity, period: str = NOVEMBER) -> bytes:
    """The city's signed file of ``period``, as bytes on the wire."""
    from app.services.benchmark.export import signed_export

    with city.context():
        return json.dumps(signed_export(period)).encode("utf-8")
