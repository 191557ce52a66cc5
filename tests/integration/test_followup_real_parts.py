"""The whole follow-up path on real parts: PostgreSQL, Redis with a real RQ worker process, a
real SMTP server, and the stand-in Jira driven through the real `jira` library.

resolution → follow-up question in the notice → two "no" answers through the signed links →
the group reopened with one comment on the Jira issue, moved back, the department told →
done again → exactly one new resolution notice per consenting citizen.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Feedback, FollowupAnswer, Notice, NoticeKind, NoticeState, Ticket
from tests.integration.test_loop_real_parts import jira_loop, post_webhook  # noqa: F401
from tests.support.factories import bearer, user_with_token
from tests.support.worker import committed, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

TEXT = "Ansökan om dagvård fastnar vid bilagan: uppladdningen av intyget misslyckas varje gång."
RESOLUTION_SUBJECTS = {
    "Problemet du berättade om har åtgärdats",
    "Kertomasi ongelma on korjattu",
}


def sent_resolutions(occasion: str) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count(Notice.id)).where(
            Notice.kind == NoticeKind.RESOLUTION,
            Notice.occasion == occasion,
            Notice.state == NoticeState.SENT,
        )
    )


def no_link(message) -> str:
    """The "no" answer link of a notice, as a path on the app."""
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"http://civicloop\.test(/followup/\S+answer=no\S*)", body)
    assert match, body
    return match.group(1)


def test_no_answers_reopen_the_problem_in_jira_and_the_next_fix_is_told_again(
    jira_loop,  # noqa: F811
    smtp_server,
):
    app, worker, jira = jira_loop
    client = app.test_client()
    _, token = user_with_token()
    citizens = [("sv", "liisa@example.fi", "Liisa Virtanen"), ("fi", "matti@example.fi", None)]
    for number, (language, email, name) in enumerate(citizens):
        contact = {"email": email, "name": name, "language": language, "consent": True}
        response = client.post(
            "/api/v1/feedback",
            json={"text": TEXT, "eservice": "daycare-application", "source_ref": f"c{number}",
                  "language": "sv", "contact": {k: v for k, v in contact.items() if v}},
            headers=bearer(token),
        )  # fmt: skip
        assert response.status_code == 201, response.get_json()
    # A third citizen gave no contact: counted, never written to.
    response = client.post(
        "/api/v1/feedback",
        json={"text": TEXT, "eservice": "daycare-application", "source_ref": "c-anonymous",
              "language": "sv"},
        headers=bearer(token),
    )  # fmt: skip
    assert response.status_code == 201

    wait_until(lambda: jira.issues, what="a Jira issue", worker=worker)
    (issue,) = jira.issues.values()
    on_ticket = select(Ticket).where(Ticket.key == issue.key, Ticket.affected_count == 3)
    wait_until(lambda: committed(on_ticket).first(), what="three reports", worker=worker)
    smtp_server.wait_for(2)  # the thank-you notices

    # Fixed in Jira: each consenting citizen is told, and asked whether it worked.
    jira.set_status(issue.key, "done")
    assert post_webhook(client, jira.webhook_event(issue.key), "d-1").status_code == 200
    wait_until(lambda: sent_resolutions("") == 2, what="two resolution notices", worker=worker)
    notices = [m for m in smtp_server.wait_for(4) if m["Subject"] in RESOLUTION_SUBJECTS]
    assert len(notices) == 2
    links = [no_link(message) for message in notices]

    # Opening a link (as a mail scanner would) records nothing; the citizen's POST does.
    for link in links:
        assert client.get(link).status_code == 200
    assert committed(select(FollowupAnswer)).all() == []
    comments = ["Det fungerar fortfarande inte, ring 040 123 4567", "Sama vika yhä."]
    for link, comment in zip(links, comments, strict=True):
        path = link.split("?")[0]
        response = client.post(path, data={"answer": "no", "comment": comment})
        assert response.status_code == 200

    # The worker reopens the group: one comment on the issue, moved back to "To Do".
    reopened = wait_until(
        lambda: [c for c in jira.issues[issue.key].comments if "Reopened" in c["body"]],
        what="the reopening comment",
        worker=worker,
    )
    wait_until(lambda: jira.issues[issue.key].status == "To Do", what="moved back", worker=worker)
    (comment,) = reopened
    assert '2 citizen(s) answered "no"' in comment["body"]
    assert r"- Det fungerar fortfarande inte, ring \[phone\]" in comment["body"]  # escaped for Jira
    assert "- Sama vika yhä." in comment["body"] and "040" not in comment["body"]
    department = wait_until(
        lambda: [m for m in smtp_server.messages if m["To"] == "edu@example.org"],
        what="the department's e-mail",
        worker=worker,
    )
    assert len(department) == 1
    ticket = wait_until(
        lambda: committed(
            select(Ticket).where(Ticket.round == 2, Ticket.status == "To Do")
        ).first(),
        what="the reopened ticket",
        worker=worker,
    )
    assert ticket.outcome is None
    assert {item.status for item in committed(select(Feedback))} == {"forwarded"}

    # Fixed again: exactly one new resolution notice per consenting citizen.
    before = len(smtp_server.messages)
    jira.set_status(issue.key, "done")
    payload = jira.webhook_event(issue.key)
    assert post_webhook(client, payload, "d-2").get_json() == {"outcome": "applied"}
    wait_until(lambda: sent_resolutions("round-2") == 2, what="two new notices", worker=worker)
    again = smtp_server.wait_for(before + 2)[before:]
    assert sorted(m["To"] for m in again) == ["liisa@example.fi", "matti@example.fi"]
    assert all(m["Subject"] in RESOLUTION_SUBJECTS for m in again)
    # A replayed "done" sends nothing more, and nothing reopens twice.
    assert post_webhook(client, payload, "d-2").get_json() == {"outcome": "duplicate"}
    time.sleep(1)  # time for a wrong second send to show
    assert len(smtp_server.messages) == before + 2
    assert len([c for c in jira.issues[issue.key].comments if "Reopened" in c["body"]]) == 1
    assert jira.creates() == 1
