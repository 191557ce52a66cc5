"""Importing call logs into the database: batched, idempotent, skipping calls without feedback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import Contact, Feedback, Notice
from app.services.call_import import import_call_log
from integrations.call_logs import CallLogMapping, read_call_log
from tests.unit.test_call_log_reader import HEADER, ROW, write_csv


def call(call_id, **changes):
    values = dict(zip(HEADER, ROW, strict=True)) | {"call_id": call_id} | changes
    return [values[name] for name in HEADER]


@pytest.fixture
def export(tmp_path):
    return write_csv(
        tmp_path / "calls.csv",
        [
            call("c1"),
            call("c2", notes="Wrong number, caller wanted the hospital", wrap_up_code="OTHER"),
            call("c3", wrap_up_code="WRONG_NUMBER"),
            call("c4", started_at="32.13.2026 25:61"),
            call("c5", caller_email="", caller_phone="", follow_up_consent="no",
                 notes="Kirjaston tunnus lukittui, ota yhteyttä 040 765 4321"),
            call("c1"),  # the export repeats a call
        ],
    )  # fmt: skip


def run_import(path, batch_size=2):
    mapping = CallLogMapping.load("generic")
    return import_call_log(read_call_log(path, mapping), mapping, batch_size=batch_size)


def test_import_stores_skips_rejects_and_summarises(app, export):
    summary = run_import(export)
    assert (summary.stored, summary.known, summary.skipped, summary.rejected) == (2, 1, 2, 1)
    assert [(r.line, r.reason) for r in summary.rejections] == [(5, "bad date '32.13.2026 25:61'")]
    items = db.session.scalars(select(Feedback).order_by(Feedback.source_ref)).all()
    assert [i.source_ref for i in items] == ["c1", "c5"]
    # Imported items go through the same processing as any other (inline here).
    assert items[0].status == "forwarded" and items[0].department.code == "URB"
    assert "765 4321" not in items[1].redacted_text
    # A consenting caller with an e-mail gets a thank-you; the other has no contact at all.
    assert items[0].contact.consent and items[1].contact is None
    assert db.session.scalar(select(func.count(Notice.id))) == 1


def test_reimporting_the_same_file_stores_nothing_new(app, export):
    run_import(export)
    again = run_import(export, batch_size=100)
    assert (again.stored, again.known) == (0, 3)
    assert db.session.scalar(select(func.count(Feedback.id))) == 2
    assert db.session.scalar(select(func.count(Contact.id))) == 1
    assert db.session.scalar(select(func.count(Notice.id))) == 1


def test_cli_prints_the_summary(app, export):
    result = CliRunner().invoke(
        app.cli, ["calls", "import", str(export), "--mapping", "generic"], obj=None
    )
    assert result.exit_code == 0, result.output
    assert "2 stored, 1 already known, 2 without feedback, 1 rejected" in result.output
    assert "line 5: bad date" in result.output


def test_cli_refuses_an_unknown_mapping(app, export):
    result = CliRunner().invoke(app.cli, ["calls", "import", str(export), "--mapping", "nope"])
    assert result.exit_code != 0 and "no mapping 'nope'" in result.output
