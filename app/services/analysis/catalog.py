"""The part of the city's catalog that text analysis needs: e-services, their departments,
their names and keywords in each language.

A plain value built from the same dict as ``flask --app wsgi catalog load`` reads (the shape
of app/data/demo_catalog.json), so analysis runs without the database and a trained model can
carry the catalog it was trained with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_CATALOG_PATH = DATA_DIR / "demo_catalog.json"
DEFAULT_KEYWORDS_PATH = DATA_DIR / "routing_keywords.json"


@dataclass
class Catalog:
    """``eservices``: {code: {"department": code, "names": {lang: name},
    "keywords": {lang: [phrase, …]}, "weak_keywords": {lang: [phrase, …]}}};
    ``departments``: {code: {"names": {lang: name}, "keywords": {lang: [phrase, …]}}}.

    Weak keywords are generic words (logging in, the website) that items about other
    e-services contain too: they count as evidence, but any other e-service's rule beats them.
    """

    eservices: dict[str, dict[str, Any]]
    departments: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Catalog:
        """Read the catalog file's shape (lists of entries with a ``code``) or this class's
        own shape (dicts keyed by code, as ``to_dict`` writes)."""
        eservices: dict[str, dict[str, Any]] = {}
        for code, entry in _entries(data.get("eservices", [])):
            if not entry.get("active", True):
                continue
            eservices[code] = {
                "department": entry["department"],
                "names": dict(entry.get("names") or {}),
                "keywords": {lang: list(ws) for lang, ws in (entry.get("keywords") or {}).items()},
                "weak_keywords": {
                    lang: list(ws) for lang, ws in (entry.get("weak_keywords") or {}).items()
                },
            }
        departments: dict[str, dict[str, Any]] = {}
        for code, entry in _entries(data.get("departments", [])):
            if not entry.get("active", True):
                continue
            departments[code] = {
                "names": dict(entry.get("names") or {}),
                "keywords": {lang: list(ws) for lang, ws in (entry.get("keywords") or {}).items()},
            }
        for entry in eservices.values():  # a catalog without departments still names them
            departments.setdefault(entry["department"], {"names": {}, "keywords": {}})
        return cls(eservices=eservices, departments=departments)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_CATALOG_PATH) -> Catalog:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_dict(self) -> dict[str, Any]:
        return {"eservices": self.eservices, "departments": self.departments}

    def department_of(self, eservice: str | None) -> str | None:
        entry = self.eservices.get(eservice or "")
        return entry["department"] if entry else None

    def with_keywords(self, vocabulary: dict[str, Any]) -> Catalog:
        """A copy with the phrases of a vocabulary file (shape of app/data/routing_keywords.json)
        added to each e-service's and department's own (weak) keywords; unknown codes are
        ignored."""
        merged = Catalog.from_dict(self.to_dict())
        sections = (
            ("eservices", merged.eservices, "keywords"),
            ("weak_eservices", merged.eservices, "weak_keywords"),
            ("departments", merged.departments, "keywords"),
        )
        for section, target, key in sections:
            for code, per_language in (vocabulary.get(section) or {}).items():
                if code not in target:
                    continue
                keywords = target[code].setdefault(key, {})
                for language, phrases in per_language.items():
                    known = keywords.setdefault(language, [])
                    known.extend(p for p in phrases if p not in known)
        return merged


def _entries(entries: Any) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(entries, dict):
        return list(entries.items())
    return [(entry["code"], entry) for entry in entries]


def default_catalog(with_vocabulary: bool = True) -> Catalog:
    """The demo catalog shipped in app/data, with the shipped routing vocabulary merged in."""
    catalog = Catalog.load(DEFAULT_CATALOG_PATH)
    if with_vocabulary:
        catalog = catalog.with_keywords(default_vocabulary())
    return catalog


def default_vocabulary() -> dict[str, Any]:
    """The shipped routing vocabulary (app/data/routing_keywords.json)."""
    return json.loads(DEFAULT_KEYWORDS_PATH.read_text(encoding="utf-8"))
