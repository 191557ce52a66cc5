"""Fuzzing the parsers that take text from outside: the call-log reader, the redaction
functions and the Open311 form and query parsers. Hypothesis, derandomized (the same
examples on every run, no example database), bounded by FUZZ_EXAMPLES."""

from __future__ import annotations

import csv
import io
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from app.schemas.open311 import RequestQuerySchema, ServiceRequestInSchema
from app.services.privacy import MARKERS, find_personal_data, redact
from integrations.call_logs import CallLogMapping, CallRecord, RejectedRow, read_call_log

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
GENERIC = CallLogMapping.load("generic")
HEADER = ["call_id", "started_at", "queue", "caller_phone", "caller_email", "language",
          "follow_up_consent", "wrap_up_code", "eservice", "notes"]  # fmt: skip
# Text as exports and citizens write it: digits, separators, Nordic letters, odd Unicode.
CELL = st.text(
    alphabet=st.sampled_from("0123456789 -+/.,;:|\t\"'@()[]aeiouäöåøæÄÖ\u00a0\u2013\ufeffxX\n\r"),
    max_size=40,
) | st.text(max_size=20)


# --- call logs -----------------------------------------------------------------------------


@FUZZ
@given(
    rows=st.lists(st.lists(CELL, min_size=0, max_size=12), max_size=8),
    delimiter=st.sampled_from(",;\t|"),
)
def test_call_log_csv_rows_are_read_or_rejected(tmp_path_factory, rows, delimiter):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("calls") / "export.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    try:
        results = list(read_call_log(path, GENERIC))
    except ValueError as error:
        # Only the header may be refused as a whole, with a reason (the delimiter sniffer
        # may read a hostile first row differently).
        assert "column" in str(error)
        return
    assert all(isinstance(r, CallRecord | RejectedRow) for r in results)
    for result in results:
        if isinstance(result, RejectedRow):
            assert result.reason and result.line >= 2
        else:
            assert result.call_id and result.occurred_at.tzinfo is not None


@FUZZ
@given(raw=st.binary(max_size=600))
def test_call_log_bytes_never_crash_the_reader(tmp_path_factory, raw):
    directory = tmp_path_factory.mktemp("bytes")
    for name in ("export.csv", "export.jsonl"):
        path = directory / name
        path.write_bytes(b",".join(h.encode() for h in HEADER) + b"\n" + raw)
        try:
            results = list(read_call_log(path, GENERIC))
        except ValueError as error:
            assert "column" in str(error)
            continue
        assert all(isinstance(r, CallRecord | RejectedRow) for r in results)


@FUZZ
@given(
    lines=st.lists(
        st.dictionaries(st.sampled_from(HEADER), CELL | st.integers() | st.booleans() | st.none())
        | st.text(max_size=30)
        | st.lists(st.integers(), max_size=3),
        max_size=6,
    )
)
def test_call_log_json_lines_are_read_or_rejected(tmp_path_factory, lines):
    import json

    path = tmp_path_factory.mktemp("jsonl") / "export.jsonl"
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines),
        encoding="utf-8",
    )
    results = list(read_call_log(path, GENERIC))
    assert all(isinstance(r, CallRecord | RejectedRow) for r in results)


# --- redaction -----------------------------------------------------------------------------

NAMES = st.lists(
    st.text(alphabet=st.sampled_from("abcdefghijklmnopåäöøæ -'ABCDÅÄÖ"), max_size=24), max_size=3
)


@FUZZ
@given(text=st.text(max_size=300) | CELL, names=NAMES)
def test_redaction_spans_are_sorted_disjoint_and_inside_the_text(text, names):
    spans = find_personal_data(text, names)
    for span in spans:
        assert span.kind in MARKERS and 0 <= span.start < span.end <= len(text)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))


@FUZZ
@given(text=st.text(max_size=300) | CELL, names=NAMES)
def test_redacting_twice_changes_nothing(text, names):
    once = redact(text, names)
    assert redact(once, names) == once


@FUZZ
@given(
    text=st.text(
        alphabet=st.characters(exclude_characters="0123456789@()[]", categories=["L", "Zs", "P"]),
        max_size=200,
    )
)
def test_text_without_numbers_addresses_or_names_is_kept(text):
    # Unicode digits of other scripts count as digits too; this alphabet has none.
    if any(character.isdigit() for character in text) or re.search(r"\b[aä]t\b", text, re.I):
        return
    assert redact(text) == text


# --- Open311 -------------------------------------------------------------------------------

FORM_KEYS = ["service_code", "description", "lat", "long", "address_string", "media_url",
             "email", "phone", "first_name", "last_name", "attribute[client_ref]",
             "Idempotency-Key", "jurisdiction_id", "api_key"]  # fmt: skip


@pytest.fixture
def sqlite_app(tmp_path):
    from app import create_app
    from tests.conftest import base_config

    application = create_app(base_config(tmp_path))
    with application.app_context():
        yield application


@FUZZ
@given(
    form=st.dictionaries(
        st.sampled_from(FORM_KEYS),
        CELL | st.sampled_from(["nan", "inf", "-0", "1e309", "http://x", "javascript:alert(1)"]),
    )
)
def test_open311_form_is_parsed_or_refused_by_field(sqlite_app, form):
    try:
        request = ServiceRequestInSchema().load(form)
    except ValidationError as error:
        assert isinstance(error.normalized_messages(), dict)
        return
    # A description is optional (a report may be only attributes and media); when given,
    # it is trimmed and not empty.
    if request.description is not None:
        assert request.description.strip() == request.description and request.description
    if request.location.latitude is not None:
        assert -90 <= request.location.latitude <= 90


QUERY_KEYS = ["start_date", "end_date", "service_request_id", "service_code", "status"]


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(QUERY_KEYS),
        CELL
        | st.sampled_from(
            [
                "2026-01-31T00:00:00Z",
                "2026-01-31T00:00:00 02:00",
                "open,closed",
                "9999-12-31T23:59:59+14:00",
            ]
        ),
    )
)
def test_open311_query_is_parsed_or_refused_by_field(sqlite_app, query):
    try:
        RequestQuerySchema().load(query)
    except ValidationError as error:
        assert isinstance(error.normalized_messages(), dict)
