"""What the admin's worker page shows: the worker's heartbeats and the notification queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.db import UTCDateTime
from coachapp.models import Notification, NotificationStatus, WorkerHeartbeat

# The statuses still waiting for the worker; `sent` is done.
QUEUED_STATUSES = (
    NotificationStatus.PENDING,
    NotificationStatus.FAILED,
    NotificationStatus.SENDING,
    NotificationStatus.DEAD,
)
RECENT_WORKERS = dt.timedelta(days=1)


@dataclass
class QueueDepth:
    counts: dict[NotificationStatus, int]
    # The earliest time a notification waiting to be sent (pending or failed) became due.
    oldest_due: dt.datetime | None
    # Held by a worker whose lease has lapsed: it died or hangs.
    lapsed_leases: int


@dataclass
class WorkerStatus:
    heartbeats: list[WorkerHeartbeat]
    stale_after: dt.timedelta
    now: dt.datetime
    queue: QueueDepth
    last: WorkerHeartbeat | None = field(init=False)

    def __post_init__(self) -> None:
        self.last = self.heartbeats[0] if self.heartbeats else None

    @property
    def stale(self) -> bool:
        """No worker finished a round lately (or ever): nudges are not being sent."""
        return self.last is None or self.now - self.last.last_round_at > self.stale_after


def queue_depth(db: Session, now: dt.datetime) -> QueueDepth:
    counts = dict.fromkeys(QUEUED_STATUSES, 0)
    rows = db.execute(
        select(Notification.status, func.count())
        .where(Notification.status.in_(QUEUED_STATUSES))
        .group_by(Notification.status)
    ).all()
    for status, count in rows:
        counts[NotificationStatus(status)] = count
    due_at = func.coalesce(Notification.next_attempt_at, Notification.not_before)
    oldest_due = db.scalar(
        select(func.min(due_at, type_=UTCDateTime())).where(
            Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.FAILED]),
            due_at <= now,
        )
    )
    lapsed = db.scalar(
        select(func.count()).where(
            Notification.status == NotificationStatus.SENDING, Notification.lease_until < now
        )
    )
    return QueueDepth(counts=counts, oldest_due=oldest_due, lapsed_leases=int(lapsed or 0))


def worker_status(db: Session, now: dt.datetime, stale_after: dt.timedelta) -> WorkerStatus:
    heartbeats = list(
        db.scalars(
            select(WorkerHeartbeat)
            .where(WorkerHeartbeat.last_round_at >= now - RECENT_WORKERS)
            .order_by(WorkerHeartbeat.last_round_at.desc())
        )
    )
    return WorkerStatus(
        heartbeats=heartbeats, stale_after=stale_after, now=now, queue=queue_depth(db, now)
    )
