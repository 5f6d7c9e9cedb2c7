"""What the admin's worker page shows: the worker's heartbeats, the notification queue, the
pushes that push services refused, and the mail queue with the messages given up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.db import UTCDateTime
from coachapp.models import (
    MailMessage,
    MailStatus,
    Notification,
    NotificationStatus,
    PushSubscription,
    WorkerHeartbeat,
)

# The statuses still waiting for the worker; `sent` is done.
QUEUED_STATUSES = (
    NotificationStatus.PENDING,
    NotificationStatus.FAILED,
    NotificationStatus.SENDING,
    NotificationStatus.DEAD,
)
RECENT_WORKERS = dt.timedelta(days=1)
REFUSING_DEVICES_SHOWN = 10
GIVEN_UP_MAIL_SHOWN = 10


@dataclass
class QueueDepth:
    counts: dict[NotificationStatus, int]
    # The earliest time a notification waiting to be sent (pending or failed) became due.
    oldest_due: dt.datetime | None
    # Held by a worker whose lease has lapsed: it died or hangs.
    lapsed_leases: int


@dataclass(frozen=True)
class RefusingDevice:
    """A device whose push service refused a push outright (e.g. 400): the host, how often,
    and its last answer (status and body), for the admin to act on."""

    host: str
    refusals: int
    last_refused_at: dt.datetime | None
    last_refusal: str


@dataclass
class PushRefusals:
    total: int  # over every device still kept
    devices: list[RefusingDevice]  # the most recently refused first


@dataclass(frozen=True)
class JobLine:
    """One job of a worker's heartbeat (coachapp.worker.record_heartbeat), as the page shows it."""

    name: str
    count: int | None  # what its last run did; None: failed, or not finished yet
    total: int
    failures: int
    error: str | None
    finished_at: dt.datetime | None  # when its last run ended
    # A run under way on a thread of its own (the figures): since when.
    running_since: dt.datetime | None

    @classmethod
    def of(cls, name: str, entry: dict[str, Any]) -> JobLine:
        return cls(
            name=name,
            count=entry.get("count"),
            total=int(entry.get("total") or 0),
            failures=int(entry.get("failures") or 0),
            error=entry.get("error"),
            finished_at=_time(entry.get("at")),
            running_since=_time(entry.get("running_since")),
        )


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def job_lines(beat: WorkerHeartbeat) -> list[JobLine]:
    return [JobLine.of(name, entry) for name, entry in sorted((beat.jobs or {}).items())]


@dataclass
class WorkerStatus:
    heartbeats: list[WorkerHeartbeat]
    stale_after: dt.timedelta
    now: dt.datetime
    queue: QueueDepth
    refusals: PushRefusals
    last: WorkerHeartbeat | None = field(init=False)

    def __post_init__(self) -> None:
        self.last = self.heartbeats[0] if self.heartbeats else None

    @property
    def stale(self) -> bool:
        """No worker finished a round lately (or ever): nudges are not being sent."""
        return self.last is None or self.now - self.last.last_round_at > self.stale_after

    @property
    def running_long(self) -> list[JobLine]:
        """The latest worker's jobs that run apart from its rounds (the figures) and have been
        running for longer than a round may be silent: stuck, or far slower than they
        should be."""
        if self.last is None:
            return []
        return [
            job
            for job in job_lines(self.last)
            if job.running_since is not None and self.now - job.running_since > self.stale_after
        ]


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


def push_refusals(db: Session) -> PushRefusals:
    total = db.scalar(select(func.coalesce(func.sum(PushSubscription.refusals), 0)))
    rows = db.execute(
        select(
            PushSubscription.endpoint,
            PushSubscription.refusals,
            PushSubscription.last_refused_at,
            PushSubscription.last_refusal,
        )
        .where(PushSubscription.refusals > 0)
        .order_by(PushSubscription.last_refused_at.desc(), PushSubscription.id.desc())
        .limit(REFUSING_DEVICES_SHOWN)
    ).all()
    devices = [
        RefusingDevice(urlsplit(endpoint).hostname or "", count, at, last or "")
        for endpoint, count, at, last in rows
    ]
    return PushRefusals(total=int(total or 0), devices=devices)


def worker_status(db: Session, now: dt.datetime, stale_after: dt.timedelta) -> WorkerStatus:
    heartbeats = list(
        db.scalars(
            select(WorkerHeartbeat)
            .where(WorkerHeartbeat.last_round_at >= now - RECENT_WORKERS)
            .order_by(WorkerHeartbeat.last_round_at.desc())
        )
    )
    return WorkerStatus(
        heartbeats=heartbeats,
        stale_after=stale_after,
        now=now,
        queue=queue_depth(db, now),
        refusals=push_refusals(db),
    )


@dataclass(frozen=True)
class MailQueue:
    """Emails not yet sent, by status, and the latest given up with the server's answer."""

    configured: bool
    counts: dict[MailStatus, int]
    given_up: list[MailMessage]


def mail_queue(db: Session, configured: bool) -> MailQueue:
    waiting = (MailStatus.PENDING, MailStatus.FAILED, MailStatus.SENDING, MailStatus.DEAD)
    counts = dict.fromkeys(waiting, 0)
    for status, count in db.execute(
        select(MailMessage.status, func.count())
        .where(MailMessage.status.in_(waiting))
        .group_by(MailMessage.status)
    ):
        counts[MailStatus(status)] = count
    given_up = list(
        db.scalars(
            select(MailMessage)
            .where(MailMessage.status == MailStatus.DEAD)
            .order_by(MailMessage.id.desc())
            .limit(GIVEN_UP_MAIL_SHOWN)
        )
    )
    return MailQueue(configured=configured, counts=counts, given_up=given_up)
