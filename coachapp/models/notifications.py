"""The notification outbox (also the in-app inbox) and browsers' push subscriptions."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coachapp.db import Base, utcnow
from coachapp.models.org import User, str_enum


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500))
    # What it is about ("coaching_session:12", "follow_up:5"; coachapp.nudges.subjects): acting
    # on that thing, or opening it, marks the notification read. None: nothing to act on.
    subject: Mapped[str | None] = mapped_column(String(80))
    # One nudge per (rule, subject, period): the key is unique in the database.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    not_before: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus, "notification_status"), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # When the push may next be tried (a retry's backoff, the end of quiet hours);
    # None: as soon as not_before has passed. The inbox shows it meanwhile.
    next_attempt_at: Mapped[dt.datetime | None]
    # Set while a worker holds the notification; a lapsed lease means the worker died.
    lease_until: Mapped[dt.datetime | None]
    # Devices the push reached (0: in the inbox only).
    push_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    # When it went by email, on its own or in a digest (coachapp.nudges.email); at most once.
    emailed_at: Mapped[dt.datetime | None]
    read_at: Mapped[dt.datetime | None]

    recipient: Mapped[User] = relationship()

    __table_args__ = (
        Index("ix_notifications_inbox", "recipient_id", "created_at"),
        Index("ix_notifications_due", "status", "not_before"),
        Index("ix_notifications_subject", "subject"),
        # What email may still tell: unread and not emailed yet (coachapp.nudges.email).
        Index(
            "ix_notifications_to_email",
            "created_at",
            sqlite_where=text("emailed_at IS NULL AND read_at IS NULL"),
            postgresql_where=text("emailed_at IS NULL AND read_at IS NULL"),
        ),
    )


class PushSubscription(Base):
    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[dt.datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # Pushes the push service refused outright (a 4xx other than 404/410/429): the device is
    # kept, the notification is not retried, and the admin's worker page shows these.
    refusals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_refusal: Mapped[str | None] = mapped_column(Text)  # status and the service's answer
    last_refused_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class PushDelivery(Base):
    """A notification that reached one subscription: a retry never sends it there again."""

    __tablename__ = "push_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True
    )
    status_code: Mapped[int] = mapped_column(Integer)
    delivered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("notification_id", "subscription_id"),)


class NotificationPreference(Base):
    """What a user wants pushed and when; the inbox always gets everything."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    muted_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Local times in the user's time zone; both None: no quiet hours.
    quiet_start: Mapped[dt.time | None] = mapped_column(Time)
    quiet_end: Mapped[dt.time | None] = mapped_column(Time)
    daily_cap: Mapped[int] = mapped_column(Integer, default=10)
    # Nudges by email (coachapp.nudges.email): "digest", "each" or "off".
    email_mode: Mapped[str] = mapped_column(String(16), default="digest", server_default="digest")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
