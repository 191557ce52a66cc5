"""Mail that comes back to civicloop: a citizen's reply to a notice reaches its item, an
automatic reply is recorded but never taken for the citizen's words, and a bounce marks the
address undeliverable so no further notice is sent to it.

Each message is stored once (by its Message-ID), and the sources (the IMAP mailbox, the
``instance/inbox`` folder) let go of it only after that commit, so nothing is lost or stored
twice, whatever stops the poll halfway.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.extensions import db
from app.models import Contact, Feedback, InboundKind, InboundMessage, Notice
from app.models.types import utcnow
from app.services.privacy import redact
from app.services.reply_address import notice_ids_in
from integrations.mailbox import MailboxError, imap_mailbox_from_config

log = logging.getLogger(__name__)

# A reply answers a notice in a few lines; anything longer is cut, not refused.
MAX_REPLY_CHARS = 5000
# Messages taken from the IMAP mailbox per poll: the job stays short; the next takes the rest.
POLL_BATCH = 200

# --- automatic replies (RFC 3834 and the headers common autoresponders set) --------------

_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")
_AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk"}
_AUTO_SUBJECT = re.compile(
    r"out of (the )?office|automatic reply|auto(matic)?[- ]?reply|autosvar|automatisk svar"
    r"|poissa toimistolta|automaattinen vastaus|lomavastaaja|fr[åa]nvarande|frav[æa]rende",
    re.IGNORECASE,
)


def is_automatic(message: Message) -> bool:
    """Whether a program, not the citizen, wrote the message (out of office and the like)."""
    auto_submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if any(message.get(name) is not None for name in _AUTO_HEADERS):
        return True
    if str(message.get("Precedence", "")).strip().lower() in _AUTO_PRECEDENCE:
        return True
    return bool(_AUTO_SUBJECT.search(str(message.get("Subject", ""))))


# --- bounces: RFC 3464 delivery status notifications, and the common non-standard forms --


@dataclass(frozen=True)
class Bounce:
    permanent: bool  # a failure (5.x.x); a delay (4.x.x) is recorded and changes nothing
    recipients: tuple[str, ...]  # the failed addresses, where the report names them
    detail: str  # status and diagnostic, e.g. "5.1.1 smtp; 550 user unknown"


_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered mail|returned mail|delivery (status notification|failure|has failed)"
    r"|mail delivery (failed|failure|subsystem)|failure notice|could not be delivered"
    r"|olevererbar|kan ikke leveres|kunne ikke leveres|ei voitu toimittaa|toimitus epäonnistui",
    re.IGNORECASE,
)
_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")
_SMTP_FAILURE = re.compile(r"\b(5[05]\d)[ -]", re.MULTILINE)
_DELAY_WORDS = re.compile(r"delayed|will (retry|be retried|keep trying)|warning", re.IGNORECASE)


def _address(field: str) -> str:
    """``rfc822; someone@example.org`` → ``someone@example.org``."""
    return field.partition(";")[2].strip().strip("<>").lower() if ";" in field else field.lower()


def _dsn_bounce(report: Message) -> Bounce | None:
    status_parts = [
        part for part in report.walk() if part.get_content_type() == "message/delivery-status"
    ]
    if not status_parts:
        return None
    recipients, details, permanent = [], [], False
    for part in status_parts:
        # The parser gives the report's field groups as messages: one per message, one per
        # recipient.
        payload = part.get_payload()
        # A report the parser could not split into field groups says nothing it can read.
        groups = (
            [group for group in payload if isinstance(group, Message)]
            if isinstance(payload, list)
            else []
        )
        for fields in groups:
            action = str(fields.get("Action", "")).strip().lower()
            status = str(fields.get("Status", "")).strip()
            if not action and not status:
                continue
            if action == "failed" or status.startswith("5"):
                permanent = True
                for name in ("Final-Recipient", "Original-Recipient"):
                    if fields.get(name):
                        recipients.append(_address(str(fields[name])))
            diagnostic = " ".join(str(fields.get("Diagnostic-Code", "")).split())
            details.append(" ".join(filter(None, (status, diagnostic))))
    return Bounce(permanent, tuple(recipients), "; ".join(filter(None, details))[:500])


def _text_of(message: Message) -> str:
    """Every text part, decoded, joined: where a non-standard bounce says what happened."""
    texts = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                texts.append(part.get_content())
            except (LookupError, ValueError):
                texts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    return "\n".join(texts)


def bounce_report(message: Message) -> Bounce | None:
    """The delivery failure ``message`` reports, or None when it is no bounce."""
    if message.get_content_type() == "multipart/report":
        bounce = _dsn_bounce(message)
        if bounce is not None:
            return bounce
    # A bounce comes from the mail system (MAILER-DAEMON, postmaster, or the null sender
    # "<>") and says so in its subject; a citizen's "delivery failure" subject is no bounce,
    # nor is a postmaster writing in person, nor an automatic reply (also sent from "<>").
    subject = str(message.get("Subject", ""))
    daemon = bool(_BOUNCE_SENDER.match(parseaddr(str(message.get("From", "")))[1]))
    null_sender = str(message.get("Return-Path", "")).strip() == "<>"
    says_so = bool(_BOUNCE_SUBJECT.search(subject))
    if not ((daemon or null_sender) and (says_so or (daemon and null_sender))):
        return None
    text = _text_of(message)
    status = _STATUS.search(text)
    smtp = _SMTP_FAILURE.search(text)
    if status:
        permanent, detail = status.group(1) == "5", status.group(0)
    else:
        permanent = not _DELAY_WORDS.search(subject + "\n" + text[:2000])
        detail = smtp.group(1) if smtp else subject
    return Bounce(permanent, (), " ".join(detail.split())[:500])


# --- the citizen's words: the new text above the quoted notice and the signature ---------

_QUOTE_HEADER = re.compile(
    r"^(on|den|le|am|p[åa])\s.*(wrote|skrev|kirjoitti|schrieb|écrit)\b"
    r"|(wrote|skrev|kirjoitti|schrieb|a écrit)\s*:\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^-{2,}\s*(original message|alkuperäinen viesti|ursprungligt meddelande"
    r"|opprinnelig melding|oprindelig meddelelse|forwarded message|välitetty viesti)"
    r"|^_{10,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_HEADER = re.compile(r"^(from|lähettäjä|från|fra|von)\s*:\s", re.IGNORECASE)
_SIGNATURE = re.compile(
    r"^--\s*$|^(sent from|lähetetty|skickat från|sendt fra|get outlook for)\b", re.IGNORECASE
)


class _HtmlText(HTMLParser):
    """The visible text of an HTML body, without the quoted part mail clients put in
    <blockquote> (and Gmail in its "gmail_quote" block)."""

    _BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0  # depth inside quotes, scripts and styles

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if self._hidden or tag in ("blockquote", "script", "style") or "quote" in classes:
            if tag not in ("br", "img", "hr", "meta", "input"):
                self._hidden += 1
            return
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            self._hidden -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def strip_quotes(text: str) -> str:
    """The lines the citizen wrote: up to the quoted notice's header ("On … wrote:"), an
    Outlook header block or a signature, without ">" quoted lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        joined = stripped + " " + (lines[index + 1].strip() if index + 1 < len(lines) else "")
        if _SEPARATOR.match(stripped) or _SIGNATURE.match(line.rstrip("\n")):
            break
        if _QUOTE_HEADER.search(stripped) or (
            stripped and _QUOTE_HEADER.search(joined) and joined.rstrip().endswith(":")
        ):
            break
        if _OUTLOOK_HEADER.match(stripped) and (not kept or not kept[-1].strip()):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    words = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", words)[:MAX_REPLY_CHARS]


