"""Mail as it comes back to the reply mailbox: citizens' replies, automatic replies and
bounces, built the way common mail clients and servers write them."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from app.models import Feedback
from tests.support.factories import consenting, submitted


def reply(
    to: str,
    text: str,
    *,
    sender: str = "anna@example.org",
    in_reply_to: str | None = None,
    subject: str = "Re: Thank you for your feedback",
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Anna Virtanen <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.org")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return bytes(message)


def submitted_by_anna(text: str, channel: str = "api") -> Feedback:
    """An item about the daycare application from a citizen who gave her e-mail address
    and her consent, in Finnish: she is sent its notices, and may answer them."""
    return submitted(
        text,
        "daycare-application",
        channel=channel,
        language="fi",
        contact=consenting("anna@example.org", "fi"),
    )


_DSN = """\
From: MAIL-DAEMON <MAILER-DAEMON@mx.example.org>
To: civicloop@example.org
Subject: Undelivered Mail Returned to Sender
Message-ID: <{message_id}@mx.example.org>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"

--B0UND
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org.

I'm sorry to have to inform you that your message could not be delivered.

--B0UND
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
Arrival-Date: Wed, 2 Dec 2026 09:00:00 +0000

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--B0UND
Content-Type: message/rfc822

{original}
--B0UND--
"""


def dsn(
    original: bytes,
    recipient: str = "anna@example.org",
    *,
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = "550 5.1.1 <anna@example.org>: Recipient address rejected: User unknown",
) -> bytes:
    """An RFC 3464 delivery status notification returning ``original``, as Postfix writes
    one."""
    return _DSN.format(
        message_id=make_msgid().strip("<>").partition("@")[0],
        recipient=recipient,
        action=action,
        status=status,
        diagnostic=diagnostic,
        original=original.decode("utf-8", "replace").replace("\r\n", "\n"),
    ).encode()


def plain_bounce(original: bytes, subject: str = "failure notice") -> bytes:
    """A non-standard bounce (qmail's "failure notice"): prose, then the returned message."""
    message = EmailMessage()
    message["From"] = "MAILER-DAEMON@mail.example.net"
    message["To"] = "civicloop@example.org"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mail.example.net")
    message.set_content(
        "Hi. This is the qmail-send program at mail.example.net.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<anna@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
        "--- Below this line is a copy of the message.\n\n" + original.decode("utf-8", "replace")
    )
    return bytes(message)
