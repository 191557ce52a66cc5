"""Notices: rendered in the citizen's language, sent once over real SMTP, retried, given up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import Contact, Notice, NoticeKind, NoticeState
from app.services.notices import (
    deliver_notice,
    deliver_notices,
    dispatch_notices,
    queue_notice,
    render_notice,
)
from tests.support.factories import stored_item
from tests.support.mail import free_port


def make_item(language="fi", consent=True, email="citizen@example.org"):
    item = stored_item(contact=Contact(email=email, language=language, consent=consent))
    db.session.flush()
    return item


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "Kiitos palautteestasi"),
        ("sv", "Tack för din respons"),
        ("en", "Thank you for your feedback"),
        ("da", "Tak for din henvendelse"),
        ("nb", "Takk for tilbakemeldingen din"),
    ],
)
def test_thank_you_speaks_the_contacts_language(app, language, expected):
    notice = queue_notice(make_item(language), NoticeKind.THANK_YOU)
    db.session.flush()
    message = render_notice(notice)
    assert message.subject == expected and message.language == language
    # The status link opens the page in the citizen's language (issue 17).
    link = f"http://civicloop.test/status/{notice.feedback.status_token}?lang={language}"
    assert link in message.text
    assert f'<a href="{link}">' in message.html
    assert f'<html lang="{language}">' in message.html


def test_resolution_notice_is_translated(app):
    notice = queue_notice(make_item("sv"), NoticeKind.RESOLUTION)
    db.session.flush()
    assert render_notice(notice).subject == "Problemet du berättade om har åtgärdats"


def test_one_notice_per_item_and_kind(app):
    item = make_item()
    assert queue_notice(item, NoticeKind.THANK_YOU) is not None
    db.session.flush()
    assert queue_notice(item, NoticeKind.THANK_YOU) is None
    assert queue_notice(item, NoticeKind.RESOLUTION) is not None


def test_no_notice_without_consent_or_address(app):
    assert queue_notice(make_item(consent=False), NoticeKind.THANK_YOU) is None
    assert queue_notice(make_item(email=None), NoticeKind.THANK_YOU) is None


def test_sent_over_smtp_exactly_once(app, smtp_server):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    notice = queue_notice(make_item("en"), NoticeKind.THANK_YOU)
    db.session.commit()
    assert deliver_notice(notice.id) is None
    assert deliver_notice(notice.id) is None  # a second run of the job sends nothing
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "citizen@example.org"
    assert message["Message-ID"] == notice.message_id
    assert db.session.get(Notice, notice.id).state == NoticeState.SENT


def test_refused_mail_is_retried_with_back_off_then_given_up(app):
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=1, NOTICE_MAX_ATTEMPTS=3
    )
    notice = queue_notice(make_item(), NoticeKind.THANK_YOU)
    db.session.commit()
    delays = []
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        for _ in range(3):  # each retry when it is due: one sooner would wait, not send
            delays.append(deliver_notice(notice.id))
            clock.shift(timedelta(seconds=delays[-1] or 0))
    assert delays == [60.0, 120.0, None]
    notice = db.session.get(Notice, notice.id)
    assert notice.state == NoticeState.FAILED and notice.attempts == 3
    assert "SMTP" in notice.last_error


def test_withdrawn_consent_suppresses_a_queued_notice(app, smtp_server):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    item = make_item()
    notice = queue_notice(item, NoticeKind.THANK_YOU)
    db.session.commit()
    item.contact.consent = False
    db.session.commit()
    deliver_notice(notice.id)
    assert db.session.get(Notice, notice.id).state == NoticeState.SUPPRESSED
    assert smtp_server.messages == []
    assert db.session.scalar(select(func.count(Notice.id))) == 1


# --- a problem owed to many: batches over one connection -------------------------------------


def test_a_batch_of_notices_goes_over_one_smtp_connection(app, smtp_server):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    notices = [
        queue_notice(make_item(email=f"c{n}@example.org"), NoticeKind.RESOLUTION) for n in range(5)
    ]
    db.session.commit()

    assert deliver_notices([notice.id for notice in notices]) == {}
    assert {message["To"] for message in smtp_server.wait_for(5)} == {
        f"c{n}@example.org" for n in range(5)
    }
    assert smtp_server.connections == 1
    # One at a time, each notice has a connection of its own.
    single = queue_notice(make_item(email="single@example.org"), NoticeKind.RESOLUTION)
    db.session.commit()
    assert deliver_notice(single.id) is None
    smtp_server.wait_for(6)
    assert smtp_server.connections == 2


def test_a_batch_sends_what_it_can_and_names_the_retries(app):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=1)
    notices = [
        queue_notice(make_item(email=f"c{n}@example.org"), NoticeKind.RESOLUTION) for n in range(3)
    ]
    gone = queue_notice(make_item(email="gone@example.org"), NoticeKind.RESOLUTION)
    db.session.commit()
    gone.feedback.contact.consent = False  # withdrawn while the batch waited
    db.session.commit()

    retries = deliver_notices([notice.id for notice in [*notices, gone]])
    assert set(retries) == {notice.id for notice in notices}  # no server: each one later
    assert db.session.get(Notice, gone.id).state == NoticeState.SUPPRESSED


def test_many_notices_are_queued_in_batches_of_delivery(app, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "app.services.notices.jobs.enqueue", lambda job, *args, **kw: queued.append((job, args))
    )
    dispatch_notices(list(range(1, 251)))
    assert [(job, len(ids)) for job, (ids,) in queued] == [
        ("deliver_notice_batch", 100),
        ("deliver_notice_batch", 100),
        ("deliver_notice_batch", 50),
    ]
    queued.clear()
    dispatch_notices([7])
    assert queued == [("deliver_notice", (7,))]
