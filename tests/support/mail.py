"""A real SMTP server (aiosmtpd) on localhost that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.peers: list[object] = []  # the client's address of each message: its connection
        self.lock = threading.Lock()
        self.stalled = threading.Event()
        self.waiting = 0  # sessions held at MAIL FROM while stalled

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        # A stalled server holds the sender before any content is sent, so a client killed
        # meanwhile has delivered nothing.
        if self.stalled.is_set():
            self.waiting += 1
            while self.stalled.is_set():
                await asyncio.sleep(0.05)
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.peers.append(session.peer)
        return "250 OK"


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self._collector = _Collector()
        self._port = port or free_port()
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self._port)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return self._port

    def stall(self) -> None:
        """Hold every new sender at MAIL FROM until ``resume``."""
        self._collector.stalled.set()

    def resume(self) -> None:
        self._collector.stalled.clear()

    @property
    def waiting(self) -> int:
        return self._collector.waiting

    @property
    def messages(self) -> list[EmailMessage]:
        with self._collector.lock:
            return list(self._collector.messages)

    @property
    def connections(self) -> int:
        """How many connections the messages came over."""
        with self._collector.lock:
            return len(set(self._collector.peers))

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")
