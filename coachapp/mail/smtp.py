"""Talking to the mail server named by SMTP_URL, with the standard library's smtplib.

`smtp://[user:password@]host[:port]` upgrades to TLS with STARTTLS when the server offers it
(and refuses to send credentials when it does not); `smtps://…` speaks TLS from the start.
Every failure is classified: temporary (a 4xx answer, no answer, a broken connection: tried
again later) or permanent (a 5xx answer for this message: sending it again will not help).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": 25, "smtps": 465}


class SmtpUrlInvalid(ValueError):
    """SMTP_URL cannot be used."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    username: str = ""
    password: str = ""

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"SmtpServer({self.host!r}, {self.port}, implicit_tls={self.implicit_tls})"


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES:
        raise SmtpUrlInvalid("SMTP_URL must start with smtp:// or smtps://")
    try:
        port = parts.port or SCHEMES[parts.scheme]
    except ValueError as exc:
        raise SmtpUrlInvalid("SMTP_URL has a port that is not a number from 1 to 65535") from exc
    if not parts.hostname:
        raise SmtpUrlInvalid("SMTP_URL names no host, e.g. smtp://mail.internal:587")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SmtpUrlInvalid("SMTP_URL is smtp://[user:password@]host[:port] and nothing more")
    return SmtpServer(
        host=parts.hostname,
        port=port,
        implicit_tls=parts.scheme == "smtps",
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


class MailFailure(Exception):
    """Sending failed; `temporary` says whether a later try may succeed. `connection`: the
    connection is unusable (open a new one for the next message)."""

    def __init__(self, message: str, *, temporary: bool, connection: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.connection = connection


def _answer(code: int, text: Any) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {' '.join(str(text).split())}"[:500]


def classify(exc: Exception) -> MailFailure:
    """What a failure from smtplib (or the network under it) means for this message."""
    if isinstance(exc, MailFailure):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = list(exc.recipients.values())
        temporary = bool(answers) and all(400 <= code < 500 for code, _ in answers)
        text = "; ".join(_answer(code, message) for code, message in answers)
        return MailFailure(f"recipient refused: {text}", temporary=temporary)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # An address in UTF-8 to a server without SMTPUTF8: the same server refuses it again.
        return MailFailure(f"the mail server cannot take this message: {exc}", temporary=False)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailFailure(f"the mail server hung up: {exc}", temporary=True, connection=True)
    if isinstance(exc, smtplib.SMTPResponseException):
        temporary = 400 <= exc.smtp_code < 500
        return MailFailure(_answer(exc.smtp_code, exc.smtp_error), temporary=temporary)
    if isinstance(exc, OSError | smtplib.SMTPException):  # refused, timed out, TLS, no answer
        text = f"{type(exc).__name__}: {exc}"[:500]
        return MailFailure(text, temporary=True, connection=True)
    raise exc


class SmtpConnection:
    """One connection to the mail server, opened on the first message and kept for the batch."""

    def __init__(self, server: SmtpServer, timeout: float) -> None:
        self.server = server
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        server = self.server
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        try:
            if server.implicit_tls:
                smtp = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=self.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                elif server.username:
                    smtp.close()
                    raise MailFailure(
                        "the mail server offers no STARTTLS: the credentials in SMTP_URL are "
                        "not sent in clear (use smtps:// or a server with STARTTLS)",
                        temporary=True,
                        connection=True,
                    )
            if server.username:
                smtp.login(server.username, server.password)
        except MailFailure:
            raise
        except Exception as exc:
            failure = classify(exc)
            # Whatever the server answered while we connected, the batch cannot go on.
            raise MailFailure(
                f"cannot connect to the mail server: {failure}", temporary=True, connection=True
            ) from exc
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._open()
        try:
            self._smtp.send_message(message)
        except Exception as exc:
            failure = classify(exc)
            if failure.connection:
                self.close()
            else:
                self._reset()
            raise failure from exc

    def _reset(self) -> None:
        """After a refused message the server may be mid-transaction: start afresh."""
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
