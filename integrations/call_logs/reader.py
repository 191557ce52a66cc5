"""Reading contact-centre exports row by row, never the whole file at once.

CSV with any common delimiter, UTF-8 with or without BOM or Windows-1252, and JSON
Lines. Each row becomes a CallRecord, or a RejectedRow with its line and reason; a
bad row never stops the rest.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from app import input_guard as guarded_json
from app.input_guard import UnsafeInputError
from integrations.call_logs.mapping import CallLogMapping

MAX_TEXT = 5000
SAMPLE_BYTES = 64 * 1024
_SURROGATE = re.compile("[\udc80-\udcff]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
csv.field_size_limit(1024 * 1024)  # an over-long note is rejected by us, with a reason


@dataclass(frozen=True, slots=True)
class CallRecord:
    line: int
    call_id: str
    occurred_at: datetime
    notes: str
    queue: str | None = None
    agent: str | None = None
    wrap_up: str | None = None
    phone: str | None = None
    email: str | None = None
    name: str | None = None
    language: str | None = None
    consent: bool = False
    eservice: str | None = None


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    reason: str


def detect_encoding(sample: bytes) -> str:
    """UTF-8 unless the sample reads as Windows-1252.

    A UTF-8 export with a few corrupt bytes stays UTF-8 (only those rows are rejected):
    it is Windows-1252 when invalid bytes outnumber well-formed multi-byte characters.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    text = sample.decode("utf-8", errors="surrogateescape")
    invalid = len(_SURROGATE.findall(text[:-2]))  # the sample may cut a character in two
    well_formed = sum(1 for char in text if "\x80" <= char and not "\udc80" <= char <= "\udcff")
    return "cp1252" if invalid > well_formed else "utf-8"


def read_call_log(
    path: str | Path, mapping: CallLogMapping, max_text: int = MAX_TEXT
) -> Iterator[CallRecord | RejectedRow]:
    path = Path(path)
    with open(path, "rb") as raw:
        encoding = detect_encoding(raw.read(SAMPLE_BYTES))
    parser = _RowParser(mapping, max_text)
    # surrogateescape keeps undecodable bytes visible, so only their row is rejected.
    with open(path, encoding=encoding, errors="surrogateescape", newline="") as handle:
        if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            yield from _json_lines(handle, parser)
        else:
            yield from _csv_rows(handle, parser)


def _json_lines(handle, parser: _RowParser) -> Iterator[CallRecord | RejectedRow]:  # noqa: ANN001
    for line_number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        if _SURROGATE.search(line):
            yield RejectedRow(line_number, "undecodable bytes")
            continue
        try:
            row = guarded_json.loads(line)
        except json.JSONDecodeError as error:
            yield RejectedRow(line_number, f"not valid JSON ({error.msg})")
            continue
        except UnsafeInputError as error:
            yield RejectedRow(line_number, f"not accepted JSON ({error})")
            continue
        if not isinstance(row, dict):
            yield RejectedRow(line_number, "not a JSON object")
            continue
        unknown = next((column for column in row if column not in parser.known), None)
        if unknown is not None:
            yield RejectedRow(line_number, f"unknown column {unknown!r}")
            continue
        yield parser.parse(
            line_number, {name: _text(row.get(column)) for name, column in parser.columns}
        )


def _csv_rows(handle, parser: _RowParser) -> Iterator[CallRecord | RejectedRow]:  # noqa: ANN001
    sample = handle.read(SAMPLE_BYTES)
    handle.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(handle, dialect)
    header = next(reader, None)
    if header is None:
        return
    header = [name.strip().lstrip("\ufeff") for name in header]
    positions = parser.positions(header)
    width = len(header)
    for cells in reader:
        line = reader.line_num
        joined = "\x1f".join(cells)
        if not joined.strip("\x1f \t"):
            continue
        if len(cells) > width:
            yield RejectedRow(
                line, f"unknown column ({len(cells) - width} values beyond the header)"
            )
            continue
        if _SURROGATE.search(joined):
            yield RejectedRow(line, "undecodable bytes")
            continue
        yield parser.parse(
            line, {name: cells[i] if i < len(cells) else None for name, i in positions}
        )


def _text(value: object) -> str | None:
    if value is None:
        return None
    return (
        value
        if isinstance(value, str)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )


class _RowParser:
    def __init__(self, mapping: CallLogMapping, max_text: int) -> None:
        self.mapping = mapping
        self.max_text = max_text
        self.zone = ZoneInfo(mapping.time_zone)
        self.known = mapping.known_columns
        self.columns = list(mapping.columns.items())  # (our field, the export's column)

    def positions(self, header: list[str]) -> list[tuple[str, int]]:
        """Where each mapped field stands in a CSV header; the header must fit the mapping."""
        missing = [self.mapping.columns[name] for name in self.mapping.required
                   if self.mapping.columns[name] not in header]  # fmt: skip
        if missing:
            raise ValueError(f"the export has no column {', '.join(missing)}")
        unknown = [column for column in header if column not in self.known]
        if unknown:
            raise ValueError(
                f"the export has columns the mapping does not know: {', '.join(unknown)} "
                "(map them, or list them under ignore_columns)"
            )
        return [(name, header.index(column)) for name, column in self.columns if column in header]

    @staticmethod
    def _get(row: dict, name: str) -> str | None:
        value = row.get(name)
        return value.strip() or None if value else None

    def parse(self, line: int, row: dict) -> CallRecord | RejectedRow:
        """``row`` holds the export's values by our field names."""
        call_id = self._get(row, "call_id")
        if call_id is None:
            return RejectedRow(line, "missing call id")
        if len(call_id) > 200:
            return RejectedRow(line, "call id longer than 200 characters")
        notes = self._get(row, "notes")
        if notes is None:
            return RejectedRow(line, "empty notes")
        if len(notes) > self.max_text:
            return RejectedRow(
                line, f"over-long text ({len(notes)} characters, at most {self.max_text})"
            )
        raw_time = self._get(row, "time")
        occurred_at = self._time(raw_time)
        if occurred_at is None:
            return RejectedRow(line, f"bad date {raw_time!r}" if raw_time else "missing date")
        email = self._get(row, "email")
        if email is not None and not _EMAIL.match(email):
            return RejectedRow(line, f"bad e-mail address {email!r}")
        language = self._get(row, "language")
        consent = (self._get(row, "consent") or "").lower() in self.mapping.consent_values
        return CallRecord(
            line=line,
            call_id=call_id,
            occurred_at=occurred_at,
            notes=notes,
            queue=self._get(row, "queue"),
            agent=self._get(row, "agent"),
            wrap_up=self._get(row, "wrap_up"),
            phone=self._get(row, "phone"),
            email=email.lower() if email else None,
            name=self._get(row, "name"),
            language=self.mapping.languages.get(language.lower()) if language else None,
            consent=consent,
            eservice=self._get(row, "eservice"),
        )

    def _time(self, value: str | None) -> datetime | None:
        if value is None:
            return None
        try:  # ISO 8601, the common case, parses in C
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None:
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=self.zone)).astimezone(UTC)
        for pattern in self.mapping.time_formats:
            try:
                parsed = datetime.strptime(value, pattern)
            except ValueError:
                continue
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=self.zone)
            return parsed.astimezone(UTC)
        return None
