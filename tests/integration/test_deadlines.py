"""Deadlines on real parts and pages: reminders and escalation on schedule through the job
to a real SMTP server, the overdue page's scope, the admin page and the insight figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, DeadlineReminder, DeadlineTarget
from app.services.deadlines import send_reminders
from app.services.intake import Submission, submit_feedback
from tests.support.deadlines import HANDLING, at, name_head, report, sent
from tests.support.factories import department
from tests.support.web import csrf_token, sign_in_as

EN = {"Accept-Language": "en"}


def test_reminder_on_day_n_and_escalation_on_day_m_each_exactly_once(app, smtp_server):
    """Through the scheduled job's entry point, to a real SMTP server."""
    from workers.jobs import send_deadline_reminders

    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    name_head()
    with at(timedelta(0)):
        item = report("slow")

    # Overdue by a day: not yet two.
    with at(HANDLING + timedelta(days=1, hours=23)):
        send_deadline_reminders()
    assert smtp_server.messages == []

    # Day N: the department is reminded, once however often the check runs.
    with at(HANDLING + timedelta(days=2, hours=1)):
        send_deadline_reminders()
        send_deadline_reminders()
    assert len(smtp_server.messages) == 1
    reminder = smtp_server.messages[0]
    assert reminder["To"] == "urb@example.org"
    body = reminder.get_content()
    assert f"http://civicloop.test/staff/feedback/{item.public_id}" in body
    assert item.text not in body  # links only: no citizen's words in staff mail

    # Day M: escalated to the head, once.
    with at(HANDLING + timedelta(days=7, hours=1)):
        send_deadline_reminders()
        send_deadline_reminders()
    assert len(smtp_server.messages) == 2
    escalation = smtp_server.messages[1]
    assert escalation["To"] == "helena.head@example.org"
    assert f"/staff/feedback/{item.public_id}" in escalation.get_content()
    assert sent() == [("reminder", "feedback", item.id), ("escalation", "feedback", item.id)]
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.startswith("deadline."))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "deadline.department_set",
        "deadline.reminder_sent",
        "deadline.escalation_sent",
    ]


def test_a_mail_not_accepted_is_retried_by_the_next_run(app, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1)  # nothing listens there
    with at(timedelta(0)):
        report("retry")
    with at(HANDLING + timedelta(days=3)):
        assert send_reminders() == 0
        assert sent() == []
        app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
        assert send_reminders() == 1
    assert len(smtp_server.messages) == 1


# --- the pages -----------------------------------------------------------------------------------


def handler_of(client, code: str) -> None:
    sign_in_as(client, "handler", f"handler-{code.lower()}@example.org", department_codes=(code,))


def test_the_overdue_page_shows_only_the_handlers_departments(app, client):
    with at(timedelta(0)):
        item = report("scoped")
    with at(HANDLING + timedelta(hours=30)):
        handler_of(client, "URB")
        page = client.get("/staff/overdue", headers=EN).get_data(as_text=True)
        assert f"/staff/feedback/{item.public_id}" in page
        assert "1 day" in page  # how long overdue
        client.post("/staff/logout", data={"csrf_token": csrf_token(page)})
        handler_of(client, "CUL")
        page = client.get("/staff/overdue", headers=EN).get_data(as_text=True)
        assert item.public_id not in page
        assert "No item is overdue." in page


def test_only_admins_set_deadlines(app, client):
    sign_in_as(client, "handler")
    assert client.get("/staff/deadlines/URB").status_code == 403
    assert client.get("/staff/deadlines").status_code == 403


@pytest.fixture
def admin_client(client):
    sign_in_as(client, "admin")
    return client


