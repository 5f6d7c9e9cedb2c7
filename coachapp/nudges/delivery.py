"""Delivering the outbox by Web Push (RFC 8030/8291/8292), durably.

A worker claims due notifications with a lease (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several workers never take the same one) and pushes them to every device of
the recipient from a bounded pool of sending threads, which only encrypt and POST over
keep-alive connections kept per push service (`Sender`). Outcomes go back to the worker's
own thread, which records them many notifications to a transaction, every
``PUSH_RECORD_SECONDS`` or ``PUSH_RECORD_AT_MOST`` notifications (`Recorder`), each fenced
by its lease: a worker that outlived its lease cannot overwrite a newer claim.

What is guaranteed, as before recording in batches:

- a device counts as reached (``push_deliveries``), and a notification as sent, only once a
  push service has accepted the push (2xx), and only by the worker still holding the lease;
- no two workers push the same notification at once (the claim), and a device reached is
  never pushed the same notification again;
- a notification is never lost: until its outcome commits it stays ``sending`` under its
  lease. A device is recorded as reached as soon as its push is accepted, within
  ``PUSH_RECORD_SECONDS`` and one transaction, whether or not the notification's other
  devices have answered: a worker killed (or a database away past the lease) in that window
  leaves the notification to the next worker once the lease lapses, which pushes it again to
  the devices not recorded as reached. At least once at that boundary, never while another
  device of the same notification hangs. Pushes not yet begun when a round fails are not
  made.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import queue
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from sqlalchemy import Integer, Text, all_, and_, any_, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from coachapp.db import Base, UTCDateTime, database_unavailable, utcnow
from coachapp.languages import writing_for
from coachapp.models import (
    Notification,
    NotificationPreference,
    NotificationStatus,
    PushDelivery,
    PushSubscription,
    User,
)
from coachapp.nudges.endpoints import EndpointRefused, check_endpoint
from coachapp.nudges.kinds import kind_of
from coachapp.nudges.outbox import payload_for, topic_for
from coachapp.nudges.preferences import (
    preferences_for,
    pushed_since,
    quiet_until,
    start_of_local_day,
)
from coachapp.nudges.transport import CheckedAddressAdapter, push_session

log = logging.getLogger("coachapp.push")

VAPID_EXPIRY = dt.timedelta(hours=12)
# Recording a batch's pushes through a database outage: pauses between tries, and the part
# of the lease left over when it gives up (the next worker then pushes again).
RECORD_RETRY_FIRST_PAUSE = 0.5
RECORD_RETRY_MAX_PAUSE = 5.0
RECORD_RETRY_MARGIN = 1.0
RETRY_AFTER_LIMIT = 24 * 3600.0
# What is kept of a push service's answer to a refused push (logged, and shown to the admin).
ANSWER_LIMIT = 500
UNCONDITIONAL_KINDS = {"test"}  # asked for by the user: no mute, quiet hours or cap


@dataclass(frozen=True)
class PushSettings:
    vapid_private_key: str
    vapid_subject: str
    allow_private: bool = False
    timeout: float = 10.0
    concurrency: int = 8
    batch_size: int = 64
    lease_seconds: float = 300.0
    max_attempts: int = 6
    backoff_base: float = 30.0
    backoff_cap: float = 3600.0
    round_seconds: float = 60.0
    # Outcomes are recorded together (Recorder): every `record_seconds`, or as soon as
    # `record_at_most` notifications have all their answers.
    record_seconds: float = 0.05
    record_at_most: int = 100

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PushSettings:
        return cls(
            vapid_private_key=config.get("VAPID_PRIVATE_KEY") or "",
            vapid_subject=config.get("VAPID_SUBJECT") or "",
            allow_private=bool(config.get("PUSH_ALLOW_PRIVATE_ENDPOINTS")),
            timeout=float(config.get("PUSH_TIMEOUT_SECONDS", cls.timeout)),
            concurrency=int(config.get("PUSH_CONCURRENCY", cls.concurrency)),
            batch_size=int(config.get("PUSH_BATCH_SIZE", cls.batch_size)),
            lease_seconds=float(config.get("PUSH_LEASE_SECONDS", cls.lease_seconds)),
            max_attempts=int(config.get("PUSH_MAX_ATTEMPTS", cls.max_attempts)),
            backoff_base=float(config.get("PUSH_BACKOFF_BASE_SECONDS", cls.backoff_base)),
            backoff_cap=float(config.get("PUSH_BACKOFF_CAP_SECONDS", cls.backoff_cap)),
            round_seconds=float(config.get("PUSH_ROUND_SECONDS", cls.round_seconds)),
            record_seconds=float(config.get("PUSH_RECORD_SECONDS", cls.record_seconds)),
            record_at_most=int(config.get("PUSH_RECORD_AT_MOST", cls.record_at_most)),
        )


# One push to one device --------------------------------------------------------------


OK, GONE, PERMANENT, TRANSIENT = "ok", "gone", "permanent", "transient"


@dataclass(frozen=True)
class Job:
    notification_id: int
    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    payload: bytes
    ttl: int
    urgency: str
    topic: str
    attempt: int


@dataclass(frozen=True)
class Outcome:
    result: str
    status_code: int | None = None
    retry_after: float | None = None
    error: str | None = None
    elapsed_ms: float = 0.0
    # The push service's answer to a push it did not accept, cut to ANSWER_LIMIT characters.
    answer: str | None = None

    @property
    def refused(self) -> bool:
        """The push service answered that it will never take this push (400, 401, 403, 413)."""
        return self.result == PERMANENT and self.status_code is not None


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait, from delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), RETRY_AFTER_LIMIT)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return min(max((when - now).total_seconds(), 0.0), RETRY_AFTER_LIMIT)


def classify(status_code: int) -> str:
    if 200 <= status_code < 300:
        return OK
    if status_code in (404, 410):
        return GONE
    if status_code == 429 or status_code >= 500:
        return TRANSIENT
    return PERMANENT  # 400, 401, 403, 413: sending the same again will not help


class Pusher:
    """Signs VAPID headers once per push-service origin and sends; safe across threads."""

    def __init__(self, settings: PushSettings) -> None:
        if not settings.vapid_private_key:
            raise RuntimeError("no VAPID key: run `flask --app coachapp vapid-keys`")
        self.settings = settings
        self.vapid = Vapid.from_string(private_key=settings.vapid_private_key)
        self._signed: dict[str, tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        # One transport for every sending thread: keep-alive connections per push service.
        self._transport = CheckedAddressAdapter(settings.allow_private, settings.concurrency)

    def authorization(self, endpoint: str) -> dict[str, str]:
        parts = urlsplit(endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        with self._lock:
            cached = self._signed.get(origin)
            # Re-sign well before expiry: the JWT's exp must stay in the future in transit.
            if cached is None or cached[0] - now < 3600:
                expires = int(now + VAPID_EXPIRY.total_seconds())
                claims = {"sub": self.settings.vapid_subject, "aud": origin, "exp": expires}
                cached = (float(expires), dict(self.vapid.sign(claims)))
                self._signed[origin] = cached
            return cached[1]

    def http(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = push_session(self.settings.allow_private, self._transport)
            self._local.session = session
        return session

    def close(self) -> None:
        self._transport.close()

    def send(self, job: Job) -> Outcome:
        started = time.perf_counter()

        def done(result: str, **kwargs: Any) -> Outcome:
            elapsed = (time.perf_counter() - started) * 1000
            return Outcome(result, elapsed_ms=round(elapsed, 1), **kwargs)

        try:
            # The connection resolves the host and checks each address it connects to
            # (coachapp.nudges.transport); a lookup here would be one the connection ignores.
            check_endpoint(job.endpoint, self.settings.allow_private, resolve=False)
            headers = {
                **self.authorization(job.endpoint),
                # RFC 8291 bodies are binary; pywebpush names no type, and a push service that
                # follows the standards to the letter refuses such a push with 400.
                "Content-Type": "application/octet-stream",
                "Urgency": job.urgency,
                "Topic": job.topic,
            }
            response = webpush(
                {"endpoint": job.endpoint, "keys": {"p256dh": job.p256dh, "auth": job.auth}},
                data=job.payload.decode(),
                headers=headers,
                ttl=job.ttl,
                timeout=self.settings.timeout,
                requests_session=self.http(),
            )
        except EndpointRefused as exc:
            return done(PERMANENT, error=str(exc))
        except WebPushException as exc:
            response = exc.response
            if response is None:
                return done(PERMANENT, error=str(exc)[:300])
            status = int(response.status_code)
            retry_after = parse_retry_after(response.headers.get("Retry-After"), utcnow())
            reason = f"{status} {response.reason or ''}".strip()
            return done(
                classify(status), status_code=status, retry_after=retry_after, error=reason,
                answer=answer_of(response),
            )  # fmt: skip
        except requests.TooManyRedirects:
            return done(PERMANENT, error="the push service redirected")
        except (requests.Timeout, requests.ConnectionError) as exc:
            return done(TRANSIENT, error=f"{type(exc).__name__}: {str(exc)[:200]}")
        status = int(getattr(response, "status_code", 201))
        return done(classify(status), status_code=status)


def answer_of(response: requests.Response) -> str | None:
    """The body of a push service's error answer, on one line and bounded; None when empty."""
    text = response.content[: ANSWER_LIMIT * 4].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text[:ANSWER_LIMIT] or None


