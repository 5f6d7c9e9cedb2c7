"""The outgoing mail queue: written by requests (and later by nudges), sent by the worker.

A request never talks to the mail server: it adds a row (`enqueue`) in its own transaction,
and the worker's mail step (`send_due`) sends it. Like the push outbox
(coachapp.nudges.delivery), a worker claims due messages with a lease in one statement
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite runs one writer at a time), commits, sends
with no transaction open, and records each outcome fenced by its claim's token, so two
workers never send one message at once and a worker that outlived its lease cannot overwrite
the next one's record. A worker that dies between sending and recording leaves the message
to be sent again once the lease lapses: at least once at that boundary, never twice
otherwise. A temporary failure is tried again with backoff, a permanent one is recorded and
given up, as is a message out of attempts.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.mail.smtp import MailFailure, SmtpConnection, parse_smtp_url
from coachapp.models import MailMessage, MailStatus

log = logging.getLogger("coachapp.mail")

SUBJECT_LIMIT = 200
ERROR_LIMIT = 500


@dataclass(frozen=True)
class MailSettings:
    url: str
    mail_from: str
    timeout: float = 20.0
    batch_size: int = 50
    lease_seconds: float = 300.0
    max_attempts: int = 8
    backoff_base: float = 60.0
    backoff_cap: float = 3600.0
    # A round stops claiming more after sending this long; the rest goes in the next round.
    round_seconds: float = 60.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        return cls(
            url=config.get("SMTP_URL") or "",
            mail_from=config.get("MAIL_FROM") or "Coachapp <coachapp@localhost>",
            timeout=float(config.get("MAIL_TIMEOUT_SECONDS", cls.timeout)),
            batch_size=int(config.get("MAIL_BATCH_SIZE", cls.batch_size)),
            lease_seconds=float(config.get("MAIL_LEASE_SECONDS", cls.lease_seconds)),
            max_attempts=int(config.get("MAIL_MAX_ATTEMPTS", cls.max_attempts)),
            backoff_base=float(config.get("MAIL_BACKOFF_BASE_SECONDS", cls.backoff_base)),
            backoff_cap=float(config.get("MAIL_BACKOFF_CAP_SECONDS", cls.backoff_cap)),
            round_seconds=float(config.get("PUSH_ROUND_SECONDS", cls.round_seconds)),
        )


def mail_configured() -> bool:
    """Whether this installation sends email (SMTP_URL is set)."""
    return bool(current_app.config.get("SMTP_URL"))


def _message_id_domain(mail_from: str) -> str:
    _name, address = parseaddr(mail_from)
    domain = address.rpartition("@")[2]
    return domain or "coachapp.invalid"


def enqueue(
    db: Session,
    *,
    kind: str,
    to_address: str,
    subject: str,
    text: str,
    html: str | None = None,
    recipient_id: int | None = None,
    secret: bool = False,
    dedupe_key: str | None = None,
    not_before: dt.datetime | None = None,
) -> MailMessage:
    """Adds a message to the queue in the caller's transaction (the caller commits).
    `secret`: the body carries a sign-in link, erased once the message is sent or given up."""
    mail_from = current_app.config.get("MAIL_FROM") or ""
    message = MailMessage(
        kind=kind,
        recipient_id=recipient_id,
        to_address=to_address,
        # One line, whatever a name in it holds: a header cannot be split by it.
        subject=" ".join(subject.split())[:SUBJECT_LIMIT],
        body_text=text,
        body_html=html,
        message_id=make_msgid(domain=_message_id_domain(mail_from)),
        secret=secret,
        dedupe_key=dedupe_key,
        not_before=not_before or utcnow(),
        status=MailStatus.PENDING,
        attempts=0,
    )
    db.add(message)
    return message


# Sending ---------------------------------------------------------------------------------


def due_condition(now: dt.datetime) -> Any:
    ready = or_(MailMessage.next_attempt_at.is_(None), MailMessage.next_attempt_at <= now)
    return and_(
        MailMessage.not_before <= now,
        or_(
            and_(MailMessage.status.in_([MailStatus.PENDING, MailStatus.FAILED]), ready),
            # Held by a worker whose lease lapsed: it died or hung; take it over.
            and_(MailMessage.status == MailStatus.SENDING, MailMessage.lease_until < now),
        ),
    )


def claim(db: Session, settings: MailSettings, now: dt.datetime) -> list[MailMessage]:
    """Takes up to a batch of due messages under a new lease, commits, returns them."""
    token = secrets.token_hex(16)
    due = (
        select(MailMessage.id)
        .where(due_condition(now))
        .order_by(MailMessage.not_before, MailMessage.id)
        .limit(settings.batch_size)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    db.execute(
        update(MailMessage)
        .where(MailMessage.id.in_(due))
        .values(
            status=MailStatus.SENDING,
            lease_until=now + dt.timedelta(seconds=settings.lease_seconds),
            lease_token=token,
            attempts=MailMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.commit()
    return list(
        db.scalars(
            select(MailMessage)
            .where(MailMessage.lease_token == token)
            .order_by(MailMessage.not_before, MailMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def build_message(row: MailMessage, mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = mail_from
    _name, address = parseaddr(row.to_address)
    message["To"] = Address(addr_spec=address or row.to_address)
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(row.created_at)
    # Out-of-office replies and the like are not sent back to an automatic message.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


def backoff(settings: MailSettings, attempts: int) -> dt.timedelta:
    seconds = min(settings.backoff_base * 2 ** max(attempts - 1, 0), settings.backoff_cap)
    return dt.timedelta(seconds=seconds)


def _record(db: Session, row: MailMessage, token: str, **values: Any) -> bool:
    """Writes the outcome if this claim still holds the message; whether it did."""
    if row.secret and values.get("status") in (MailStatus.SENT, MailStatus.DEAD):
        values.update(body_text="", body_html=None)
    result = db.execute(
        update(MailMessage)
        .where(MailMessage.id == row.id, MailMessage.lease_token == token)
        .values(lease_until=None, lease_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    held = bool(result.rowcount)  # type: ignore[attr-defined]
    if not held:
        log.warning("mail %s: the lease lapsed before its outcome was recorded", row.id)
    return held


@dataclass
class MailReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0


def send_due(db: Session, settings: MailSettings, now: dt.datetime | None = None) -> MailReport:
    """Sends every message that is due, batch by batch, over one connection per batch."""
    server = parse_smtp_url(settings.url)
    report = MailReport()
    started = time.monotonic()
    while time.monotonic() - started < settings.round_seconds:
        moment = now or utcnow()
        rows = claim(db, settings, moment)
        if not rows:
            break
        _send_batch(db, settings, SmtpConnection(server, settings.timeout), rows, report)
        if len(rows) < settings.batch_size:
            break
    return report


def _send_batch(
    db: Session,
    settings: MailSettings,
    connection: SmtpConnection,
    rows: list[MailMessage],
    report: MailReport,
) -> None:
    # Once a connection cannot be made, the rest of the batch waits for the next try too; a
    # connection that broke after carrying messages is made again for the next one.
    unreachable: MailFailure | None = None
    connected = False
    try:
        for row in rows:
            token = row.lease_token or ""
            if row.attempts > settings.max_attempts:
                # A message whose worker kept dying under it: no more tries.
                _give_up(db, row, token, row.last_error or "out of attempts", report)
                continue
            if unreachable is not None:
                _failed(db, settings, row, token, unreachable, report)
                continue
            try:
                message = build_message(row, settings.mail_from)
            except (ValueError, TypeError) as exc:  # an address or header email cannot carry
                _give_up(db, row, token, f"cannot be written as an email: {exc}", report)
                continue
            try:
                connection.send(message)
            except MailFailure as failure:
                if failure.connection:
                    if not connected:
                        unreachable = failure
                    connected = False
                _failed(db, settings, row, token, failure, report)
                continue
            connected = True
            now = utcnow()
            if _record(db, row, token, status=MailStatus.SENT, sent_at=now, last_error=None):
                report.sent += 1
                log.info("mail %s (%s) sent", row.id, row.kind)
    finally:
        connection.close()


def _failed(
    db: Session,
    settings: MailSettings,
    row: MailMessage,
    token: str,
    failure: MailFailure,
    report: MailReport,
) -> None:
    error = str(failure)[:ERROR_LIMIT]
    if not failure.temporary or row.attempts >= settings.max_attempts:
        _give_up(db, row, token, error, report)
        return
    now = utcnow()
    if _record(
        db, row, token, status=MailStatus.FAILED, last_error=error,
        next_attempt_at=now + backoff(settings, row.attempts),
    ):  # fmt: skip
        report.retrying += 1
        log.warning("mail %s (%s) not sent, tried again later: %s", row.id, row.kind, error)


def _give_up(db: Session, row: MailMessage, token: str, error: str, report: MailReport) -> None:
    if _record(db, row, token, status=MailStatus.DEAD, last_error=error[:ERROR_LIMIT]):
        report.dead += 1
        log.error("mail %s (%s) given up: %s", row.id, row.kind, error)
