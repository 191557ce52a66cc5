"""Outgoing mail behind a small interface: SMTP, or .eml files when no server is configured."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol


class MailError(Exception):
    """The message was not accepted; the caller retries later."""


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str | None = None
    language: str | None = None
    message_id: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


class Mailer(Protocol):
    def send(self, message: Message) -> str:
        """Send the message; returns its Message-ID or raises MailError."""

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """Within it, sends may share one connection (a batch of notices)."""


def build_email(message: Message, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message.message_id or make_msgid(domain=sender.rpartition("@")[2])
    for name, value in message.headers:
        email[name] = value
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    if message.language:  # after set_content, which drops Content-* headers
        email["Content-Language"] = message.language
    return email


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout

        self._batched = False
        self._connection: smtplib.SMTP | None = None  # kept open within batch()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Keep one connection for the sends within: connecting and greeting cost more than
        sending a notice. A failed send closes it; the next send connects again."""
        self._batched = True
        try:
            yield
        finally:
            self._batched = False
            self._close(self._connection)

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _close(self, smtp: smtplib.SMTP | None) -> None:
        if smtp is None:
            return
        if smtp is self._connection:
            self._connection = None
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
        smtp.close()

    def send(self, message: Message) -> str:
        email = build_email(message, self.sender)
        smtp = None
        try:
            smtp = self._connection or self._connect()
            smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as error:
            self._close(smtp)
            raise MailError(f"SMTP {self.host}:{self.port}: {error}") from error
        if self._batched:
            self._connection = smtp
        else:
            self._close(smtp)
        return email["Message-ID"]


class FileMailer:
    """Writes each message as an .eml file: the embedded default, and easy to inspect."""

    def __init__(self, directory: str | Path, sender: str) -> None:
        self.directory = Path(directory)
        self.sender = sender

    def batch(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def send(self, message: Message) -> str:
        email = build_email(message, self.sender)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = email["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
            path = self.directory / f"{name}.eml"
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(bytes(email))
            tmp.replace(path)  # a reader never sees half a message
        except OSError as error:
            raise MailError(f"outbox {self.directory}: {error}") from error
        return email["Message-ID"]


def mailer_from_config(config: dict) -> Mailer:
    if config.get("SMTP_HOST"):
        return SmtpMailer(
            config["SMTP_HOST"],
            int(config.get("SMTP_PORT") or 25),
            config["MAIL_FROM"],
            user=config.get("SMTP_USER"),
            password=config.get("SMTP_PASSWORD"),
            starttls=bool(config.get("SMTP_STARTTLS")),
            timeout=float(config.get("SMTP_TIMEOUT") or 10),
        )
    return FileMailer(config["OUTBOX_DIR"], config["MAIL_FROM"])