def refusal_text(outcome: Outcome) -> str:
    """'400 Bad Request: <the service's answer>', as the admin reads it."""
    reason = outcome.error or str(outcome.status_code)
    return f"{reason}: {outcome.answer}" if outcome.answer else reason


# A batch ----------------------------------------------------------------------------


@dataclass
class BatchReport:
    claimed: int = 0
    sent: int = 0
    inbox_only: int = 0
    deferred: int = 0
    retrying: int = 0
    dead: int = 0
    pushes: int = 0
    refused: int = 0  # pushes a push service refused outright
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: BatchReport) -> None:
        for name in (
            "claimed", "sent", "inbox_only", "deferred", "retrying", "dead", "pushes", "refused",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, count in other.outcomes.items():
            self.outcomes[key] += count


def due_condition(now: Any) -> Any:
    ready = or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now)
    return and_(
        Notification.not_before <= now,
        or_(
            and_(
                Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.FAILED]),
                ready,
            ),
            # Held by a worker whose lease lapsed: it died or hung; take it over.
            and_(Notification.status == NotificationStatus.SENDING, Notification.lease_until < now),
        ),
    )


@dataclass(frozen=True)
class Claimed:
    """A claimed notification, as deciding, pushing and logging read it."""

    id: int
    recipient_id: int
    kind: str
    url: str
    attempts: int


