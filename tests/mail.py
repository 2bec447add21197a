"""A real SMTP server for tests (aiosmtpd on loopback) that records what it accepts."""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from app.settings import Settings

PORTS = range(8450, 8500)  # this project's test SMTP ports


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return self.envelope_to[0]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


class RecordingHandler:
    """Accepts mail, except addresses told to refuse (`refuse`) and `temporary_failures`
    RCPTs answered 451 first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.received: list[Received] = []
            self.refuse: dict[str, str] = {}
            self.temporary_failures = 0
            self.rcpt_attempts = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_attempts += 1
            if address in self.refuse:
                return self.refuse[address]
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if r.to == address]

    @property
    def recipients(self) -> list[str]:
        return sorted(r.to for r in self.received)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for the test SMTP server in 8450-8499")


class SmtpServer:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


PUBLIC_URL = "https://orders.example.com"


# A test module that sends e-mail imports this fixture (`from tests.mail import smtp_settings`): its
# `settings` then replaces conftest's with one pointing at the test server (`smtp_server`, in conftest).
@pytest.fixture(name="settings")
def smtp_settings(database_url: str, smtp_server: SmtpServer) -> Settings:
    return Settings(
        database_url=database_url,
        PROVIDER_ORDERS_ENV="test",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        public_url=PUBLIC_URL,
        mail_from="Demo Portal <orders@portal.example>",
        comment_digest_seconds=300,
        mail_retry_seconds=60,
        mail_max_attempts=3,
        smtp_timeout_seconds=5,
        mail_poll_seconds=0.05,
    )
