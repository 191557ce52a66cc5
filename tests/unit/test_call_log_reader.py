"""Reading contact-centre exports: encodings, delimiters, JSON Lines and every bad row."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from integrations.call_logs import CallLogMapping, CallRecord, RejectedRow, read_call_log
from integrations.call_logs.mapping import MappingError

HEADER = ["call_id", "started_at", "queue", "caller_phone", "caller_email", "language",
          "follow_up_consent", "wrap_up_code", "eservice", "notes"]  # fmt: skip


def write_csv(path, rows, delimiter=",", encoding="utf-8", header=HEADER):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def read(path, mapping=None):
    return list(read_call_log(path, mapping or CallLogMapping.load("generic")))


ROW = ["c1", "2026-11-20 09:15", "Q1", "040 123 4567", "a@example.org", "suomi", "kyllä",
       "FEEDBACK", "parking-permit", "Pysäköintitunnus ei käy maksussa"]  # fmt: skip


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), ("\t", "cp1252"), ("|", "utf-8")],
)
def test_delimiters_and_encodings(tmp_path, delimiter, encoding):
    (record,) = read(write_csv(tmp_path / "calls.csv", [ROW], delimiter, encoding))
    assert isinstance(record, CallRecord)
    assert record.notes == "Pysäköintitunnus ei käy maksussa"
    assert record.call_id == "c1" and record.language == "fi" and record.consent is True
    # Local time in the mapping's zone (Helsinki, UTC+2 in November), stored as UTC.
    assert record.occurred_at == datetime(2026, 11, 20, 7, 15, tzinfo=UTC)


def test_json_lines(tmp_path):
    path = tmp_path / "calls.jsonl"
    rows = [dict(zip(HEADER, ROW, strict=True)), {"call_id": "c2"}, "not an object"]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n{broken\n", encoding="utf-8")
    record, missing_notes, not_object, broken = read(path)
    assert isinstance(record, CallRecord) and record.email == "a@example.org"
    assert missing_notes == RejectedRow(2, "empty notes")
    assert not_object == RejectedRow(3, "not a JSON object")
    assert broken.line == 4 and broken.reason.startswith("not valid JSON")


def test_every_bad_row_is_rejected_with_its_line_and_reason(tmp_path):
    def row(**changes):
        values = dict(zip(HEADER, ROW, strict=True)) | changes
        return [values[name] for name in HEADER]

    path = write_csv(
        tmp_path / "calls.csv",
        [
            row(started_at="yesterday"),
            row(notes="   "),
            row(notes="x" * 5001),
            row(call_id=""),
            row(caller_email="not-an-address"),
            row() + ["surplus"],
            row(call_id="ok"),
        ],
    )
    results = read(path)
    reasons = [(r.line, r.reason) for r in results if isinstance(r, RejectedRow)]
    assert reasons == [
        (2, "bad date 'yesterday'"),
        (3, "empty notes"),
        (4, "over-long text (5001 characters, at most 5000)"),
        (5, "missing call id"),
        (6, "bad e-mail address 'not-an-address'"),
        (7, "unknown column (1 values beyond the header)"),
    ]
    assert isinstance(results[-1], CallRecord) and results[-1].call_id == "ok"


def test_undecodable_bytes_reject_only_their_row(tmp_path):
    path = write_csv(tmp_path / "calls.csv", [ROW, [*ROW[:-1], "good"]])
    data = path.read_bytes().replace(b"Pys\xc3\xa4k", b"Pys\xff\xfek")
    path.write_bytes(data)
    first, second = read(path)
    assert first == RejectedRow(2, "undecodable bytes")
    assert isinstance(second, CallRecord) and second.notes == "good"


def test_unknown_json_column_is_rejected(tmp_path):
    path = tmp_path / "calls.jsonl"
    row = dict(zip(HEADER, ROW, strict=True)) | {"secret_field": "x"}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert read(path) == [RejectedRow(1, "unknown column 'secret_field'")]


def test_header_without_required_column_fails_the_file(tmp_path):
    path = write_csv(tmp_path / "calls.csv", [ROW[:-1]], header=HEADER[:-1])
    with pytest.raises(ValueError, match="notes"):
        read(path)


def test_mappings_are_checked(tmp_path):
    with pytest.raises(MappingError, match="no mapping"):
        CallLogMapping.load("no-such-vendor")
    with pytest.raises(MappingError, match="unknown fields"):
        CallLogMapping.from_dict({"columns": {"call_id": "a", "colour": "b"}})
    with pytest.raises(MappingError, match="no column for"):
        CallLogMapping.from_dict({"columns": {"call_id": "a"}})


def test_a_vendor_mapping_file(tmp_path):
    mapping_file = tmp_path / "vendor.json"
    mapping_file.write_text(json.dumps({
        "name": "vendor",
        "columns": {"call_id": "Id", "time": "Aika", "notes": "Muistiinpano"},
        "time_formats": ["%d.%m.%Y %H.%M"],
    }))  # fmt: skip
    path = write_csv(tmp_path / "v.csv", [["9", "20.11.2026 9.15", "Lomake ei toimi"]],
                     ";", header=["Id", "Aika", "Muistiinpano"])  # fmt: skip
    (record,) = read(path, CallLogMapping.load(mapping_file))
    assert record.call_id == "9" and record.notes == "Lomake ei toimi"