def citizen_words(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):
        content = (body.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if body.get_content_subtype() == "html":
        content = _html_text(content)
    return strip_quotes(content)


# --- finding the item ----------------------------------------------------------------------

_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


def _notice(notice_ids: Iterable[int]) -> Notice | None:
    for notice_id in notice_ids:
        notice = db.session.get(Notice, notice_id)
        if notice is not None:
            return notice
    return None


def _threaded_notice(message: Message) -> Notice | None:
    """The notice this message answers by its In-Reply-To or References, when the sender
    is the address it was sent to: a notice's Message-ID alone is no secret."""
    thread = f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
    ids = re.findall(r"<[^<>\s]+>", thread)
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    if not ids or not sender:
        return None
    return db.session.scalars(
        select(Notice)
        .join(Feedback, Notice.feedback_id == Feedback.id)
        .join(Contact, Feedback.contact_id == Contact.id)
        .where(Notice.message_id.in_(ids[-20:]), func.lower(Contact.email) == sender)
        .order_by(Notice.id.desc())
        .limit(1)
    ).first()


def answered_notice(message: Message) -> Notice | None:
    """The notice a reply answers: by the token in the address it was sent to, else by
    its thread."""
    values = [str(value) for name in _RECIPIENT_HEADERS for value in message.get_all(name, [])]
    addresses = " ".join(address for _, address in getaddresses(values))
    return _notice(notice_ids_in(addresses)) or _threaded_notice(message)


def _message_key(message: Message, raw: bytes) -> str:
    message_id = " ".join(str(message.get("Message-ID", "")).split())
    return message_id[:300] if message_id else f"sha256:{hashlib.sha256(raw).hexdigest()}"


# --- storing -------------------------------------------------------------------------------


def _mark_undeliverable(notice: Notice, bounce: Bounce) -> None:
    contact = notice.feedback.contact
    if contact is None or not contact.email or contact.undeliverable_at is not None:
        return
    # A report about another address (a forward, a second recipient) says nothing of this one.
    if bounce.recipients and contact.email.lower() not in bounce.recipients:
        return
    contact.undeliverable_at = utcnow()
    contact.undeliverable_reason = redact(bounce.detail)[:500] or "bounced"


def _classify(message: EmailMessage, raw: bytes) -> InboundMessage:
    bounce = bounce_report(message)
    if bounce is not None:
        # The returned notice carries its Reply-To token; its Message-ID alone is guessable.
        text = raw.decode("utf-8", "replace") + "\n" + _text_of(message)
        notice = _notice(notice_ids_in(text))
        if notice is None:
            return InboundMessage(kind=InboundKind.IGNORED)
        if bounce.permanent:
            _mark_undeliverable(notice, bounce)
        # The diagnostic usually repeats the address: it is kept without it.
        detail = redact(bounce.detail)[:500] or None
        return InboundMessage(kind=InboundKind.BOUNCE, notice=notice, detail=detail)
    notice = answered_notice(message)
    if notice is None:
        return InboundMessage(kind=InboundKind.IGNORED)
    if is_automatic(message):
        return InboundMessage(kind=InboundKind.AUTO_REPLY, notice=notice)
    words = citizen_words(message)
    contact = notice.feedback.contact
    names = [contact.name] if contact is not None and contact.name else []
    sender_name = parseaddr(str(message.get("From", "")))[0].strip()
    if sender_name:
        names.append(sender_name)
    return InboundMessage(
        kind=InboundKind.REPLY, notice=notice, text=words, redacted_text=redact(words, names)
    )


def receive(raw: bytes) -> InboundMessage | None:
    """Store one message read from the reply mailbox and commit; None when it was stored
    before (the same Message-ID), so a message read twice is stored once."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    key = _message_key(message, raw)
    if db.session.scalar(select(InboundMessage.id).where(InboundMessage.message_id == key)):
        return None
    inbound = _classify(message, raw)
    inbound.message_id = key
    if inbound.notice is not None:
        inbound.feedback_id = inbound.notice.feedback_id
    db.session.add(inbound)
    try:
        db.session.commit()
    except IntegrityError:  # another poller stored it a moment ago
        db.session.rollback()
        return None
    log.info("inbound mail %s: %s for item %s", inbound.id, inbound.kind, inbound.feedback_id)
    return inbound


# --- the sources ---------------------------------------------------------------------------


@dataclass
class PollReport:
    stored: int = 0
    duplicates: int = 0
    failed: int = 0


def _count(report: PollReport, inbound: InboundMessage | None) -> None:
    if inbound is None:
        report.duplicates += 1
    else:
        report.stored += 1


def read_inbox_folder(folder: Path, report: PollReport) -> None:
    """The ``.eml`` files dropped into ``folder`` (an embedded install's mailbox): each moves
    to ``done/`` once stored, or to ``failed/`` when it cannot be read."""
    for path in sorted(folder.glob("*.eml")):
        try:
            inbound = receive(path.read_bytes())
        except OperationalError:
            db.session.rollback()
            raise  # the database is away: the file stays for the next poll
        except Exception:  # noqa: BLE001  (one unreadable file must not stop the rest)
            db.session.rollback()
            log.exception("inbound mail %s could not be stored", path.name)
            _move(path, folder / "failed")
            report.failed += 1
            continue
        _count(report, inbound)
        _move(path, folder / "done")


def _move(path: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path.replace(folder / path.name)


def read_imap_mailbox(report: PollReport) -> None:
    """The unseen messages of the IMAP folder: each is flagged seen only after it is stored.
    While the database or the mailbox is away nothing is flagged and the next poll tries
    again; a message that cannot be stored for another reason stays unseen, set aside with
    a keyword that later polls pass over."""
    with imap_mailbox_from_config(current_app.config) as mailbox:
        for uid in mailbox.unseen()[:POLL_BATCH]:
            try:
                inbound = receive(mailbox.fetch(uid))
            except (OperationalError, MailboxError):
                db.session.rollback()
                raise  # the database or the mailbox is away: the next poll goes on
            except Exception:  # noqa: BLE001
                db.session.rollback()
                log.exception("inbound mail uid %s could not be stored", uid)
                mailbox.mark_failed(uid)
                report.failed += 1
                continue
            _count(report, inbound)
            mailbox.mark_done(uid)


def poll_inbound_mail() -> PollReport:
    """Read the reply mailbox (IMAP, when IMAP_HOST is set) and the inbox folder."""
    report = PollReport()
    config = current_app.config
    read_inbox_folder(Path(config["INBOX_DIR"]), report)
    if config.get("IMAP_HOST"):
        read_imap_mailbox(report)
    return report
