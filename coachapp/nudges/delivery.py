"""Delivering the outbox by Web Push (RFC 8030/8291/8292), durably.

A worker claims due notifications with a lease (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several workers never take the same one), pushes them to every device of
the recipient with bounded concurrency, and records each notification's outcome in its
own transaction, fenced by the lease: a worker that outlived its lease cannot overwrite a
newer claim. A worker killed mid-batch leaves its notifications ``sending`` with a lease
that lapses; the next worker takes them again and skips the devices already reached
(``push_deliveries``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, joinedload

from coachapp.db import database_unavailable, insert_for, utcnow
from coachapp.models import (
    Notification,
    NotificationPreference,
    NotificationStatus,
    PushDelivery,
    PushSubscription,
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
from coachapp.nudges.transport import push_session

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
            session = push_session(self.settings.allow_private)
            self._local.session = session
        return session

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


def due_condition(now: dt.datetime) -> Any:
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


def claim(db: Session, now: dt.datetime, lease: dt.datetime, limit: int) -> list[int]:
    """Marks up to `limit` due notifications as ours until `lease`; one statement, so a
    notification is never claimed twice (SKIP LOCKED on PostgreSQL; SQLite has one writer)."""
    due = (
        select(Notification.id)
        .where(due_condition(now))
        .order_by(Notification.not_before, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = db.execute(
        update(Notification)
        .where(Notification.id.in_(due.scalar_subquery()))
        .values(
            status=NotificationStatus.SENDING,
            lease_until=lease,
            attempts=Notification.attempts + 1,
        )
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
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
    """One claimed batch: decides per notification, pushes, records outcomes."""

    def __init__(
        self, db: Session, settings: PushSettings, pusher: Pusher, now: dt.datetime
    ) -> None:
        self.db = db
        self.settings = settings
        self.pusher = pusher
        self.now = now
        self.lease = now + dt.timedelta(seconds=settings.lease_seconds)
        self.started = time.monotonic()  # the lease's clock, whatever `now` says
        self.report = BatchReport()
        self._pushed_today: dict[int, int] = {}

    def run(self) -> BatchReport:
        ids = claim(self.db, self.now, self.lease, self.settings.batch_size)
        self.report.claimed = len(ids)
        if not ids:
            return self.report
        # The caller's session may already hold these objects (sessions keep values across
        # commits); the claim has just changed status and attempts, which decide the outcome.
        notifications = self.db.scalars(
            select(Notification)
            .where(Notification.id.in_(ids))
            .options(joinedload(Notification.recipient))
            .order_by(Notification.id)
            .execution_options(populate_existing=True)
        ).all()
        recipients = {n.recipient_id for n in notifications}
        prefs = preferences_for(self.db, recipients)
        devices: dict[int, list[PushSubscription]] = defaultdict(list)
        for device in self.db.scalars(
            select(PushSubscription).where(PushSubscription.user_id.in_(recipients))
        ):
            devices[device.user_id].append(device)
        reached: dict[int, set[int]] = defaultdict(set)
        for notification_id, subscription_id in self.db.execute(
            select(PushDelivery.notification_id, PushDelivery.subscription_id).where(
                PushDelivery.notification_id.in_(ids)
            )
        ):
            reached[notification_id].add(subscription_id)
        # End the read transaction (objects stay loaded); outcomes follow one by one.
        self.db.commit()

        jobs: dict[int, list[Job]] = {}
        for notification in notifications:
            plan = self.plan(notification, prefs[notification.recipient_id], devices, reached)
            if plan is not None:
                jobs[notification.id] = plan
        by_id = {n.id: n for n in notifications}
        self.push(by_id, jobs, reached)
        return self.report

    # Deciding ------------------------------------------------------------------------

    def plan(
        self,
        notification: Notification,
        prefs: NotificationPreference,
        devices: Mapping[int, list[PushSubscription]],
        reached: Mapping[int, set[int]],
    ) -> list[Job] | None:
        """The pushes to make now, or None when the notification was settled without any."""
        user = notification.recipient
        unconditional = notification.kind in UNCONDITIONAL_KINDS
        targets = [d for d in devices.get(user.id, []) if d.id not in reached[notification.id]]
        if (
            not user.active
            or not targets
            or (notification.kind in prefs.muted_kinds and not unconditional)
        ):
            reason = "inactive" if not user.active else "muted" if targets else "no devices"
            self.finish(notification, NotificationStatus.SENT, pushes=len(reached[notification.id]))
            self.report.inbox_only += 1
            self.log(notification, None, Outcome("inbox_only", error=reason))
            return None
        if not unconditional:
            quiet_end = quiet_until(prefs, user.timezone, self.now)
            if quiet_end is not None:
                self.finish(
                    notification, NotificationStatus.PENDING, next_attempt_at=quiet_end,
                    attempts=notification.attempts - 1, pushes=len(reached[notification.id]),
                )  # fmt: skip
                self.report.deferred += 1
                self.log(notification, None, Outcome("deferred", error="quiet hours"))
                return None
            if self.pushed_today(user.id, user.timezone) >= prefs.daily_cap:
                self.finish(
                    notification, NotificationStatus.SENT, pushes=len(reached[notification.id])
                )
                self.report.inbox_only += 1
                self.log(notification, None, Outcome("inbox_only", error="daily cap"))
                return None
        self._pushed_today[user.id] = self.pushed_today(user.id, user.timezone) + 1
        kind = kind_of(notification.kind)
        payload, topic = payload_for(notification), topic_for(notification)
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

    def pushed_today(self, user_id: int, timezone_name: str) -> int:
        if user_id not in self._pushed_today:
            since = start_of_local_day(timezone_name, self.now)
            self._pushed_today[user_id] = pushed_since(self.db, [user_id], since).get(user_id, 0)
            self.db.commit()
        return self._pushed_today[user_id]

    # Pushing ------------------------------------------------------------------------

    def push(
        self,
        notifications: Mapping[int, Notification],
        jobs: Mapping[int, list[Job]],
        reached: Mapping[int, set[int]],
    ) -> None:
        if not jobs:
            return
        waiting = {notification_id: len(items) for notification_id, items in jobs.items()}
        results: dict[int, list[tuple[Job, Outcome]]] = defaultdict(list)
        with ThreadPoolExecutor(max_workers=self.settings.concurrency) as pool:
            futures = {
                pool.submit(self.pusher.send, job): job for items in jobs.values() for job in items
            }
            for future in as_completed(futures):
                job = futures[future]
                outcome = future.result()
                self.log(notifications[job.notification_id], job, outcome)
                results[job.notification_id].append((job, outcome))
                waiting[job.notification_id] -= 1
                if waiting[job.notification_id] == 0:
                    self.settle(
                        notifications[job.notification_id],
                        results.pop(job.notification_id),
                        len(reached[job.notification_id]),
                    )

    def settle(
        self, notification: Notification, results: list[tuple[Job, Outcome]], reached_before: int
    ) -> None:
        """Records one notification's pushes in one transaction, if our lease still holds.

        The pushes have been made whatever the database does next: when it goes away now (a
        restart, a failover), the record is tried again while the lease lasts, so that a short
        outage does not leave the next worker to push the same notification again.
        """
        delivered = [job for job, outcome in results if outcome.result == OK]
        transient = [outcome for _, outcome in results if outcome.result == TRANSIENT]
        permanent = [outcome for _, outcome in results if outcome.result == PERMANENT]
        pushes = reached_before + len(delivered)
        errors = (
            "; ".join(
                refusal_text(o) if o.refused else o.error or ""
                for _, o in results
                if o.result != OK
            )
            or None
        )
        if transient:
            if notification.attempts >= self.settings.max_attempts:
                status, next_at, counter = NotificationStatus.DEAD, None, "dead"
            else:
                retry_after = max((o.retry_after or 0.0) for o in transient)
                delay = backoff_seconds(notification.attempts, self.settings, retry_after)
                status, counter = NotificationStatus.FAILED, "retrying"
                next_at = self.now + dt.timedelta(seconds=delay)
        elif permanent and pushes == 0:
            status, next_at, counter = NotificationStatus.DEAD, None, "dead"
        else:
            status, next_at, counter = NotificationStatus.SENT, None, "sent"
        pause = RECORD_RETRY_FIRST_PAUSE
        while True:
            try:
                self.record(notification, results, status, pushes, next_at, errors)
                break
            except SQLAlchemyError as exc:
                self.db.rollback()
                lease_left = self.settings.lease_seconds - (time.monotonic() - self.started)
                if not database_unavailable(exc) or lease_left < pause + RECORD_RETRY_MARGIN:
                    raise
                log.warning(
                    "notification %s: recording its pushes failed, retrying in %.1f s: %s",
                    notification.id, pause, str(exc).splitlines()[0][:200],
                )  # fmt: skip
                time.sleep(pause)
                pause = min(pause * 2, RECORD_RETRY_MAX_PAUSE)
        setattr(self.report, counter, getattr(self.report, counter) + 1)
        self.report.pushes += len(delivered)

    def record(
        self,
        notification: Notification,
        results: list[tuple[Job, Outcome]],
        status: NotificationStatus,
        pushes: int,
        next_at: dt.datetime | None,
        errors: str | None,
    ) -> None:
        """The outcome, the devices reached and the devices' health, in one transaction."""
        delivered = [job for job, outcome in results if outcome.result == OK]
        if not self.finish(
            notification, status, pushes=pushes, next_attempt_at=next_at, error=errors,
            commit=False,
        ):  # fmt: skip
            return
        if delivered:
            self.db.execute(
                insert_for(self.db)(PushDelivery)
                .values(
                    [
                        {
                            "notification_id": job.notification_id,
                            "subscription_id": job.subscription_id,
                            "status_code": outcome.status_code or 201,
                            "delivered_at": self.now,
                        }
                        for job, outcome in results
                        if outcome.result == OK
                    ]
                )
                .on_conflict_do_nothing()
            )
            self.db.execute(
                update(PushSubscription)
                .where(PushSubscription.id.in_([job.subscription_id for job in delivered]))
                .values(last_success_at=self.now, failures=0)
            )
        gone = [job.subscription_id for job, outcome in results if outcome.result == GONE]
        if gone:
            self.db.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
        failing = [
            job.subscription_id
            for job, outcome in results
            if outcome.result in (PERMANENT, TRANSIENT) and not outcome.refused
        ]
        if failing:
            self.db.execute(
                update(PushSubscription)
                .where(PushSubscription.id.in_(failing))
                .values(failures=PushSubscription.failures + 1)
            )
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
                        last_refused_at=self.now,
                    )
                )
        self.db.commit()

    def finish(
        self,
        notification: Notification,
        status: NotificationStatus,
        *,
        pushes: int = 0,
        next_attempt_at: dt.datetime | None = None,
        attempts: int | None = None,
        error: str | None = None,
        commit: bool = True,
    ) -> bool:
        """Sets the outcome unless another worker has taken the notification over."""
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
            self.db.commit()  # nothing was written; keep the batch's objects loaded
            log.warning("notification %s: lease lost, outcome not recorded", notification.id)
            return False
        if commit:
            self.db.commit()
        return True

    def log(self, notification: Notification, job: Job | None, outcome: Outcome) -> None:
        self.report.outcomes[outcome.result] += 1
        if outcome.refused:
            self.report.refused += 1
        log.log(
            logging.WARNING if outcome.refused else logging.INFO,
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


def send_batch(
    db: Session, settings: PushSettings, pusher: Pusher, now: dt.datetime | None = None
) -> BatchReport:
    return Batch(db, settings, pusher, now or utcnow()).run()


def send_due(
    db: Session,
    settings: PushSettings,
    now: Callable[[], dt.datetime] = utcnow,
    max_batches: int | None = None,
    budget_seconds: float | None = None,
) -> BatchReport:
    """Sends everything due now, batch after batch, until nothing is left to claim, or until
    `budget_seconds` have gone (checked between batches): a worker round that ends lets its
    heartbeat and the nudge rules go on while a push service hangs; the rest waits for the
    next round."""
    pusher = Pusher(settings)
    total = BatchReport()
    batches = 0
    started = time.monotonic()
    while max_batches is None or batches < max_batches:
        report = send_batch(db, settings, pusher, now())
        total.add(report)
        batches += 1
        if report.claimed == 0:
            break
        if budget_seconds is not None and time.monotonic() - started >= budget_seconds:
            log.info("push round ends after %d batches (%.0f s); the rest goes next", batches,
                     time.monotonic() - started)  # fmt: skip
            break
    return total
