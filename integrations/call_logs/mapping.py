"""How a contact-centre export's columns map onto a call: a small JSON file per vendor."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

MAPPINGS_DIR = Path(__file__).parent / "mappings"
FIELDS = (
    "call_id", "time", "queue", "agent", "wrap_up", "phone", "email", "name",
    "language", "consent", "eservice", "notes",
)  # fmt: skip


class MappingError(ValueError):
    pass


def shipped_mappings() -> list[str]:
    return sorted(path.stem for path in MAPPINGS_DIR.glob("*.json"))


@dataclass(frozen=True)
class CallLogMapping:
    name: str
    columns: dict[str, str]  # our field -> the export's column
    required: tuple[str, ...] = ("call_id", "time", "notes")
    ignore_columns: frozenset[str] = frozenset()
    time_formats: tuple[str, ...] = ("%Y-%m-%dT%H:%M:%S%z",)
    time_zone: str = "Europe/Helsinki"
    consent_values: frozenset[str] = frozenset({"1", "true", "yes"})
    languages: dict[str, str] = field(default_factory=dict)
    skip_wrap_up_codes: frozenset[str] = frozenset()
    skip_notes_patterns: tuple[re.Pattern, ...] = ()

    @classmethod
    def load(cls, name_or_path: str | Path = "generic") -> CallLogMapping:
        """A shipped mapping by name, or a mapping file by path."""
        path = Path(name_or_path)
        if not path.suffix:
            path = MAPPINGS_DIR / f"{name_or_path}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            shipped = ", ".join(shipped_mappings())
            raise MappingError(f"no mapping {name_or_path!r} (shipped: {shipped})") from error
        except json.JSONDecodeError as error:
            raise MappingError(f"mapping {path} is not valid JSON: {error}") from error
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict) -> CallLogMapping:
        columns = data.get("columns") or {}
        unknown = set(columns) - set(FIELDS)
        if unknown:
            raise MappingError(f"mapping names unknown fields: {', '.join(sorted(unknown))}")
        required = tuple(data.get("required", ("call_id", "time", "notes")))
        missing = [name for name in required if name not in columns]
        if missing:
            raise MappingError(f"mapping has no column for: {', '.join(missing)}")
        skip = data.get("skip") or {}
        try:
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in skip.get("notes_patterns", ()))
        except re.error as error:
            raise MappingError(f"bad notes pattern in mapping: {error}") from error
        return cls(
            name=data.get("name", "custom"),
            columns=dict(columns),
            required=required,
            ignore_columns=frozenset(data.get("ignore_columns", ())),
            time_formats=tuple(data.get("time_formats", cls.time_formats)),
            time_zone=data.get("time_zone", cls.time_zone),
            consent_values=frozenset(v.lower() for v in data.get("consent_values", ("1", "true"))),
            languages={k.lower(): v for k, v in (data.get("languages") or {}).items()},
            skip_wrap_up_codes=frozenset(c.upper() for c in skip.get("wrap_up_codes", ())),
            skip_notes_patterns=patterns,
        )

    @property
    def known_columns(self) -> frozenset[str]:
        return frozenset(self.columns.values()) | self.ignore_columns
