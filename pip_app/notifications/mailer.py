"""Sending over SMTP with the standard library (smtplib + email): one connection per batch,
STARTTLS or implicit TLS, and every failure sorted into "try again later" or "refused for good".

Why the standard library and not Flask-Mail or Flask-Mailman: the sender runs from a command,
never inside a request, so nothing of Flask is needed; `email.message.EmailMessage` composes
multipart text/HTML with a text/calendar part directly; smtplib speaks SMTPUTF8 for
internationalised addresses; and its exceptions carry the server's reply code, which is what
deciding between a retry and a permanent failure needs. No dependency to pin or keep up with.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from typing import Any

ERROR_LIMIT = 500  # characters of a server's reply kept as the row's last error


@dataclass(frozen=True)
class MailSettings:
    """The PIP_MAIL_* settings and PIP_BASE_URL."""

    server: str | None
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    use_ssl: bool
    sender: str
    timeout: float
    base_url: str | None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        return cls(
            server=config.get("MAIL_SERVER") or None,
            port=int(config.get("MAIL_PORT") or (465 if config.get("MAIL_USE_SSL") else 25)),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            sender=str(config.get("MAIL_FROM") or "Improvement plans <no-reply@localhost>"),
            timeout=float(config.get("MAIL_TIMEOUT") or 30),
            base_url=(str(config["BASE_URL"]).rstrip("/") if config.get("BASE_URL") else None),
        )

    @property
    def configured(self) -> bool:
        return bool(self.server)

    def problems(self) -> list[str]:
        """Settings that cannot work together (the command refuses to send with them)."""
        found = []
        if self.use_tls and self.use_ssl:
            found.append("Set PIP_MAIL_USE_TLS (STARTTLS) or PIP_MAIL_USE_SSL (SMTPS), not both.")
        if not self.base_url:
            found.append("Set PIP_BASE_URL to the address people open the app at: every email links to it.")
        if bool(self.username) != bool(self.password):
            found.append("Set both PIP_MAIL_USERNAME and PIP_MAIL_PASSWORD, or neither.")
        return found


class SendFailed(Exception):
    """A message was not accepted. `permanent`: the server refused it for good (5xx, or it
    cannot carry an internationalised address); otherwise it is tried again later."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message[:ERROR_LIMIT])
        self.permanent = permanent


def describe(error: BaseException) -> str:
    """The failure in one line, as an administrator reads it on /admin/outbox."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        return f"Recipient refused: {code} {_text(reply)}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__}: {error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "The mail server did not answer in time."
    if isinstance(error, ConnectionRefusedError):
        return "The mail server refused the connection (is it running?)."
    return f"{type(error).__name__}: {error}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def is_permanent(error: BaseException) -> bool:
    """Refused for good: a 5xx reply to this message, or an address the server cannot carry."""
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return error.smtp_code >= 500
    return False


class Connection:
    """An open SMTP session: `send(message)` raises SendFailed; the session closes on exit."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        s = self.settings
        try:
            if s.use_ssl:
                self.smtp = smtplib.SMTP_SSL(
                    s.server or "", s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                self.smtp = smtplib.SMTP(s.server or "", s.port, timeout=s.timeout)
            self.smtp.ehlo()
            if s.use_tls:
                self.smtp.starttls(context=ssl.create_default_context())
                self.smtp.ehlo()
            if s.username and s.password:
                self.smtp.login(s.username, s.password)
        except (OSError, smtplib.SMTPException) as error:
            self._close()
            raise SendFailed(describe(error), permanent=False) from error
        return self

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            raise SendFailed("Not connected to the mail server.", permanent=False)
        try:
            refused = self.smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise SendFailed(describe(error), permanent=is_permanent(error)) from error
        if refused:  # with one recipient, a refusal raises above; kept for completeness
            raise SendFailed(f"Recipient refused: {refused}", permanent=True)

    @property
    def broken(self) -> bool:
        """The server hung up or stopped answering: the rest of the batch waits for the next run."""
        if self.smtp is None:
            return True
        try:
            return self.smtp.noop()[0] != 250
        except (OSError, smtplib.SMTPException):
            return True

    def _close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._close()
