"""Both ways on real parts: a notice goes out over a real SMTP server, the citizen's answer
to its Reply-To lands in a real IMAP mailbox (Debian's dovecot), the scheduled poll run by a
real RQ worker process stores it on the item, and a bounce stops further notices."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import jobs
from app.extensions import db
from app.models import Contact, Feedback, InboundMessage, Notice, NoticeKind, NoticeState
from app.services.inbound_mail import receive
from app.services.notices import queue_notice
from tests.conftest import real_app_for
from tests.support.factories import staff_user
from tests.support.inbound import dsn, reply, submitted_by_anna
from tests.support.web import post_form, sign_in
from tests.support.worker import WorkerProcess, committed, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def mail_both_ways(request, real_config, imap_server, tmp_path):
    """The app and a worker reading the dovecot mailbox; a test's indirect parameter names
    the folder read messages are moved to."""
    config = {
        **real_config,
        "MAIL_REPLY_ADDRESS": "reply@example.org",
        "IMAP_HOST": imap_server.host,
        "IMAP_PORT": imap_server.port,
        "IMAP_USER": imap_server.user,
        "IMAP_PASSWORD": imap_server.password,
        "IMAP_SSL": False,
        "IMAP_DONE_FOLDER": getattr(request, "param", None),
    }
    app = real_app_for(config)
    with app.app_context():
        with WorkerProcess(config, "--no-cron", log=tmp_path / "worker.log") as worker:
            yield app, worker
        db.session.remove()


def stored(kind: str) -> list[InboundMessage]:
    return list(committed(select(InboundMessage).where(InboundMessage.kind == kind)))


def poll(worker: WorkerProcess, kind: str, count: int) -> list[InboundMessage]:
    """Queue the scheduled poll, as the worker's cron does, and wait for its result."""
    jobs.enqueue("poll_inbound_mail")
    return wait_until(
        lambda: len(found := stored(kind)) >= count and found,
        what=f"{count} inbound {kind}",
        worker=worker,
    )


def test_a_reply_to_a_notice_comes_back_through_imap_to_the_item(
    mail_both_ways, smtp_server, imap_server
):
    app, worker = mail_both_ways
    item = submitted_by_anna("Päiväkotihakemuksen liitteen lataaminen epäonnistuu aina.")
    item_id, public_id = item.id, item.public_id
    (thanks,) = smtp_server.wait_for(1)
    reply_to = thanks["Reply-To"]
    assert reply_to.startswith("reply+") and reply_to.endswith("@example.org")

    # The citizen answers from their mail client; the mail server delivers it to the mailbox.
    answer = reply(
        reply_to,
        "Liite on pdf ja 2 Mt.\n\nke 2.12.2026 klo 10.00 civicloop <civicloop@example.org> "
        "kirjoitti:\n> Kiitos palautteestasi",
        in_reply_to=thanks["Message-ID"],
    )
    imap_server.deliver(answer)
    (message,) = poll(worker, "reply", 1)
    assert (message.feedback_id, message.text) == (item_id, "Liite on pdf ja 2 Mt.")
    assert imap_server.unseen() == 0  # flagged only now that it is stored

    # A copy read again (a poll that stopped between the commit and the flag) is not stored
    # twice, and is flagged this time.
    imap_server.deliver(answer)
    jobs.enqueue("poll_inbound_mail")
    wait_until(lambda: imap_server.unseen() == 0, what="the copy flagged", worker=worker)
    assert len(stored("reply")) == 1

    # The handler sees the reply in the inbox and on the item page, and answers from there.
    staff_user("handler", department_codes=["EDU"])
    client = app.test_client()
    client.get("/staff/login?lang=en")
    sign_in(client, "handler@example.org")
    assert "New reply from the citizen" in client.get("/staff/inbox").get_data(as_text=True)
    page_url = f"/staff/feedback/{public_id}"
    assert "Liite on pdf ja 2 Mt." in client.get(page_url).get_data(as_text=True)
    response = post_form(client, page_url + "/reply", {"text": "Kiitos, korjaamme."}, page_url)
    assert response.status_code == 302
    answer_to_citizen = smtp_server.wait_for(2)[1]
    assert answer_to_citizen["Reply-To"] not in (None, reply_to)  # each notice its own

    # That notice bounces: the address is marked, and the next notice is not sent.
    imap_server.deliver(dsn(bytes(answer_to_citizen)))
    (bounce,) = poll(worker, "bounce", 1)
    assert bounce.feedback_id == item_id
    contact = committed(select(Contact).where(Contact.email == "anna@example.org")).one()
    assert contact.undeliverable_reason.startswith("5.1.1")
    item = db.session.get(Feedback, item_id)
    notice = queue_notice(item, NoticeKind.RESOLUTION)
    db.session.commit()
    jobs.enqueue("deliver_notice", notice.id)
    failed = wait_until(
        lambda: committed(
            select(Notice).where(Notice.id == notice.id, Notice.state == NoticeState.FAILED)
        ).first(),
        what="the notice given up",
        worker=worker,
    )
    assert failed.last_error.startswith("the address is undeliverable")
    assert len(smtp_server.messages) == 2


@pytest.mark.parametrize("mail_both_ways", ["Processed"], indirect=True)
def test_read_messages_move_to_the_done_folder_once_stored(mail_both_ways, imap_server):
    """A message already stored (from the inbox folder, or by a poll cut short) is moved
    without a second row; one with a forged token or none is moved and keeps nothing."""
    _app, worker = mail_both_ways
    raw = reply("reply+" + "a" * 26 + "@example.org", "Who am I?")
    receive(raw)
    imap_server.deliver(raw)
    imap_server.deliver(reply("reply@example.org", "No token here"))
    jobs.enqueue("poll_inbound_mail")
    wait_until(lambda: imap_server.count("Processed") == 2, what="both moved", worker=worker)
    assert imap_server.count("INBOX") == 0
    assert committed(select(func.count(InboundMessage.id))).one() == 2
    assert len(stored("ignored")) == 2
