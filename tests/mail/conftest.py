"""A real SMTP server (aiosmtpd) on a loopback port, started once per test session, and an
app that sends to it: SMTP_URL set for the test that asks for `inbox`."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

LINK = re.compile(r"https://localhost/\S+")


class Inbox:
    """What the SMTP server received; `refuse_with` makes it answer DATA with that reply."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []
        self.refuse_with: str | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_with:
            return self.refuse_with
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
        self.refuse_with = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def link_in(self, message: EmailMessage) -> str:
        """The one link of the plain-text body, as a path the test client opens."""
        part = message.get_body(("plain",))
        assert part is not None
        links = LINK.findall(part.get_content())
        assert len(links) == 1, links
        path: str = links[0].removeprefix("https://localhost")
        return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def inbox(app: Flask, smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch) -> Inbox:
    """The app sends mail to the session's SMTP server for this test; nothing received yet."""
    smtp_server.clear()
    monkeypatch.setitem(app.config, "SMTP_URL", smtp_server.url)
    monkeypatch.setitem(app.config, "MAIL_FROM", "Coachapp <coachapp@example.com>")
    return smtp_server
