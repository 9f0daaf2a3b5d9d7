"""A real SMTP server for tests: aiosmtpd on a free loopback port, keeping what arrives as parsed
messages (email.policy.default), and able to refuse, stall or stop like a real one."""

from __future__ import annotations

import asyncio
import email
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """The handler: what arrived, and how to misbehave (refuse a recipient, stall)."""

    received: list[Received] = field(default_factory=list)
    refuse_with: str | None = None  # e.g. "550 5.1.1 No such mailbox" or "451 4.3.0 Try later"
    stall_seconds: float = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.stall_seconds:
            await asyncio.sleep(self.stall_seconds)
        raw = envelope.original_content or envelope.content
        if envelope.smtp_utf8:  # RFC 6532: headers are UTF-8, as a mail client reading it decodes them
            message = email.message_from_string(raw.decode("utf-8"), policy=default)
        else:
            message = email.message_from_bytes(raw, policy=default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class MailServer:
    """Start and stop; `inbox.received` holds what arrived."""

    def __init__(self, *, smtputf8: bool = True):
        self.inbox = Inbox()
        self.port = free_port()
        self.smtputf8 = smtputf8
        self.controller: Controller | None = None

    def start(self) -> MailServer:
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=self.smtputf8, decode_data=False
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def take(self) -> list[Received]:
        taken, self.inbox.received[:] = list(self.inbox.received), []
        return taken
