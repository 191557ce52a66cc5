"""Importing call logs into the database: batched, idempotent, skipping calls without feedback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import CallImport, Contact, Feedback, Notice
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


def upload(client, content: bytes, filename="calls.csv", mapping="generic"):
    from tests.support.web import csrf_token

    page = client.get("/staff/calls/import").get_data(as_text=True)
    return client.post(
        "/staff/calls/import",
        data={"export": (io.BytesIO(content), filename), "mapping": mapping,
              "csrf_token": csrf_token(page)},
        content_type="multipart/form-data",
    )  # fmt: skip


@pytest.fixture
def agent_client(app, client):
    from tests.support.web import sign_in_as

    sign_in_as(client, "agent")
    return client


def test_upload_on_the_staff_site_imports_and_shows_the_summary(app, agent_client, export):
    response = upload(agent_client, export.read_bytes())
    assert response.status_code == 302
    page = agent_client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "Finished." in html and "bad date" in html
    run = db.session.scalars(select(CallImport)).one()
    assert (run.state, run.stored, run.known, run.skipped, run.rejected) == ("done", 2, 1, 2, 1)
    assert not Path(run.path).exists()  # no copy of the export is kept
    progress = agent_client.get(f"/staff/calls/import/{run.id}/progress").get_json()
    assert progress == {"state": "done", "rows": 6, "stored": 2, "known": 1, "skipped": 2,
                        "rejected": 1}  # fmt: skip


def test_upload_of_another_kind_of_file_is_refused(app, agent_client):
    response = upload(agent_client, b"<html>x</html>", filename="calls.html")
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(CallImport.id))) == 0


def test_an_export_that_does_not_fit_the_mapping_fails_with_a_reason(app, agent_client):
    response = upload(agent_client, b"id;when;text\n1;2026-11-20;x\n")
    assert response.status_code == 302
    run = db.session.scalars(select(CallImport)).one()
    assert run.state == "failed" and "no column" in run.error
    assert not Path(run.path).exists()  # a failed import keeps no copy of the export either


def test_a_deeply_nested_json_line_is_rejected_and_the_valid_lines_are_stored(app, agent_client):
    # Issue 16: the nested line raised RecursionError, the run stayed "running" for ever, the
    # line before it was lost and the upload kept.
    valid = [json.dumps(dict(zip(HEADER, call(ref), strict=True))) for ref in ("c1", "c2")]
    content = "\n".join([valid[0], "[" * 5000 + "]" * 5000, valid[1]]) + "\n"
    response = upload(agent_client, content.encode(), filename="calls.jsonl")
    assert response.status_code == 302
    run = db.session.scalars(select(CallImport)).one()
    assert (run.state, run.rows, run.stored, run.rejected) == ("done", 3, 2, 1)
    assert run.rejections[0][0] == 2 and "nested" in run.rejections[0][1]
    assert not Path(run.path).exists()


def test_an_unexpected_error_fails_the_import_keeps_its_counts_and_deletes_the_upload(
    app, agent_client, export, monkeypatch
):
    from app.services import call_import

    def broken(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(call_import, "import_call_log", broken)
    response = upload(agent_client, export.read_bytes())
    assert response.status_code == 302
    run = db.session.scalars(select(CallImport)).one()
    assert run.state == "failed" and "RecursionError" in run.error
    assert run.finished_at is not None
    assert not Path(run.path).exists()


def test_a_stalled_import_is_run_again_by_the_reconciler(app, export, monkeypatch):
    from datetime import timedelta

    from app import jobs
    from app.models.types import utcnow
    from app.services.reconcile import reconcile

    monkeypatch.setattr(jobs, "run_job", lambda job, *args: None)  # the job is lost
    run = CallImport(filename="calls.csv", path=str(export), mapping="generic", state="running",
                     updated_at=utcnow() - timedelta(hours=1))  # fmt: skip
    db.session.add(run)
    db.session.commit()
    monkeypatch.undo()
    assert reconcile().imports == 1
    db.session.refresh(run)
    assert run.state == "done" and run.stored == 2


def test_each_call_keeps_its_caller_across_batches(app, tmp_path):
    """On PostgreSQL the callers are found or added by the reading thread in a session of
    its own; every call must still end up with its own caller, one contact per caller."""
    from app.services.contacts import normalise_phone, record_contact

    known = record_contact(email="known@example.org", phone=None, name=None, language="fi",
                           consent=False, channel="agent")  # fmt: skip
    erased = record_contact(email=None, phone="040 999 0000", name=None, language="fi",
                            consent=False, channel="agent")  # fmt: skip
    db.session.flush()
    erased.erased_at, erased.phone = erased.created_at, "+358409990000"
    db.session.commit()
    callers = [
        {"caller_email": "known@example.org", "caller_phone": ""},
        {"caller_email": "", "caller_phone": "040 123 4567"},
        {"caller_email": "", "caller_phone": "+358 40 123 4567"},  # the same, as caller ID
        {"caller_email": "new@example.org", "caller_phone": "040 555 1234"},
        {"caller_email": "", "caller_phone": "040 999 0000"},  # only an erased contact had it
        {"caller_email": "", "caller_phone": ""},
    ]
    rows = [call(f"k{n}", follow_up_consent="no", **callers[n % len(callers)]) for n in range(30)]
    export = write_csv(tmp_path / "callers.csv", rows)

    summary = run_import(export, batch_size=4)

    assert summary.stored == 30
    items = db.session.scalars(select(Feedback).order_by(Feedback.id)).all()
    for item in items:
        caller = callers[int(item.source_ref[1:]) % len(callers)]
        if caller["caller_email"]:
            assert item.contact.email == caller["caller_email"]
        elif caller["caller_phone"]:
            # Stored in E.164, whichever way the export spelt it.
            assert item.contact.phone == normalise_phone(caller["caller_phone"])
            assert item.contact.erased_at is None
        else:
            assert item.contact is None
    assert {item.contact_id for item in items if item.source_ref == "k0"} == {known.id}
    # known + the erased one + +358401234567 + new@ + a new +358409990000
    assert db.session.scalar(select(func.count(Contact.id))) == 5


def test_an_error_storing_a_batch_stops_the_import_and_its_thread(app, tmp_path, monkeypatch):
    import threading

    from app.services import call_import

    export = write_csv(tmp_path / "calls.csv", [call(f"e{n}") for n in range(50)])
    stored = call_import._store_batch
    calls = []

    def store_then_fail(batch):
        calls.append(batch)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return stored(batch)

    monkeypatch.setattr(call_import, "_store_batch", store_then_fail)
    with pytest.raises(RuntimeError, match="went away"):
        run_import(export, batch_size=5)
    db.session.rollback()
    assert not any(thread.name == "read-ahead" for thread in threading.enumerate())
    assert db.session.scalar(select(func.count(Feedback.id))) == 5  # the first batch stays


def test_reimporting_after_an_erasure_keeps_no_details_of_the_erased_caller(app, export):
    from app.services.subject_requests import erase_contact

    run_import(export)
    (contact,) = db.session.scalars(select(Contact)).all()
    erase_contact(contact)
    db.session.commit()

    again = run_import(export)

    assert (again.stored, again.known) == (0, 3)
    # The calls are known, so the contact the import looked for and added is not kept.
    assert db.session.scalars(select(Contact.email)).all() == [None]


def test_an_export_larger_than_the_usual_body_limit_is_accepted(app, agent_client, export):
    # Issue 16: the CSRF check read the body under MAX_CONTENT_LENGTH before the route's
    # CALL_LOG_MAX_BYTES applied, so any export over 2 MiB got 413.
    content = export.read_bytes()
    app.config["MAX_CONTENT_LENGTH"] = len(content) // 2
    response = upload(agent_client, content)
    assert response.status_code == 302
    app.config["CALL_LOG_MAX_BYTES"] = len(content) // 2
    assert upload(agent_client, content).status_code == 413
