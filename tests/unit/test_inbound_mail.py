"""Reading mail that comes back: reply tokens, automatic replies, bounces and the citizen's
own words without the quoted notice and the signature."""

from __future__ import annotations

import email
import email.policy

import pytest
from flask import Flask

from app.services.inbound_mail import bounce_report, citizen_words, is_automatic, strip_quotes
from app.services.reply_address import notice_ids_in, notice_token, reply_address, token_notice_id
from tests.support.inbound import dsn, plain_bounce, reply


@pytest.fixture
def context():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="unit-secret", MAIL_FROM="civicloop@city.example")
    with app.app_context():
        yield app


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


# -- the reply address ------------------------------------------------------------------------


def test_a_token_names_its_notice_and_tells_nothing_else(context):
    tokens = [notice_token(number) for number in (1, 2, 3, 10**9)]
    assert [token_notice_id(token) for token in tokens] == [1, 2, 3, 10**9]
    assert all(len(token) == 26 and token == token.lower() for token in tokens)
    # Neighbouring ids give unrelated tokens: no count of notices can be read off them.
    assert len({token[:8] for token in tokens}) == 4
    assert token_notice_id(tokens[0].upper()) == 1  # a mail system may fold the case


def test_a_forged_or_foreign_token_names_nothing(context):
    token = notice_token(42)
    flipped = token[:5] + ("a" if token[5] != "a" else "b") + token[6:]
    assert token_notice_id(flipped) is None
    assert token_notice_id("a" * 26) is None
    assert token_notice_id("not base32 at all!") is None
    context.config["SECRET_KEY"] = "another installation"
    assert token_notice_id(token) is None


def test_the_reply_address_is_the_mailbox_with_the_token(context):
    assert reply_address(7) == f"civicloop+{notice_token(7)}@city.example"
    context.config["MAIL_REPLY_ADDRESS"] = "palaute@city.example"
    address = reply_address(7)
    assert address.startswith("palaute+") and address.endswith("@city.example")
    assert notice_ids_in(f"To: Civicloop <{address}>, other+{'b' * 26}@x.example") == [7]


# -- automatic replies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "Out of office"},
        {"Precedence": "auto_reply"},
        {"Precedence": "bulk"},
        {"Subject": "Out of Office: Thank you for your feedback"},
        {"Subject": "Automatisk svar: Tack för din respons"},
        {"Subject": "Poissa toimistolta: Kiitos palautteestasi"},
        {"Subject": "Fraværende: Takk for tilbakemeldingen din"},
        {"Subject": "Automatic reply: Thank you"},
    ],
)
def test_automatic_replies_are_recognised(headers):
    subject = headers.pop("Subject", "Re: Thank you for your feedback")
    assert is_automatic(parsed(reply("x@y", "I am away.", subject=subject, headers=headers)))


def test_a_citizen_writing_is_no_automatic_reply():
    message = parsed(reply("x@y", "Still broken.", headers={"Auto-Submitted": "no"}))
    assert not is_automatic(message)


# -- bounces ----------------------------------------------------------------------------------


def test_an_rfc3464_failure_is_a_permanent_bounce_for_its_recipient():
    bounce = bounce_report(parsed(dsn(reply("anna@example.org", "Hello"))))
    assert bounce.permanent and bounce.recipients[0] == "anna@example.org"
    assert bounce.detail.startswith("5.1.1 smtp; 550 5.1.1")


def test_a_delay_report_is_no_permanent_bounce():
    raw = dsn(reply("a@b", "x"), action="delayed", status="4.4.7", diagnostic="451 try again")
    bounce = bounce_report(parsed(raw))
    assert bounce is not None and not bounce.permanent and bounce.recipients == ()


@pytest.mark.parametrize(
    "subject", ["failure notice", "Undeliverable: Thank you", "Mail delivery failed"]
)
def test_non_standard_bounces_are_recognised(subject):
    bounce = bounce_report(parsed(plain_bounce(reply("a@b", "x"), subject=subject)))
    assert bounce is not None and bounce.permanent and bounce.detail == "5.1.1"


def test_a_reply_is_no_bounce():
    assert bounce_report(parsed(reply("x@y", "The form fails on step 3."))) is None
    # Not even one about a failed delivery: it does not come from the mail system.
    about = reply("x@y", "My parcel never came.", subject="Re: Delivery failure, 5.1.1")
    assert bounce_report(parsed(about)) is None
    away = reply("x@y", "Away.", subject="Out of office", headers={"Return-Path": "<>"})
    assert bounce_report(parsed(away)) is None


# -- the citizen's words ----------------------------------------------------------------------

SENDER = "Civicloop <civicloop@city.example>"
QUOTED = [
    f"Still broken.\n\nOn Wed, 2 Dec 2026 at 10:00, {SENDER} wrote:\n> Thank you",
    "Still broken.\n\nOn Wed, 2 Dec 2026 at 10:00, Civicloop <\ncivicloop@city.example> wrote:",
    f"Still broken.\n\nke 2.12.2026 klo 10.00 {SENDER} kirjoitti:\n> Kiitos",
    f"Still broken.\n\nDen ons 2 dec. 2026 kl 10:00 skrev {SENDER}:\n> Tack",
    "Still broken.\n\n-----Original Message-----\nFrom: Civicloop\nSent: today",
    f"Still broken.\n\n________________________________\nFrom: {SENDER}",
    f"Still broken.\n\nFrom: {SENDER}\nSent: Wednesday\nTo: Anna",
    "Still broken.\n-- \nAnna Virtanen\nHelsinki",
    "Still broken.\n\nSent from my iPhone",
    "Still broken.\n\nLähetetty iPhonesta",
    "> Thank you for your feedback\nStill broken.",
]


@pytest.mark.parametrize("text", QUOTED)
def test_quotes_and_signatures_are_left_out(text):
    assert strip_quotes(text) == "Still broken."


def test_an_html_only_reply_loses_its_quoted_block():
    message = email.message.EmailMessage()
    message["Subject"] = "Re: x"
    message.set_content(
        '<div dir="ltr">Still <b>broken</b>.<br>Anna</div><div class="gmail_quote">'
        "<div>On Wed … wrote:</div><blockquote>Thank you for your feedback</blockquote></div>",
        subtype="html",
    )
    assert citizen_words(parsed(bytes(message))) == "Still broken.\nAnna"


def test_an_unreadable_report_is_no_permanent_bounce():
    raw = (
        b"From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nsorry\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n"
        b"\r\nQWN0aW9uOiBmYWlsZWQKU3RhdHVzOiA1LjEuMQo=\r\n--B--\r\n"
    )
    bounce = bounce_report(parsed(raw))
    assert bounce is not None and not bounce.permanent
