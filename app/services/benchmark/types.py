"""The shared code list of service types (app/data/service_types.json): the common names by
which cities compare e-services that each catalog names its own way."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CODE_LIST = Path(__file__).resolve().parents[2] / "data" / "service_types.json"


@dataclass(frozen=True)
class ServiceType:
    code: str
    area: str
    names: dict[str, str]

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names["en"]


@cache
def _code_list() -> dict:
    return json.loads(CODE_LIST.read_text(encoding="utf-8"))


@cache
def service_types() -> dict[str, ServiceType]:
    """Every type by code, in the list's order (grouped by area)."""
    return {entry["code"]: ServiceType(**entry) for entry in _code_list()["types"]}


def area_names(language: str) -> dict[str, str]:
    return {
        area["code"]: area["names"].get(language) or area["names"]["en"]
        for area in _code_list()["areas"]
    }


def type_name(code: str, language: str) -> str:
    """A type's name in ``language``; a code not (or no longer) in the list as it is."""
    known = service_types().get(code)
    return known.name_in(language) if known else code


def type_choices(language: str) -> list[tuple[str, str]]:
    """(code, "Area: name") for a select, in the list's order."""
    areas = area_names(language)
    return [
        (kind.code, f"{areas[kind.area]}: {kind.name_in(language)}")
        for kind in service_types().values()
    ]