@dataclass(frozen=True)
class Recipient:
    id: int
    active: bool
    timezone: str
    language: str


@dataclass(frozen=True)
class Device:
    id: int
    user_id: int
    endpoint: str
    p256dh: str
    auth: str


class Statements:
    """The worker's statements, built once per kind of database with their values bound at
    each execution: building, keying and (on PostgreSQL) parsing a statement anew cost more
    than running it, once per batch and per record. A list of ids is one array parameter on
    PostgreSQL (`= ANY`, the same text whatever the length), an expanding IN on SQLite."""

    def __init__(self, postgresql: bool) -> None:
        def one_of(column: Any, name: str) -> Any:
            if postgresql:
                return column == any_(bindparam(name, type_=ARRAY(Integer())))
            return column.in_(bindparam(name, expanding=True))

        def none_of(column: Any, name: str) -> Any:
            if postgresql:
                return column != all_(bindparam(name, type_=ARRAY(Integer())))
            return column.not_in(bindparam(name, expanding=True))

        when = UTCDateTime()
        self.claim = (
            update(Notification)
            .where(
                Notification.id.in_(
                    select(Notification.id)
                    .where(
                        due_condition(bindparam("now", type_=when)),
                        none_of(Notification.id, "exclude"),
                    )
                    .order_by(Notification.not_before, Notification.id)
                    .limit(bindparam("limit", type_=Integer()))
                    .with_for_update(skip_locked=True)
                    .scalar_subquery()
                )
            )
            .values(
                status=NotificationStatus.SENDING,
                lease_until=bindparam("lease", type_=when),
                attempts=Notification.attempts + 1,
            )
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
        self.claimed = (
            select(
                Notification.id,
                Notification.recipient_id,
                Notification.kind,
                Notification.url,
                Notification.attempts,
            )
            .where(one_of(Notification.id, "ids"))
            .order_by(Notification.id)
        )
        self.recipients = select(User.id, User.active, User.timezone, User.language).where(
            one_of(User.id, "ids")
        )
        self.devices = select(
            PushSubscription.id,
            PushSubscription.user_id,
            PushSubscription.endpoint,
            PushSubscription.p256dh,
            PushSubscription.auth,
        ).where(one_of(PushSubscription.user_id, "ids"))
        self.reached = select(PushDelivery.notification_id, PushDelivery.subscription_id).where(
            one_of(PushDelivery.notification_id, "ids")
        )
        # Notifications still ours: being sent under the lease a batch holds. Each statement
        # that writes for a batch is fenced by it and returns which of its notifications were.
        still_ours = (
            update(Notification)
            .where(
                one_of(Notification.id, "ids"),
                Notification.status == NotificationStatus.SENDING,
                Notification.lease_until == bindparam("lease", type_=when),
            )
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
        # Many notifications' outcome alike.
        self.outcome = still_ours.values(
            status=bindparam("new_status", type_=Notification.status.type),
            lease_until=None,
            next_attempt_at=bindparam("next_at", type_=when),
            push_count=bindparam("pushes", type_=Integer()),
            last_error=bindparam("error", type_=Text()),
        )
        self.outcome_sent = self.outcome.values(sent_at=bindparam("sent_at", type_=when))
        insert = postgresql_insert if postgresql else sqlite_insert
        self.delivered = insert(Base.metadata.tables["push_deliveries"]).on_conflict_do_nothing()
        # Touched to hold their rows until the commit: the devices a push service accepted
        # before the others answered go in then.
        self.still_ours = still_ours.values(lease_until=Notification.lease_until)
        self.reached_devices = (
            update(PushSubscription)
            .where(one_of(PushSubscription.id, "ids"))
            .values(last_success_at=bindparam("now", type_=when), failures=0)
            .execution_options(synchronize_session=False)
        )
        self.gone_devices = (
            delete(PushSubscription)
            .where(one_of(PushSubscription.id, "ids"))
            .execution_options(synchronize_session=False)
        )
        self.failing_devices = (
            update(PushSubscription)
            .where(one_of(PushSubscription.id, "ids"))
            .values(failures=PushSubscription.failures + bindparam("count", type_=Integer()))
            .execution_options(synchronize_session=False)
        )


_statements: dict[str, Statements] = {}


def statements_for(db: Session) -> Statements:
    dialect = db.get_bind().dialect.name
    if dialect not in _statements:
        _statements[dialect] = Statements(postgresql=dialect == "postgresql")
    return _statements[dialect]


def claim(
    db: Session,
    now: dt.datetime,
    lease: dt.datetime,
    limit: int,
    exclude: Collection[int] = (),
) -> list[int]:
    """Marks up to `limit` due notifications as ours until `lease`; one statement, so a
    notification is never claimed twice (SKIP LOCKED on PostgreSQL; SQLite has one writer).
    `exclude`: the caller's own notifications still being pushed or recorded."""
    claimed = db.execute(
        statements_for(db).claim,
        {"now": now, "lease": lease, "limit": limit, "exclude": list(exclude)},
    )
    ids = sorted(claimed.scalars().all())
    db.commit()
    return ids


def backoff_seconds(attempt: int, settings: PushSettings, retry_after: float | None) -> float:
    """Exponential backoff with jitter, never sooner than the service's Retry-After."""
    ceiling = min(settings.backoff_cap, settings.backoff_base * 2 ** max(attempt - 1, 0))
    delay = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret  # nosec B311
    return max(delay, retry_after or 0.0)


class Batch:
    """One claimed batch: decides per notification what to push, and what the answers mean.

    Its notifications are ours until `lease` (the claim's fence); `started` is the lease's
    clock on this machine, whatever `now` says."""

    def __init__(
        self,
        db: Session,
        settings: PushSettings,
        now: dt.datetime,
        unrecorded: Counter[int] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.now = now
        # Per user, pushes planned by earlier batches of the round and not yet recorded: the
        # daily cap counts them as the database will once they are.
        self.unrecorded: Counter[int] = Counter() if unrecorded is None else unrecorded
        self.lease = now + dt.timedelta(seconds=settings.lease_seconds)
        self.started = time.monotonic()
        self.report = BatchReport()
        self.notifications: dict[int, Claimed] = {}
        self.recipients: dict[int, Recipient] = {}
        self.reached: dict[int, set[int]] = defaultdict(set)
        self._pushed_today: dict[int, int] = {}

    def lease_left(self) -> float:
        return self.settings.lease_seconds - (time.monotonic() - self.started)

    def run(self, exclude: Collection[int] = ()) -> dict[int, list[Job]]:
        """Claims, settles what needs no push (in one transaction) and returns the pushes to
        make, by notification."""
        ids = claim(self.db, self.now, self.lease, self.settings.batch_size, exclude)
        self.report.claimed = len(ids)
        if not ids:
            return {}
        statements = statements_for(self.db)
        notifications = [Claimed(*row) for row in self.db.execute(statements.claimed, {"ids": ids})]
        self.notifications = {n.id: n for n in notifications}
        users = list({n.recipient_id for n in notifications})
        self.recipients = {
            row.id: Recipient(*row)
            for row in self.db.execute(statements.recipients, {"ids": users})
        }
        prefs = preferences_for(self.db, users)
        devices: dict[int, list[Device]] = defaultdict(list)
        for row in self.db.execute(statements.devices, {"ids": users}):
            devices[row.user_id].append(Device(*row))
        for notification_id, subscription_id in self.db.execute(statements.reached, {"ids": ids}):
            self.reached[notification_id].add(subscription_id)
        # Pushed today, for the daily cap: one query per local day the recipients are in.
        days: dict[dt.datetime, set[int]] = defaultdict(set)
        for user in self.recipients.values():
            days[start_of_local_day(user.timezone, self.now)].add(user.id)
        for since, same_day in days.items():
            counts = pushed_since(self.db, same_day, since)
            self._pushed_today.update(
                {user_id: counts.get(user_id, 0) + self.unrecorded[user_id] for user_id in same_day}
            )

        jobs: dict[int, list[Job]] = {}
        for notification in notifications:
            plan = self.plan(notification, prefs[notification.recipient_id], devices)
            if plan is not None:
                jobs[notification.id] = plan
        # Ends the read transaction with the outcomes settled without a push; the pushes'
        # outcomes are recorded as they come (Recorder).
        self.db.commit()
        return jobs

    # Deciding ------------------------------------------------------------------------

    def plan(
        self,
        notification: Claimed,
        prefs: NotificationPreference,
        devices: Mapping[int, list[Device]],
    ) -> list[Job] | None:
        """The pushes to make now, or None when the notification was settled without any."""
        user = self.recipients[notification.recipient_id]
        reached = self.reached[notification.id]
        unconditional = notification.kind in UNCONDITIONAL_KINDS
        targets = [d for d in devices.get(user.id, []) if d.id not in reached]
        if (
            not user.active
            or not targets
            or (notification.kind in prefs.muted_kinds and not unconditional)
        ):
            reason = "inactive" if not user.active else "muted" if targets else "no devices"
            self.finish(notification, NotificationStatus.SENT, pushes=len(reached))
            self.report.inbox_only += 1
            self.log(notification, None, Outcome("inbox_only", error=reason))
            return None
        if not unconditional:
            quiet_end = quiet_until(prefs, user.timezone, self.now)
            if quiet_end is not None:
                self.finish(
                    notification, NotificationStatus.PENDING, next_attempt_at=quiet_end,
                    attempts=notification.attempts - 1, pushes=len(reached),
                )  # fmt: skip
                self.report.deferred += 1
                self.log(notification, None, Outcome("deferred", error="quiet hours"))
                return None
            if self._pushed_today.get(user.id, 0) >= prefs.daily_cap:
                self.finish(notification, NotificationStatus.SENT, pushes=len(reached))
                self.report.inbox_only += 1
                self.log(notification, None, Outcome("inbox_only", error="daily cap"))
                return None
        self._pushed_today[user.id] = self._pushed_today.get(user.id, 0) + 1
        self.unrecorded[user.id] += 1
        kind = kind_of(notification.kind)
        with writing_for(user):
            payload = payload_for(notification)
        topic = topic_for(notification)
        return [
            Job(
                notification_id=notification.id,
                subscription_id=device.id,
                endpoint=device.endpoint,
                p256dh=device.p256dh,
                auth=device.auth,
                payload=payload,
                ttl=kind.ttl,
                urgency=kind.urgency,
                topic=topic,
                attempt=notification.attempts,
            )
            for device in targets
        ]

    def decide(self, notification: Claimed, results: list[tuple[Job, Outcome]]) -> Settled:
        """What the answers of all of a notification's devices make of it."""
        delivered = [job for job, outcome in results if outcome.result == OK]
        transient = [outcome for _, outcome in results if outcome.result == TRANSIENT]
        permanent = [outcome for _, outcome in results if outcome.result == PERMANENT]
        pushes = len(self.reached[notification.id]) + len(delivered)
        errors = (
            "; ".join(
                refusal_text(o) if o.refused else o.error or ""
                for _, o in results
                if o.result != OK
            )
            or None
        )
        next_at: dt.datetime | None = None
        if transient:
            if notification.attempts >= self.settings.max_attempts:
                status, counter = NotificationStatus.DEAD, "dead"
            else:
                retry_after = max((o.retry_after or 0.0) for o in transient)
                delay = backoff_seconds(notification.attempts, self.settings, retry_after)
                status, counter = NotificationStatus.FAILED, "retrying"
                next_at = self.now + dt.timedelta(seconds=delay)
        elif permanent and pushes == 0:
            status, counter = NotificationStatus.DEAD, "dead"
        else:
            status, counter = NotificationStatus.SENT, "sent"
        return Settled(self, notification, results, status, pushes, next_at, errors, counter)

    def finish(
        self,
        notification: Claimed,
        status: NotificationStatus,
        *,
        pushes: int = 0,
        next_attempt_at: dt.datetime | None = None,
        attempts: int | None = None,
        error: str | None = None,
    ) -> bool:
        """Sets the outcome unless another worker has taken the notification over (the
        caller commits)."""
        values: dict[str, Any] = {
            "status": status,
            "lease_until": None,
            "next_attempt_at": next_attempt_at,
            "push_count": pushes,
            "last_error": error[:1000] if error else None,
        }
        if status == NotificationStatus.SENT:
            values["sent_at"] = self.now
        if attempts is not None:
            values["attempts"] = attempts
        result = self.db.execute(
            update(Notification)
            .where(
                Notification.id == notification.id,
                Notification.status == NotificationStatus.SENDING,
                Notification.lease_until == self.lease,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            log.warning("notification %s: lease lost, outcome not recorded", notification.id)
            return False
        return True

    def log(self, notification: Claimed, job: Job | None, outcome: Outcome) -> None:
        self.report.outcomes[outcome.result] += 1
        if outcome.refused:
            self.report.refused += 1
        level = logging.WARNING if outcome.refused else logging.INFO
        if not log.isEnabledFor(level):
            return
        log.log(
            level,
            json.dumps(
                {
                    "event": "push",
                    "notification": notification.id,
                    "kind": notification.kind,
                    "recipient": notification.recipient_id,
                    "subscription": job.subscription_id if job else None,
                    "host": urlsplit(job.endpoint).hostname if job else None,
                    "attempt": notification.attempts,
                    "result": outcome.result,
                    "status": outcome.status_code,
                    "retry_after": outcome.retry_after,
                    "ms": outcome.elapsed_ms,
                    "error": outcome.error,
                    "answer": outcome.answer,
                },
                separators=(",", ":"),
            ),
        )


# Recording ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reached:
    """A device a push service accepted a push for while the same notification's other
    devices have not all answered: recorded as reached without waiting for them."""

    batch: Batch
    job: Job
    outcome: Outcome


@dataclass
class Settled:
    """A notification all of whose devices have answered: its outcome, decided, waiting for
    the recorder."""

    batch: Batch
    notification: Claimed
    results: list[tuple[Job, Outcome]]
    status: NotificationStatus
    pushes: int
    next_at: dt.datetime | None
    errors: str | None
    counter: str  # the BatchReport field it counts in once recorded

    @property
    def delivered(self) -> list[tuple[Job, Outcome]]:
        return [(job, outcome) for job, outcome in self.results if outcome.result == OK]


class Recorder:
    """Records settled notifications many at a time, off the sending threads.

    Only the thread that owns the database session records; the senders only encrypt and
    POST. A notification is kept here from its last device's answer until the next record,
    at most RECORD_EVERY_SECONDS later or as soon as RECORD_AT_MOST are waiting: then all of
    them, their devices reached and their devices' health go in one transaction, each
    notification fenced by its batch's lease as before (one whose lease another worker has
    taken over is left alone). Until that commit a notification stays `sending` under its
    lease, exactly as while its pushes were in flight: a worker that dies meanwhile leaves it
    to the next worker once the lease lapses, which pushes it again to the devices not in
    `push_deliveries` (at least once, never lost). A device counts as reached only once a
    push service has accepted a push for it (2xx); one accepted while its notification's
    other devices are still to answer is recorded with the next record all the same
    (`Reached`), so that a device that hangs does not hold back the record of those that
    answered.
    """

    def __init__(self, db: Session, settings: PushSettings) -> None:
        self.db = db
        self.settings = settings
        self.waiting: list[Settled] = []
        self.reached: list[Reached] = []
        self._since: float | None = None  # when the oldest waiting one came
        # Notifications done with (recorded, or left to their lease) since the caller looked.
        self.recorded: list[int] = []
        # The first error (other than the database being away) a notification's record met:
        # the others are recorded still, and the round raises it once its pushes are in.
        self.failure: SQLAlchemyError | None = None

    def add(self, settled: Settled) -> None:
        self._wait()
        self.waiting.append(settled)
        if len(self.waiting) >= self.settings.record_at_most:
            self.flush()

    def add_reached(self, reached: Reached) -> None:
        self._wait()
        self.reached.append(reached)
        if len(self.reached) >= self.settings.record_at_most:
            self.flush()

    def _wait(self) -> None:
        if self._since is None:
            self._since = time.monotonic()

    def timeout(self) -> float | None:
        """Seconds until the waiting notifications are due to be recorded; None: none wait."""
        if self._since is None:
            return None
        return max(self._since + self.settings.record_seconds - time.monotonic(), 0.0)

    def flush_if_due(self) -> None:
        due = (
            self._since is not None
            and time.monotonic() - self._since >= self.settings.record_seconds
        )
        if due:
            self.flush()

    def flush(self) -> None:
        items, self.waiting, self._since = self.waiting, [], None
        reached, self.reached = self.reached, []
        if items or reached:
            self.record(items, reached)

    def record(self, items: list[Settled], reached: Collection[Reached] = ()) -> None:
        """Records `items` in one transaction. The pushes have been made whatever the
        database does next: when it goes away now (a restart, a failover), the record is
        tried again while the leases last, so that a short outage does not leave the next
        worker to push the same notifications again; past that, it raises. Another error is
        not the outage's: each notification is then recorded alone, so that one bad row (a
        device its owner removed while its push was in flight) does not cost the others
        their record; one that still fails is left to its lease, and the error kept in
        `failure`. Devices `reached` ahead of their notification's outcome go in the same
        transaction; when it fails for another reason they are left to that outcome's record,
        which holds every device's answer."""
        pause = RECORD_RETRY_FIRST_PAUSE
        while True:
            try:
                self.write(items, reached)
                break
            except SQLAlchemyError as exc:
                self.db.rollback()
                if not database_unavailable(exc):
                    if reached:
                        log.warning(
                            "devices reached ahead of their notifications' outcome not "
                            "recorded, left to that outcome: %s", str(exc).splitlines()[0][:200],
                        )  # fmt: skip
                    if items:
                        self.record_each(items, exc)
                    return
                batches = [item.batch for item in items] + [r.batch for r in reached]
                lease_left = min(batch.lease_left() for batch in batches)
                if lease_left < pause + RECORD_RETRY_MARGIN:
                    raise
                log.warning(
                    "notifications %s: recording their pushes failed, retrying in %.1f s: %s",
                    describe(items), pause, str(exc).splitlines()[0][:200],
                )  # fmt: skip
                time.sleep(pause)
                pause = min(pause * 2, RECORD_RETRY_MAX_PAUSE)
        self.done(items)

    def record_each(self, items: list[Settled], exc: SQLAlchemyError) -> None:
        if len(items) == 1:
            log.error(
                "notification %s: outcome not recorded, left to its lease: %s",
                items[0].notification.id, exc, exc_info=exc,
            )  # fmt: skip
            self.failure = self.failure or exc
            self.done(items, recorded=False)
            return
        log.warning(
            "recording %d notifications together failed, recording each alone: %s",
            len(items), str(exc).splitlines()[0][:200],
        )  # fmt: skip
        for item in items:
            self.record([item])

    def done(self, items: list[Settled], recorded: bool = True) -> None:
        for item in items:
            if recorded:
                report = item.batch.report
                setattr(report, item.counter, getattr(report, item.counter) + 1)
                report.pushes += len(item.delivered)
            item.batch.unrecorded[item.notification.recipient_id] -= 1
            self.recorded.append(item.notification.id)

    def write(self, items: list[Settled], reached: Collection[Reached] = ()) -> None:
        """The outcomes, the devices reached and the devices' health, in one transaction."""
        statements = statements_for(self.db)
        ahead: dict[Batch, list[Reached]] = defaultdict(list)
        for one in reached:
            ahead[one.batch].append(one)
        for batch, batch_reached in ahead.items():
            ids = list({one.job.notification_id for one in batch_reached})
            ours_ahead = set(
                self.db.scalars(statements.still_ours, {"ids": ids, "lease": batch.lease})
            )
            self.write_devices(
                batch.now,
                [
                    (one.job, one.outcome)
                    for one in batch_reached
                    if one.job.notification_id in ours_ahead
                ],
            )
        # One fenced UPDATE per distinct outcome (most notifications of a batch share one),
        # each saying which notifications were still ours.
        alike: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for item in items:
            key = (item.batch, item.status, item.pushes, item.next_at, item.errors)
            alike[key].append(item.notification.id)
        ours: set[int] = set()
        for (batch, status, pushes, next_at, errors), ids in alike.items():
            values: dict[str, Any] = {
                "ids": ids,
                "lease": batch.lease,
                "new_status": status,
                "next_at": next_at,
                "pushes": pushes,
                "error": errors[:1000] if errors else None,
            }
            if status == NotificationStatus.SENT:
                values["sent_at"] = batch.now
                ours.update(self.db.scalars(statements.outcome_sent, values))
            else:
                ours.update(self.db.scalars(statements.outcome, values))
        recorded = [item for item in items if item.notification.id in ours]
        for item in items:
            if item.notification.id not in ours:
                log.warning(
                    "notification %s: lease lost, outcome not recorded", item.notification.id
                )
        by_batch: dict[Batch, list[Settled]] = defaultdict(list)
        for item in recorded:
            by_batch[item.batch].append(item)
        for batch, batch_items in by_batch.items():
            self.write_devices(batch.now, [r for item in batch_items for r in item.results])
        self.db.commit()

    def write_devices(self, now: dt.datetime, results: list[tuple[Job, Outcome]]) -> None:
        statements = statements_for(self.db)
        delivered = [(job, outcome) for job, outcome in results if outcome.result == OK]
        if delivered:
            # Many parameter sets for one statement (compiled once, not per number of rows).
            self.db.execute(
                statements.delivered,
                [
                    {
                        "notification_id": job.notification_id,
                        "subscription_id": job.subscription_id,
                        "status_code": outcome.status_code or 201,
                        "delivered_at": now,
                    }
                    for job, outcome in delivered
                ],
            )
            reached = list({job.subscription_id for job, _ in delivered})
            self.db.execute(statements.reached_devices, {"ids": reached, "now": now})
        gone = list({job.subscription_id for job, outcome in results if outcome.result == GONE})
        if gone:
            self.db.execute(statements.gone_devices, {"ids": gone})
        failing = Counter(
            job.subscription_id
            for job, outcome in results
            if outcome.result in (PERMANENT, TRANSIENT) and not outcome.refused
        )
        by_count: dict[int, list[int]] = defaultdict(list)
        for subscription_id, count in failing.items():
            by_count[count].append(subscription_id)
        for count, subscription_ids in by_count.items():
            self.db.execute(statements.failing_devices, {"ids": subscription_ids, "count": count})
        for job, outcome in results:
            if outcome.refused:
                # Kept, but counted where the admin looks: the device may be fine and our
                # request at fault, which no number of retries would mend.
                self.db.execute(
                    update(PushSubscription)
                    .where(PushSubscription.id == job.subscription_id)
                    .values(
                        failures=PushSubscription.failures + 1,
                        refusals=PushSubscription.refusals + 1,
                        last_refusal=refusal_text(outcome),
                        last_refused_at=now,
                    )
                    .execution_options(synchronize_session=False)
                )


def describe(items: list[Settled]) -> str:
    ids = [str(item.notification.id) for item in items]
    return ", ".join(ids) if len(ids) <= 5 else f"{', '.join(ids[:5])} and {len(ids) - 5} more"


# Sending -----------------------------------------------------------------------------


class Sender:
    """One round of pushing: `concurrency` threads that only encrypt and POST, sharing a pool
    of keep-alive connections per push service, for batch after batch; the calling thread
    claims, decides and records (Recorder) meanwhile. When a batch came full (more is likely
    due) the next one is claimed as soon as a sending thread has nothing left to do, so that
    the threads do not wait for the claim."""

    def __init__(self, db: Session, settings: PushSettings) -> None:
        self.db = db
        self.settings = settings
        self.pusher = Pusher(settings)
        self.recorder = Recorder(db, settings)
        self.answers: queue.SimpleQueue[tuple[Job, Outcome | BaseException]] = queue.SimpleQueue()
        self.pool = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="push")
        self.unrecorded: Counter[int] = Counter()
        self.batches: list[Batch] = []
        self.owner: dict[int, Batch] = {}  # notification id -> its batch, until recorded
        self.waiting: dict[int, int] = {}  # notification id -> answers still to come
        self.in_flight = 0  # pushes submitted and not yet answered
        self.ahead = True  # claiming ahead of the pushes in flight may be tried

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *_: object) -> None:
        # After a failure, pushes not yet begun are not made: nobody would record them.
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pusher.close()

    def send(self, job: Job) -> None:
        try:
            self.answers.put((job, self.pusher.send(job)))
        except BaseException as exc:  # the round's thread raises it
            self.answers.put((job, exc))

    def run(
        self,
        now: Callable[[], dt.datetime],
        max_batches: int | None = None,
        budget_seconds: float | None = None,
    ) -> BatchReport:
        started = time.monotonic()
        results: dict[int, list[tuple[Job, Outcome]]] = defaultdict(list)
        over_budget = False
        while True:
            for notification_id in self.recorder.recorded:
                del self.owner[notification_id]
            self.recorder.recorded.clear()
            stop = over_budget or self.recorder.failure is not None
            if not stop and self.may_claim(max_batches):
                took = time.monotonic() - started
                if self.batches and budget_seconds is not None and took >= budget_seconds:
                    log.info("push round ends after %d batches (%.0f s); the rest goes next",
                             len(self.batches), took)  # fmt: skip
                    over_budget = True
                elif not self.in_flight and self.recorder.waiting:
                    self.recorder.flush()  # what the claim reads is recorded first
                else:
                    self.claim(now())
                continue
            if not self.in_flight:
                break
            try:
                job, outcome = self.answers.get(timeout=self.recorder.timeout())
            except queue.Empty:
                self.recorder.flush()
                continue
            self.in_flight -= 1
            if isinstance(outcome, BaseException):
                raise outcome
            batch = self.owner[job.notification_id]
            notification = batch.notifications[job.notification_id]
            batch.log(notification, job, outcome)
            results[job.notification_id].append((job, outcome))
            self.waiting[job.notification_id] -= 1
            if self.waiting[job.notification_id] == 0:
                del self.waiting[job.notification_id]
                self.recorder.add(batch.decide(notification, results.pop(job.notification_id)))
            elif outcome.result == OK:
                self.recorder.add_reached(Reached(batch, job, outcome))
            self.recorder.flush_if_due()
        self.recorder.flush()
        if self.recorder.failure is not None:
            raise self.recorder.failure
        total = BatchReport()
        for batch in self.batches:
            total.add(batch.report)
        return total

    def may_claim(self, max_batches: int | None) -> bool:
        if max_batches is not None and len(self.batches) >= max_batches:
            return False
        if not self.batches:
            return True
        last = self.batches[-1].report.claimed
        if not self.in_flight:
            return last > 0  # batch after batch until nothing is left to claim
        # Ahead of the last pushes in flight: after a full batch, once a thread is free.
        return (
            self.ahead
            and last == self.settings.batch_size
            and self.in_flight < self.settings.concurrency
        )

    def claim(self, now: dt.datetime) -> None:
        """Claims a batch and hands its pushes to the sending threads."""
        batch = Batch(self.db, self.settings, now, self.unrecorded)
        try:
            jobs = batch.run(exclude=set(self.owner))
        except SQLAlchemyError as exc:
            if not self.in_flight or not database_unavailable(exc):
                raise
            # Claiming ahead met an outage: the pushes in flight are seen through and
            # recorded first (the recorder waits for the database while their leases last);
            # the next claim comes after them, and raises if the database is still away.
            self.db.rollback()
            self.ahead = False
            log.warning("claiming ahead failed, the pushes in flight go on: %s",
                        str(exc).splitlines()[0][:200])  # fmt: skip
            return
        self.ahead = True
        self.batches.append(batch)
        for notification_id, items in jobs.items():
            self.owner[notification_id] = batch
            self.waiting[notification_id] = len(items)
            for job in items:
                self.pool.submit(self.send, job)
                self.in_flight += 1


def send_due(
    db: Session,
    settings: PushSettings,
    now: Callable[[], dt.datetime] = utcnow,
    max_batches: int | None = None,
    budget_seconds: float | None = None,
) -> BatchReport:
    """Sends everything due now, batch after batch, until nothing is left to claim, or until
    `budget_seconds` have gone (checked before claiming another batch): a worker round that
    ends lets its heartbeat and the nudge rules go on while a push service hangs; the rest
    waits for the next round."""
    with Sender(db, settings) as sender:
        return sender.run(now, max_batches, budget_seconds)
