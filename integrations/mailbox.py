"""Incoming mail behind a small interface: an IMAP folder read with the standard imaplib."""

from __future__ import annotations

import contextlib
import imaplib
import ssl
from types import TracebackType

# An IMAP keyword (a user-defined flag) on messages that could not be stored.
FAILED_KEYWORD = "$CivicloopFailed"


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class MailboxError(Exception):
    """The mailbox could not be reached or read; the next poll tries again."""


class ImapMailbox:
    """One session with a folder: the unseen messages' UIDs, each message's bytes (read
    without setting \\Seen), and a flag once the caller has stored it."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str,
        password: str,
        *,
        use_ssl: bool = True,
        folder: str = "INBOX",
        done_folder: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.use_ssl, self.folder, self.timeout = use_ssl, folder, timeout
        self.done_folder = done_folder
        self._capabilities: set[str] = set()
        self._imap: imaplib.IMAP4 | None = None

    def __enter__(self) -> ImapMailbox:
        try:
            if self.use_ssl:
                context = ssl.create_default_context()
                imap = imaplib.IMAP4_SSL(
                    self.host, self.port, ssl_context=context, timeout=self.timeout
                )
            else:
                imap = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
            self._imap = imap
            imap.login(self.user, self.password)
            # Servers tell more after the login than before it (MOVE among them).
            answer = self._check(imap.capability(), "capability")
            self._capabilities = set(answer[0].decode().upper().split()) if answer else set()
            if self.done_folder:  # made once; "already exists" afterwards is fine
                imap.create(_quoted(self.done_folder))
            self._check(imap.select(_quoted(self.folder)), "select")
        except (OSError, imaplib.IMAP4.error) as error:
            self._logout()
            raise MailboxError(f"IMAP {self.host}:{self.port}: {error}") from error
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._logout()

    def _logout(self) -> None:
        if self._imap is None:
            return
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            self._imap.logout()
        self._imap = None

    @staticmethod
    def _check(answer: tuple[str, list], what: str) -> list:
        status, data = answer
        if status != "OK":
            raise imaplib.IMAP4.error(f"{what}: {status} {data!r}")
        return data

    def _call(self, what: str, *args: str) -> list:
        if self._imap is None:
            raise MailboxError("the mailbox is not open")
        try:
            return self._check(self._imap.uid(what, *args), what)
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(f"IMAP {self.host}:{self.port} {what}: {error}") from error

    def unseen(self) -> list[str]:
        """The UIDs of the messages still to read: unseen, and not set aside as failed."""
        data = self._call("SEARCH", "UNSEEN", "UNKEYWORD", FAILED_KEYWORD)
        return data[0].decode().split() if data and data[0] else []

    def fetch(self, uid: str) -> bytes:
        """The whole message; BODY.PEEK leaves it unseen until ``mark_done``."""
        for part in self._call("FETCH", uid, "(BODY.PEEK[])"):
            if isinstance(part, tuple):
                return part[1]
        raise MailboxError(f"IMAP message {uid} has no body")

    def mark_failed(self, uid: str) -> None:
        """Set a message aside that could not be stored: it stays unseen in the mailbox for
        a person to look at, and later polls pass over it instead of failing on it again."""
        self._call("STORE", uid, "+FLAGS.SILENT", f"({FAILED_KEYWORD})")

    def mark_done(self, uid: str) -> None:
        """Flag the message seen and, with a done folder, move it there (RFC 6851 MOVE, or
        copy, delete and expunge where the server lacks it)."""
        self._call("STORE", uid, "+FLAGS.SILENT", "(\\Seen)")
        if not self.done_folder:
            return
        if "MOVE" in self._capabilities:
            self._call("MOVE", uid, _quoted(self.done_folder))
            return
        self._call("COPY", uid, _quoted(self.done_folder))
        self._call("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)")
        try:
            self._check(self._imap.expunge(), "expunge")
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(f"IMAP {self.host}:{self.port} EXPUNGE: {error}") from error


def imap_mailbox_from_config(config: dict) -> ImapMailbox:
    return ImapMailbox(
        config["IMAP_HOST"],
        int(config.get("IMAP_PORT") or (993 if config.get("IMAP_SSL", True) else 143)),
        config.get("IMAP_USER") or "",
        config.get("IMAP_PASSWORD") or "",
        use_ssl=bool(config.get("IMAP_SSL", True)),
        folder=config.get("IMAP_FOLDER") or "INBOX",
        done_folder=config.get("IMAP_DONE_FOLDER") or None,
        timeout=float(config.get("IMAP_TIMEOUT") or 30),
    )
