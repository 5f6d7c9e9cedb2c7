"""The outgoing mail queue, and the one-time links that let a person choose their password."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.models.org import User, str_enum


class MailStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # a temporary failure: tried again at next_attempt_at
    DEAD = "dead"  # refused for good by the mail server, or out of attempts


class MailMessage(Base):
    """One email waiting for the worker (coachapp.mail.queue): a request only writes the row,
    the worker's mail step talks to the SMTP server."""

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What it is ("invitation", "password_reset", a nudge kind): for the admin and the logs.
    kind: Mapped[str] = mapped_column(String(48))
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # Kept for every try, so that a server that got a message whose answer was lost can tell
    # a second delivery for the same one.
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    # The body carries a sign-in link: erased once the message is sent or given up.
    secret: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # At most one message per key (a nudge's dedupe key); None: no such rule.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[MailStatus] = mapped_column(
        str_enum(MailStatus, "mail_status"), default=MailStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime | None]
    # Set while a worker holds the message; a lapsed lease means that worker died or hung.
    lease_until: Mapped[dt.datetime | None]
    # Which claim holds it: every write after sending names it, so a worker that outlived its
    # lease cannot overwrite what the next one did.
    lease_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]

    recipient: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_mail_messages_due", "status", "not_before"),)


class PasswordLinkPurpose(enum.StrEnum):
    INVITATION = "invitation"
    RESET = "reset"


class PasswordLink(Base):
    """A link sent by email to choose one's password: single use, expiring, stored hashed.

    It works only while the person's password is the one it was issued against
    (`password_fingerprint`): any change of password (through another link, under Me, by an
    admin) ends every link issued before."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[PasswordLinkPurpose] = mapped_column(
        str_enum(PasswordLinkPurpose, "password_link_purpose")
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    password_fingerprint: Mapped[str] = mapped_column(String(64))
    # The admin who sent an invitation; None for a reset the person asked for.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PasswordResetRequest(Base):
    """Someone asked for a reset link for this address. The request only records it, whether
    or not the address is known (one answer, one write, the same time); the worker sends the
    link to a known, active person. Also what asking is throttled on."""

    __tablename__ = "password_reset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # The site's address as the request reached it (a trusted host), for the link in the mail.
    site_url: Mapped[str] = mapped_column(String(300))
    # The language the asking page was read in: the link's email is written in it for a
    # person who left their language to the browser (coachapp.languages.language_of).
    language: Mapped[str] = mapped_column(String(8), server_default="")
    handled_at: Mapped[dt.datetime | None]
