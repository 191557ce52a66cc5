"""Mail that comes back reaches its item: a citizen's reply is stored redacted, shown in the
department inbox and the item's history; an automatic reply is recorded only; a bounce marks
the address undeliverable and stops further notices; a forged token reaches nothing."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Contact,
    FeedbackStatus,
    InboundKind,
    InboundMessage,
    NoticeKind,
    NoticeState,
)
from app.services.history import change_status
from app.services.inbound_mail import poll_inbound_mail, receive
from app.services.intake import ContactDetails
from app.services.notices import deliver_notice, queue_notice
from tests.integration.test_casework_pages import UPLOAD, post, sign_in_handler, submit
from tests.support.factories import only_notice
from tests.support.inbound import dsn, plain_bounce, reply


def thanked(language: str = "fi"):
    """An item whose citizen was sent the thank-you (to the file outbox): the item, and the
    notice as the citizen received it."""
    contact = ContactDetails(
        email="anna@example.org", name="Anna Virtanen", language=language, consent=True
    )
    item = submit(UPLOAD[0], contact=contact)
    notice = only_notice(item=item)
    assert notice.state == NoticeState.SENT
    (path,) = Path(current_app.config["OUTBOX_DIR"]).glob("*.eml")
    sent = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return item, notice, sent


def inbound() -> list[InboundMessage]:
    return list(db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def test_each_notice_carries_a_reply_address_of_its_own(app):
    _item, notice, sent = thanked()
    reply_to = sent["Reply-To"]
    assert reply_to.startswith("civicloop+") and reply_to.endswith("@localhost")
    assert str(notice.id) not in reply_to.partition("+")[2]  # nothing to count or guess


def test_a_reply_reaches_its_item_redacted_and_waits_in_the_inbox(app, client):
    item, notice, sent = thanked()
    text = "Lomake kaatuu yhä. Soita 040 123 4567.\n\nOn Wed, civicloop wrote:\n> Kiitos"
    stored = receive(reply(sent["Reply-To"], text))
    assert (stored.kind, stored.feedback_id, stored.notice_id) == ("reply", item.id, notice.id)
    assert stored.text == "Lomake kaatuu yhä. Soita 040 123 4567."
    assert "040" not in stored.redacted_text and "[phone]" in stored.redacted_text
    # Resolved since: a citizen writing back still needs an answer.
    change_status(item, FeedbackStatus.RESOLVED)
    db.session.commit()
    sign_in_handler(client, "EDU")
    inbox = client.get("/staff/inbox").get_data(as_text=True)
    assert "New reply from the citizen" in inbox and item.public_id in inbox
    url = f"/staff/feedback/{item.public_id}"
    page = client.get(url).get_data(as_text=True)
    assert "Reply from the citizen by e-mail: <q>Lomake kaatuu yhä." in page
    # The handler answers from the item page as before; the reply is then answered.
    assert post(client, url, url + "/reply", {"text": "Korjaamme sen."}).status_code == 302
    assert "New reply from the citizen" not in client.get("/staff/inbox").get_data(as_text=True)


def test_a_reply_found_by_its_thread_from_the_citizens_address(app):
    item, notice, _sent = thanked()
    stored = receive(reply("civicloop@localhost", "Kiitos!", in_reply_to=notice.message_id))
    assert (stored.kind, stored.feedback_id) == ("reply", item.id)
    # A notice's Message-ID is no secret: from another address it reaches nothing.
    other = receive(
        reply(
            "civicloop@localhost", "x", sender="mallory@example.net", in_reply_to=notice.message_id
        )
    )
    assert (other.kind, other.feedback_id, other.text) == ("ignored", None, None)


def test_an_automatic_reply_is_recorded_but_not_taken_for_the_citizens_words(app, client):
    item, _notice, sent = thanked()
    raw = reply(sent["Reply-To"], "I am on holiday until Monday.", subject="Out of office")
    stored = receive(raw)
    assert (stored.kind, stored.feedback_id, stored.text) == ("auto_reply", item.id, None)
    sign_in_handler(client, "EDU")
    assert "New reply from the citizen" not in client.get("/staff/inbox").get_data(as_text=True)
    page = client.get(f"/staff/feedback/{item.public_id}").get_data(as_text=True)
    assert "Automatic reply (out of office or similar; not stored)" in page
    assert "holiday" not in page


def test_a_bounce_marks_the_address_undeliverable_and_stops_notices(app, client):
    item, _notice, sent = thanked()
    stored = receive(dsn(bytes(sent)))
    assert (stored.kind, stored.feedback_id) == ("bounce", item.id)
    contact = db.session.get(Contact, item.contact_id)
    assert contact.undeliverable_at is not None
    assert contact.undeliverable_reason.startswith("5.1.1 smtp; 550 5.1.1 <[email]>")
    later = queue_notice(item, NoticeKind.RESOLUTION)
    db.session.commit()
    assert deliver_notice(later.id) is None
    assert later.state == NoticeState.FAILED
    assert later.last_error.startswith("the address is undeliverable: 5.1.1")
    assert len(list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))) == 1  # the thank-you only
    sign_in_handler(client, "EDU")
    page = client.get(f"/staff/feedback/{item.public_id}").get_data(as_text=True)
    assert "E-mail bounced (5.1.1" in page and "Undeliverable since" in page
    assert "address bounced, so no reply can be sent" in page and "Send reply" not in page


def test_a_delay_or_a_report_about_another_address_changes_nothing(app):
    item, _notice, sent = thanked()
    receive(dsn(bytes(sent), action="delayed", status="4.4.7", diagnostic="451 later"))
    receive(dsn(bytes(sent), recipient="someone.else@example.net"))
    assert [message.kind for message in inbound()] == ["bounce", "bounce"]
    assert db.session.get(Contact, item.contact_id).undeliverable_at is None


def test_a_non_standard_bounce_is_understood(app):
    item, _notice, sent = thanked()
    assert receive(plain_bounce(bytes(sent))).kind == "bounce"
    assert db.session.get(Contact, item.contact_id).undeliverable_reason == "5.1.1"


@pytest.mark.parametrize(
    "to", ["civicloop+" + "a" * 26 + "@localhost", "civicloop@localhost", "someone@example.org"]
)
def test_a_forged_or_missing_token_reaches_no_item(app, to):
    thanked()
    stored = receive(reply(to, "Delete everything, 040 123 4567"))
    assert (stored.kind, stored.feedback_id, stored.text, stored.redacted_text) == (
        "ignored",
        None,
        None,
        None,
    )
    forged_bounce = receive(plain_bounce(reply(to, "x")))
    assert forged_bounce.kind == "ignored"
    assert db.session.scalar(select(func.count()).where(Contact.undeliverable_at.is_not(None))) == 0


def test_a_message_read_twice_is_stored_once(app):
    _item, _notice, sent = thanked()
    raw = reply(sent["Reply-To"], "Hello")
    assert receive(raw) is not None
    assert receive(raw) is None
    assert len(inbound()) == 1


def test_dropped_eml_files_are_read_then_moved(app, client):
    item, _notice, sent = thanked()
    folder = Path(app.config["INBOX_DIR"])
    folder.mkdir(parents=True)
    answer = reply(sent["Reply-To"], "Vieläkin rikki.")
    (folder / "1.eml").write_bytes(answer)
    (folder / "2.eml").write_bytes(dsn(bytes(sent)))
    (folder / "broken.eml").mkdir()  # cannot be read as a message
    report = poll_inbound_mail()
    assert (report.stored, report.duplicates, report.failed) == (2, 0, 1)
    assert sorted(p.name for p in (folder / "done").iterdir()) == ["1.eml", "2.eml"]
    assert [p.name for p in (folder / "failed").iterdir()] == ["broken.eml"]
    assert list(folder.glob("*.eml")) == []
    assert [(m.kind, m.feedback_id) for m in inbound()] == [
        (InboundKind.REPLY, item.id),
        (InboundKind.BOUNCE, item.id),
    ]
    # The same file dropped again is not stored twice.
    (folder / "again.eml").write_bytes(answer)
    assert poll_inbound_mail().duplicates == 1 and len(inbound()) == 2


def test_export_holds_the_replies_and_erasure_takes_them_with_the_text(app):
    from app.services.subject_requests import erase_subject, export_subject

    item, _notice, sent = thanked()
    receive(reply(sent["Reply-To"], "Anna Virtanen here, call me on 040 123 4567."))
    (exported,) = export_subject("anna@example.org", None)["email_replies"]
    assert exported["item"] == item.public_id and "040 123 4567" in exported["text"]
    erase_subject("anna@example.org", None)
    (stored,) = inbound()
    assert "040" not in stored.text and "Anna" not in stored.text


def test_the_workers_poll_the_mailbox_every_minute():
    from workers.schedule import SCHEDULE

    assert ("workers.jobs.poll_inbound_mail", "scheduled", 60) in SCHEDULE


def test_a_mailbox_message_that_cannot_be_stored_is_set_aside(app, imap_server, monkeypatch):
    """A message whose storing fails for a reason other than the database being away stays
    unread in the mailbox, marked, and later polls read past it instead of stopping there."""
    from app.services import inbound_mail

    app.config.update(
        IMAP_HOST=imap_server.host,
        IMAP_PORT=imap_server.port,
        IMAP_USER=imap_server.user,
        IMAP_PASSWORD=imap_server.password,
        IMAP_SSL=False,
    )
    _item, _notice, sent = thanked()
    imap_server.deliver(reply(sent["Reply-To"], "poison", subject="Poison"))
    imap_server.deliver(reply(sent["Reply-To"], "Vieläkin rikki."))
    store = inbound_mail.receive

    def failing_on_poison(raw: bytes):
        if b"Subject: Poison" in raw:
            raise ValueError("a message this code cannot read")
        return store(raw)

    monkeypatch.setattr(inbound_mail, "receive", failing_on_poison)
    first = poll_inbound_mail()
    assert (first.stored, first.failed) == (1, 1)
    assert [message.text for message in inbound()] == ["Vieläkin rikki."]
    assert imap_server.unseen() == 1  # the poison, still there for a person to look at
    imap_server.deliver(reply(sent["Reply-To"], "Ja taas."))
    second = poll_inbound_mail()
    assert (second.stored, second.failed) == (1, 0)