def post_department(client, data: dict):
    page = client.get("/staff/deadlines/URB", headers=EN).get_data(as_text=True)
    return client.post(
        "/staff/deadlines/URB", data={**data, "csrf_token": csrf_token(page)}, headers=EN
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"first_handling_hours": "0"}, "Number must be between 1 and 8760."),
        ({"resolution_days": "soon"}, "Not a valid integer value."),
        ({"head_name": "Helena Head", "head_email": "helena"}, "Invalid email address."),
        ({"head_name": "Helena Head"}, "escalations are sent there."),
        ({"head_email": "helena@example.org"}, "Name the head whose e-mail this is."),
    ],
)
def test_the_admin_page_refuses_bad_input_and_changes_nothing(app, admin_client, data, message):
    response = post_department(admin_client, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="error-summary"' in page
    urban = department("URB")
    db.session.refresh(urban)
    assert (urban.head_name, urban.head_email) == (None, None)
    assert db.session.scalar(select(func.count()).select_from(DeadlineTarget)) == 0
    audited = select(func.count()).where(AuditEvent.action.startswith("deadline."))
    assert db.session.scalar(audited) == 0


def test_the_admin_page_saves_targets_and_head(app, admin_client):
    response = post_department(
        admin_client,
        {
            "first_handling_hours": "48",
            "resolution_days": "",
            "head_name": " Helena Head ",
            "head_email": "helena.head@example.org",
        },
    )
    assert response.status_code == 302
    urban = department("URB")
    assert (urban.head_name, urban.head_email) == ("Helena Head", "helena.head@example.org")
    row = db.session.scalars(select(DeadlineTarget)).one()
    assert (row.eservice_id, row.first_handling_hours, row.resolution_days) == (None, 48, None)
    page = admin_client.get("/staff/deadlines", headers=EN).get_data(as_text=True)
    assert "48" in page and "30 (default)" in page
    assert (
        db.session.scalar(
            select(func.count()).where(AuditEvent.action == "deadline.department_set")
        )
        == 1
    )


def test_an_eservice_of_another_department_is_refused(app, admin_client):
    page = admin_client.get("/staff/deadlines/URB", headers=EN).get_data(as_text=True)
    token = csrf_token(page)
    response = admin_client.post(
        "/staff/deadlines/URB/eservices",
        data={
            "eservice-eservice": "library-account",
            "eservice-first_handling_hours": "5",
            "eservice-csrf_token": token,
        },
        headers=EN,
    )
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(DeadlineTarget)) == 0
    response = admin_client.post(
        "/staff/deadlines/URB/eservices",
        data={
            "eservice-eservice": "parking-permit",
            "eservice-first_handling_hours": "5",
            "eservice-csrf_token": token,
        },
        headers=EN,
    )
    assert response.status_code == 302
    row = db.session.scalars(select(DeadlineTarget)).one()
    assert (row.eservice.code, row.first_handling_hours) == ("parking-permit", 5)


def test_the_insight_page_shows_and_exports_on_time_rates(app, client):
    with at(timedelta(0)):
        report("rate")
    sign_in_as(client, "analyst")
    with at(timedelta(days=4)):
        page = client.get("/staff/insight", headers=EN).get_data(as_text=True)
        assert "On time by department" in page and "On time by e-service" in page
        export = client.get(
            "/staff/insight/on-time-department.csv?since=2026-03-01&until=2026-03-31", headers=EN
        )
    assert export.status_code == 200
    rows = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0] == "Department,First handled on time,Problems resolved on time"
    assert rows[1].startswith("Urban") and rows[1].endswith(",0.0,")


def test_the_workers_schedule_the_check():
    from workers.schedule import SCHEDULE

    assert ("workers.jobs.send_deadline_reminders", "scheduled", 3600) in SCHEDULE


def test_a_real_worker_runs_the_scheduled_check_once_per_item(live_worker, smtp_server):
    """The job as the scheduler queues it, twice, on a real RQ worker with PostgreSQL,
    Redis and SMTP: one reminder. (The worker runs on the real clock, so the item's arrival
    is moved back instead of travelling in time.)"""
    from rq import Queue

    from app.jobs import redis_connection
    from app.models import Feedback
    from tests.support.worker import committed, wait_until

    app, worker = live_worker
    submit_feedback(
        Submission(
            text="The parking permit renewal fails at the payment step.",
            channel="api",
            eservice="parking-permit",
            source_ref="worker",
        )
    )
    item = wait_until(
        lambda: committed(select(Feedback).where(Feedback.ticket_id.is_not(None))).first(),
        what="the worker to group the item",
        worker=worker,
    )
    item.received_at -= HANDLING + timedelta(days=3)
    db.session.commit()

    queue = Queue("scheduled", connection=redis_connection(app.config["REDIS_URL"]))
    runs = [queue.enqueue("workers.jobs.send_deadline_reminders") for _ in range(2)]
    wait_until(
        lambda: all(run.get_status(refresh=True) == "finished" for run in runs),
        what="both checks to finish",
        worker=worker,
    )
    (reminder,) = smtp_server.wait_for(1)
    assert reminder["To"] == "urb@example.org"
    assert f"/staff/feedback/{item.public_id}" in reminder.get_content()
    assert committed(select(DeadlineReminder.subject_id)).all() == [item.id]
