"""Pushing the outbox to a local push service: what arrives, what each answer does to the
notification and the device, preferences, endpoint safety, and — on databases of their
own, with real commits — concurrent workers and a worker killed mid-batch."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coachapp import create_app, migrate
from coachapp.coaching.service import share_note
from coachapp.db import utcnow
from coachapp.inbox.service import inbox_of
from coachapp.models import (
    Notification,
    NotificationPreference,
    NotificationStatus,
    PushDelivery,
    PushSubscription,
    User,
)
from coachapp.nudges.delivery import ANSWER_LIMIT, BatchReport, PushSettings, send_due
from coachapp.nudges.endpoints import EndpointRefused, check_endpoint
from coachapp.nudges.kinds import KINDS
from coachapp.nudges.outbox import notify, topic_for
from coachapp.nudges.subscriptions import subscribe
from coachapp.nudges.vapid import generate_vapid_keys
from tests.builders import Org, make_notification, make_user
from tests.conftest import new_database_url, settings_for
from tests.push_load import make_due_pushes
from tests.push_service import PushService
from tests.worker_process import SUBJECT, worker_environment, worker_process

NEW_YORK = ZoneInfo("America/New_York")
MAX_ATTEMPTS = 3
TIMEOUT = 0.5


@pytest.fixture(scope="module")
def vapid_keys() -> tuple[str, str]:
    return generate_vapid_keys()


def push_config(vapid_keys: tuple[str, str], **extra: Any) -> dict[str, Any]:
    private, public = vapid_keys
    return {
        "VAPID_PRIVATE_KEY": private,
        "VAPID_PUBLIC_KEY": public,
        "VAPID_SUBJECT": SUBJECT,
        "PUSH_ALLOW_PRIVATE_ENDPOINTS": True,  # the push service is on 127.0.0.1
        "PUSH_TIMEOUT_SECONDS": TIMEOUT,
        "PUSH_MAX_ATTEMPTS": MAX_ATTEMPTS,
        **extra,
    }


@pytest.fixture
def push_app(app: Flask, monkeypatch: pytest.MonkeyPatch, vapid_keys: tuple[str, str]) -> Flask:
    """The test app with a VAPID key pair, allowed to push to the local service."""
    for key, value in push_config(vapid_keys).items():
        monkeypatch.setitem(app.config, key, value)
    return app


@pytest.fixture
def settings(push_app: Flask) -> PushSettings:
    return PushSettings.from_config(push_app.config)


@pytest.fixture
def service() -> Iterator[PushService]:
    with PushService() as running:
        yield running
        assert running.problems == [], "the push service refused what it got"


def add_device(db: Session, user: User, service: PushService, name: str) -> PushSubscription:
    device, _created = subscribe(
        db, user, service.subscription(name), "Test browser", allow_private=True
    )
    return device


def send(db: Session, settings: PushSettings, when: dt.datetime) -> BatchReport:
    return send_due(db, settings, now=lambda: when)


def fresh(db: Session, thing: Any) -> Any:
    db.refresh(thing)
    return thing


def local(day: dt.date, clock: str) -> dt.datetime:
    """A wall-clock time in New York (the builders' time zone), as UTC."""
    hours, minutes = map(int, clock.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=NEW_YORK).astimezone(dt.UTC)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


# The whole path ------------------------------------------------------------------------


def test_a_shared_note_reaches_the_reps_phone_signed_and_encrypted(
    db: Session, org: Org, service: PushService, push_app: Flask, vapid_keys: tuple[str, str]
) -> None:
    rep, manager, draft = org.people["rep"], org.people["manager"], org.notes["draft"]
    phone = add_device(db, rep, service, "rep-phone")
    with push_app.app_context():
        share_note(db, manager, draft.id)
    notification = db.scalars(
        select(Notification).where(Notification.dedupe_key == f"note_shared:{draft.id}")
    ).one()

    result = push_app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    [received] = [r for r in service.to("rep-phone") if r.notification_id == notification.id]
    assert received.status == 201
    assert received.payload == {
        "id": notification.id,
        "kind": "note_shared",
        "title": "New coaching note from your manager",
        "url": f"/notes/{draft.id}",
        "tag": topic_for(notification),
    }
    for secret in (draft.private_notes, draft.strengths, draft.development_focus):
        assert secret and secret not in str(received.payload)
    now = time.time()
    assert received.claims is not None
    assert received.claims["aud"] == service.origin
    assert now < received.claims["exp"] <= now + 24 * 3600
    assert received.claims["sub"] == SUBJECT
    assert received.vapid_key == vapid_keys[1]
    headers = received.headers
    assert headers["ttl"] == str(KINDS["note_shared"].ttl)
    assert headers["urgency"] == "normal"
    assert headers["topic"] == topic_for(notification) and len(headers["topic"]) <= 32
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["content-type"] == "application/octet-stream"
    fresh(db, notification)
    assert notification.status == NotificationStatus.SENT
    assert notification.push_count == 1
    assert fresh(db, phone).last_success_at is not None


def test_notify_then_send_due_records_the_delivery(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db)
    phone = add_device(db, rep, service, "phone")
    assert notify(db, rep.id, "follow_up_due", "A follow-up is due tomorrow", "/follow-ups", "k1")
    db.commit()
    notification = db.scalars(select(Notification).where(Notification.dedupe_key == "k1")).one()
    now = utcnow()

    report = send(db, settings, now)

    assert (report.claimed, report.sent, report.pushes) == (1, 1, 1)
    assert service.delivered[notification.id] == 1
    assert service.to("phone")[0].headers["urgency"] == KINDS["follow_up_due"].urgency
    fresh(db, notification)
    assert notification.status == NotificationStatus.SENT
    assert (notification.attempts, notification.push_count) == (1, 1)
    assert notification.sent_at == now and notification.lease_until is None
    delivery = db.scalars(
        select(PushDelivery).where(PushDelivery.notification_id == notification.id)
    ).one()
    assert (delivery.subscription_id, delivery.status_code) == (phone.id, 201)
    fresh(db, phone)
    assert phone.last_success_at == now and phone.failures == 0


# What each answer of the push service does -------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_service_no_longer_knows_is_forgotten(
    db: Session, service: PushService, settings: PushSettings, status: int
) -> None:
    rep = make_user(db)
    add_device(db, rep, service, "old-phone")
    service.answer("old-phone", status)
    first = make_notification(db, rep)
    db.commit()

    send(db, settings, utcnow())

    assert db.scalar(select(func.count()).where(PushSubscription.user_id == rep.id)) == 0
    fresh(db, first)
    assert first.status == NotificationStatus.SENT and first.push_count == 0  # inbox only
    second = make_notification(db, rep)
    db.commit()
    send(db, settings, utcnow() + dt.timedelta(hours=1))
    assert len(service.to("old-phone")) == 1
    assert fresh(db, second).status == NotificationStatus.SENT


def test_a_payload_too_large_is_not_retried(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db)
    phone = add_device(db, rep, service, "phone")
    service.answer("phone", 413)
    notification = make_notification(db, rep)
    db.commit()
    now = utcnow()

    send(db, settings, now)
    send(db, settings, now + dt.timedelta(days=1))

    fresh(db, notification)
    assert notification.status == NotificationStatus.DEAD
    assert notification.attempts == 1 and notification.next_attempt_at is None
    assert "413" in (notification.last_error or "")
    assert len(service.to("phone")) == 1
    assert fresh(db, phone).failures == 1  # the device itself is kept


def test_every_push_says_its_body_is_opaque_octets(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    """A push service that follows RFC 8030 to the letter refuses a push without
    `Content-Type: application/octet-stream` (400); pywebpush sends none of its own."""
    rep = make_user(db)
    add_device(db, rep, service, "phone")
    add_device(db, rep, service, "laptop")
    first, second = make_notification(db, rep), make_notification(db, rep)
    db.commit()

    report = send(db, settings, utcnow())

    assert report.pushes == 4 and report.refused == 0
    received = service.to("phone") + service.to("laptop")
    assert len(received) == 4
    assert {r.headers.get("content-type") for r in received} == {"application/octet-stream"}
    assert {r.status for r in received} == {201}
    assert fresh(db, first).status == fresh(db, second).status == NotificationStatus.SENT


def test_a_push_refused_with_400_is_logged_with_the_answer_and_counted_for_the_admin(
    db: Session,
    service: PushService,
    settings: PushSettings,
    caplog: pytest.LogCaptureFixture,
    login_as: Any,
    client: Any,
) -> None:
    rep = make_user(db)
    phone = add_device(db, rep, service, "strict-phone")
    answer = '{"code": 400, "errno": 110, "message": "Missing Content-Type header"}'
    service.answer("strict-phone", 400, body=answer.encode() + b" " + b"x" * 2000)
    notification = make_notification(db, rep)
    db.commit()
    now = utcnow()

    with caplog.at_level("INFO", logger="coachapp.push"):
        report = send(db, settings, now)
        send(db, settings, now + dt.timedelta(days=1))  # not retried

    assert report.refused == 1 and report.dead == 1
    [line] = [
        r for r in caplog.records if r.name == "coachapp.push" and '"status":400' in r.message
    ]
    assert line.levelname == "WARNING"
    logged = json.loads(line.message)
    assert logged["answer"].startswith(answer)
    assert len(logged["answer"]) == ANSWER_LIMIT  # bounded, whatever the service sends
    assert len(service.to("strict-phone")) == 1
    fresh(db, notification)
    assert notification.status == NotificationStatus.DEAD
    assert answer in (notification.last_error or "")
    fresh(db, phone)  # kept (SECURITY.md: only 404/410 forget a device), and counted
    assert (phone.refusals, phone.failures, phone.last_refused_at) == (1, 1, now)
    assert (phone.last_refusal or "").startswith(f"400 Bad Request: {answer}")

    login_as("admin")
    page = client.get("/admin/worker").get_data(as_text=True)
    heading = re.search(r'id="refusals-heading">([^<]*)<span class="count">(\d+)<', page)
    assert heading and heading.group(2) == str(phone.refusals)
    assert "<code>127.0.0.1</code>: 1 refused" in page
    assert answer in html.unescape(page)


def test_too_many_requests_waits_for_retry_after_then_sends(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db)
    add_device(db, rep, service, "phone")
    service.answer("phone", 429, retry_after="600")
    notification = make_notification(db, rep)
    db.commit()
    now = utcnow()

    send(db, settings, now)

    fresh(db, notification)
    assert notification.status == NotificationStatus.FAILED
    assert notification.next_attempt_at is not None
    assert notification.next_attempt_at >= now + dt.timedelta(seconds=600)
    retry_at = notification.next_attempt_at
    service.answer("phone", 201)
    assert send(db, settings, now + dt.timedelta(seconds=599)).claimed == 0
    assert len(service.to("phone")) == 1

    send(db, settings, retry_at)

    fresh(db, notification)
    assert notification.status == NotificationStatus.SENT and notification.attempts == 2
    assert [r.status for r in service.to("phone")] == [429, 201]
    assert service.delivered[notification.id] == 1


@pytest.mark.parametrize("failure", [500, 503, "timeout"])
def test_a_failing_service_is_retried_with_growing_delays_until_dead(
    db: Session, service: PushService, settings: PushSettings, failure: int | str
) -> None:
    rep = make_user(db)
    phone = add_device(db, rep, service, "phone")
    if failure == "timeout":
        service.answer("phone", 201, delay=TIMEOUT + 0.2)  # answers after the sender gave up
    else:
        service.answer("phone", int(failure))
    notification = make_notification(db, rep)
    db.commit()
    now = utcnow()
    delays = []

    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = send(db, settings, now)
        assert report.claimed == 1, f"attempt {attempt} was not made"
        fresh(db, notification)
        assert notification.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert notification.status == NotificationStatus.FAILED
            assert notification.next_attempt_at is not None
            delays.append((notification.next_attempt_at - now).total_seconds())
            early = notification.next_attempt_at - dt.timedelta(seconds=1)
            assert send(db, settings, early).claimed == 0
            now = notification.next_attempt_at

    assert notification.status == NotificationStatus.DEAD
    assert notification.next_attempt_at is None
    base = settings.backoff_base
    # Exponential with jitter: attempt n waits between half and all of base * 2**(n-1).
    for n, delay in enumerate(delays, start=1):
        assert base * 2 ** (n - 1) / 2 <= delay <= base * 2 ** (n - 1)
    assert len(service.to("phone")) == MAX_ATTEMPTS
    assert service.delivered[notification.id] == 0
    assert fresh(db, phone).failures == MAX_ATTEMPTS
    expected = "Timeout" if failure == "timeout" else str(failure)
    assert expected in (notification.last_error or "")
    if failure == "timeout":  # each late answer found the sender gone
        wait_for(lambda: len(service.abandoned) == MAX_ATTEMPTS, 3, "the late answers")


def test_a_timeout_is_retried_and_then_delivered_once(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db)
    add_device(db, rep, service, "phone")
    service.answer("phone", 201, delay=TIMEOUT + 0.2)
    notification = make_notification(db, rep)
    db.commit()
    now = utcnow()

    send(db, settings, now)

    fresh(db, notification)
    assert notification.status == NotificationStatus.FAILED
    assert "Timeout" in (notification.last_error or "")
    service.answer("phone", 201)
    assert notification.next_attempt_at is not None
    send(db, settings, notification.next_attempt_at)
    assert fresh(db, notification).status == NotificationStatus.SENT
    wait_for(lambda: len(service.abandoned) == 1, 3, "the late answer to the first attempt")
    assert service.delivered[notification.id] == 1


def test_a_retry_goes_only_to_the_device_that_failed(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db)
    phone = add_device(db, rep, service, "phone")
    laptop = add_device(db, rep, service, "laptop")
    service.answer("laptop", 503)
    notification = make_notification(db, rep)
    db.commit()
    now = utcnow()

    send(db, settings, now)

    fresh(db, notification)
    assert notification.status == NotificationStatus.FAILED
    assert notification.push_count == 1
    assert notification.next_attempt_at is not None
    service.answer("laptop", 201)

    send(db, settings, notification.next_attempt_at)

    fresh(db, notification)
    assert notification.status == NotificationStatus.SENT and notification.push_count == 2
    assert [r.status for r in service.to("phone")] == [201]
    assert [r.status for r in service.to("laptop")] == [503, 201]
    assert service.delivered[notification.id] == 2
    reached = db.scalars(
        select(PushDelivery.subscription_id).where(PushDelivery.notification_id == notification.id)
    ).all()
    assert sorted(reached) == sorted([phone.id, laptop.id])


def test_a_redirect_from_the_push_service_is_not_followed(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db)
    add_device(db, rep, service, "phone")
    service.subscription("elsewhere")
    service.answer("phone", 307, location=service.endpoint("elsewhere"))
    notification = make_notification(db, rep)
    db.commit()

    send(db, settings, utcnow())

    assert service.to("elsewhere") == []
    fresh(db, notification)
    assert notification.status == NotificationStatus.DEAD
    assert "redirect" in (notification.last_error or "")


# Preferences ---------------------------------------------------------------------------


def set_preferences(db: Session, user: User, **values: Any) -> None:
    values.setdefault("muted_kinds", [])
    values.setdefault("daily_cap", 10)
    db.add(NotificationPreference(user_id=user.id, **values))
    db.commit()


@pytest.mark.parametrize(
    ("quiet", "clock", "resumes"),
    [
        (("22:00", "07:00"), (0, "23:30"), (1, "07:00")),  # wraps midnight, before it
        (("22:00", "07:00"), (1, "05:15"), (1, "07:00")),  # wraps midnight, after it
        (("12:30", "14:00"), (0, "13:00"), (0, "14:00")),
        (("22:00", "07:00"), (0, "21:00"), None),  # outside: pushed now
    ],
)
def test_quiet_hours_defer_the_push_but_not_the_inbox(
    db: Session,
    service: PushService,
    settings: PushSettings,
    quiet: tuple[str, str],
    clock: tuple[int, str],
    resumes: tuple[int, str] | None,
) -> None:
    rep = make_user(db, timezone="America/New_York")
    add_device(db, rep, service, "phone")
    start, end = (dt.time.fromisoformat(t) for t in quiet)
    set_preferences(db, rep, quiet_start=start, quiet_end=end)
    notification = make_notification(db, rep)
    db.commit()
    day = (utcnow().astimezone(NEW_YORK) + dt.timedelta(days=2)).date()
    now = local(day + dt.timedelta(days=clock[0]), clock[1])

    report = send(db, settings, now)

    assert notification in inbox_of(db, rep)
    fresh(db, notification)
    if resumes is None:
        assert notification.status == NotificationStatus.SENT
        assert service.delivered[notification.id] == 1
        return
    expected = local(day + dt.timedelta(days=resumes[0]), resumes[1])
    assert report.deferred == 1
    assert notification.status == NotificationStatus.PENDING
    assert notification.next_attempt_at == expected
    assert notification.attempts == 0  # waiting for morning is not a failed attempt
    assert service.received == []
    assert send(db, settings, expected - dt.timedelta(minutes=1)).claimed == 0

    send(db, settings, expected)

    assert fresh(db, notification).status == NotificationStatus.SENT
    assert notification.attempts == 1
    assert service.delivered[notification.id] == 1


def test_the_daily_cap_keeps_further_notifications_in_the_inbox_only(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db, timezone="America/New_York")
    add_device(db, rep, service, "phone")
    set_preferences(db, rep, daily_cap=2)
    first_batch = [make_notification(db, rep) for _ in range(4)]
    db.commit()
    day = (utcnow().astimezone(NEW_YORK) + dt.timedelta(days=2)).date()

    report = send(db, settings, local(day, "09:00"))

    assert (report.sent, report.inbox_only, report.pushes) == (2, 2, 2)
    assert len(service.received) == 2
    assert all(fresh(db, n).status == NotificationStatus.SENT for n in first_batch)
    assert sorted(n.push_count for n in first_batch) == [0, 0, 1, 1]
    assert all(n in inbox_of(db, rep) for n in first_batch)
    later_that_day = make_notification(db, rep)
    db.commit()
    send(db, settings, local(day, "18:00"))
    assert fresh(db, later_that_day).push_count == 0
    next_day = make_notification(db, rep)
    db.commit()
    send(db, settings, local(day + dt.timedelta(days=1), "09:00"))
    assert fresh(db, next_day).push_count == 1
    assert len(service.received) == 3


def test_muted_kinds_are_not_pushed(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db)
    add_device(db, rep, service, "phone")
    set_preferences(db, rep, muted_kinds=["note_shared"])
    muted = make_notification(db, rep, kind="note_shared")
    wanted = make_notification(db, rep, kind="follow_up_due")
    db.commit()

    send(db, settings, utcnow())

    assert service.delivered[wanted.id] == 1
    assert service.delivered[muted.id] == 0
    fresh(db, muted)
    assert muted.status == NotificationStatus.SENT and muted.push_count == 0
    assert muted in inbox_of(db, rep)


def test_a_test_notification_ignores_mute_quiet_hours_and_the_cap(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db, timezone="America/New_York")
    add_device(db, rep, service, "phone")
    set_preferences(
        db, rep, muted_kinds=["note_shared", "test"], daily_cap=1,
        quiet_start=dt.time(12, 0), quiet_end=dt.time(23, 0),
    )  # fmt: skip
    day = (utcnow().astimezone(NEW_YORK) + dt.timedelta(days=2)).date()
    morning = make_notification(db, rep, kind="follow_up_due")
    db.commit()
    send(db, settings, local(day, "09:00"))  # reaches the cap
    test = make_notification(db, rep, kind="test")
    waits = make_notification(db, rep, kind="follow_up_due")
    muted = make_notification(db, rep, kind="note_shared")
    db.commit()

    in_quiet_hours = send(db, settings, local(day, "13:00"))

    assert (in_quiet_hours.sent, in_quiet_hours.deferred, in_quiet_hours.inbox_only) == (1, 1, 1)
    assert service.delivered[morning.id] == 1
    assert service.delivered[test.id] == 1
    assert service.delivered[muted.id] == 0
    another_test = make_notification(db, rep, kind="test")
    db.commit()
    send(db, settings, local(day, "23:00"))  # quiet hours over, but the cap is spent
    assert service.delivered[another_test.id] == 1
    assert service.delivered[waits.id] == 0
    assert fresh(db, waits).status == NotificationStatus.SENT and waits.push_count == 0


def test_one_run_that_outlasts_the_backoff_retries_within_itself(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db)
    add_device(db, rep, service, "phone")
    service.answer("phone", 503)
    notification_id = make_notification(db, rep).id
    db.commit()
    db.expunge_all()  # the worker's session starts empty
    clock = iter(utcnow() + dt.timedelta(hours=hour) for hour in range(10))

    report = send_due(db, settings, now=lambda: next(clock), max_batches=MAX_ATTEMPTS + 1)

    assert report.claimed == MAX_ATTEMPTS and report.dead == 1
    notification = db.get(Notification, notification_id, populate_existing=True)
    assert notification is not None
    assert notification.status == NotificationStatus.DEAD
    assert notification.attempts == MAX_ATTEMPTS
    assert len(service.to("phone")) == MAX_ATTEMPTS


# Recording in batches, off the sending threads -------------------------------------------


def recording_statements(app: Flask) -> contextlib.AbstractContextManager[list[str]]:
    """The statements recording outcomes (UPDATE notifications ... push_count), with the
    thread each ran on."""
    return statements_like(
        app, lambda s: s.startswith("UPDATE notifications") and "push_count" in s
    )


@contextlib.contextmanager
def statements_like(app: Flask, wanted: Callable[[str], bool]) -> Iterator[list[str]]:
    engine = app.extensions["coachapp.db"].engine
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if wanted(statement):
            seen.append(f"{threading.current_thread().name}: {statement}")

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_the_outcomes_of_a_batch_are_recorded_together_by_the_calling_thread(
    push_app: Flask, db: Session, service: PushService, settings: PushSettings
) -> None:
    ids = make_due_pushes(db, service.subscription, users=12, per_user=2)
    together = PushSettings(**{**settings.__dict__, "record_seconds": 60.0})
    every_statement = statements_like(push_app, lambda _statement: True)

    with every_statement as statements, recording_statements(push_app) as records:
        report = send_due(db, together)

    assert (report.sent, report.pushes) == (24, 24)
    # All 24 outcomes alike (sent, one push): one fenced UPDATE, not one per notification.
    assert len(records) == 1
    # The sending threads only encrypt and POST; every statement is the caller's.
    main = threading.current_thread().name
    assert {statement.split(":")[0] for statement in statements} == {main}
    assert set(service.delivered) == set(ids) and set(service.delivered.values()) == {1}
    assert db.scalar(select(func.count()).select_from(PushDelivery)) == 24
    statuses = db.scalars(select(Notification.status).where(Notification.id.in_(ids))).all()
    assert set(statuses) == {NotificationStatus.SENT}


def test_a_gone_device_is_removed_when_its_outcome_is_recorded_with_others(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    reps = [make_user(db) for _ in range(4)]
    for n, rep in enumerate(reps):
        add_device(db, rep, service, f"phone-{n}")
    add_device(db, reps[0], service, "old-tablet")
    service.answer("old-tablet", 410)
    notifications = [make_notification(db, rep) for rep in reps]
    db.commit()
    together = PushSettings(**{**settings.__dict__, "record_seconds": 60.0})

    report = send(db, together, utcnow())

    assert (report.sent, report.pushes) == (4, 4)
    left = db.scalars(
        select(PushSubscription.endpoint).where(PushSubscription.user_id == reps[0].id)
    )
    assert [endpoint.rsplit("/", 1)[1] for endpoint in left] == ["phone-0"]
    assert [fresh(db, n).push_count for n in notifications] == [1, 1, 1, 1]
    assert "410" in (notifications[0].last_error or "")
    assert db.scalar(select(func.count()).select_from(PushDelivery)) == 4


def test_pushes_of_one_round_reuse_their_connections(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    make_due_pushes(db, service.subscription, users=10, per_user=4)
    small_batches = PushSettings(**{**settings.__dict__, "batch_size": 5, "concurrency": 4})

    report = send_due(db, small_batches)

    assert report.pushes == 40
    assert service.connections <= 4  # one per sending thread at most, for all 8 batches


def test_the_daily_cap_holds_across_batches_claimed_ahead(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    """Batches of two, each claimed while the last pushes are still answering: the pushes in
    flight count towards the cap as the recorded ones do."""
    rep = make_user(db, timezone="America/New_York")
    add_device(db, rep, service, "phone")
    service.answer("phone", delay=0.2)
    set_preferences(db, rep, daily_cap=3)
    notifications = [make_notification(db, rep) for _ in range(8)]
    db.commit()
    ahead = PushSettings(**{**settings.__dict__, "batch_size": 2, "timeout": 5.0})

    report = send(db, ahead, utcnow())

    assert (report.claimed, report.sent, report.inbox_only, report.pushes) == (8, 3, 5, 3)
    assert len(service.received) == 3
    assert sorted(fresh(db, n).push_count for n in notifications) == [0] * 5 + [1] * 3


# Endpoint safety -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8080/push/1",
        "https://127.0.0.1/push/1",
        "https://10.0.0.1/push/1",
        "https://192.168.1.20/push/1",
        "https://169.254.169.254/latest",
        "https://localhost/push/1",
        "https://push.localhost/push/1",
        "https://[::1]/push/1",
        "https://[fd00::1]/push/1",
        "http://push.example.com/push/1",
        "https://user:pass@push.example.com/push/1",
    ],
)
def test_private_or_plain_endpoints_are_refused(endpoint: str) -> None:
    with pytest.raises(EndpointRefused):
        check_endpoint(endpoint, allow_private=False)


def test_public_https_endpoints_are_accepted() -> None:
    assert check_endpoint("https://8.8.8.8/push/1", allow_private=False)
    name = "https://fcm.googleapis.com/fcm/send/abc"
    assert check_endpoint(name, allow_private=False, resolve=False) == name


def test_a_stored_private_endpoint_is_not_called_when_private_endpoints_are_off(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db)
    add_device(db, rep, service, "phone")  # stored while private endpoints were allowed
    notification = make_notification(db, rep)
    db.commit()
    strict = PushSettings(**{**settings.__dict__, "allow_private": False})

    send(db, strict, utcnow())

    assert service.received == []
    fresh(db, notification)
    assert notification.status == NotificationStatus.DEAD
    assert "https" in (notification.last_error or "")


# Concurrency and durability, with real commits ------------------------------------------


@pytest.fixture
def durable_app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    vapid_keys: tuple[str, str],
) -> Iterator[Flask]:
    """An app on a database of its own (migrated, dropped after), so commits are real."""
    backend: str = request.param
    with contextlib.contextmanager(new_database_url)(backend, tmp_path_factory) as url:
        config = push_config(vapid_keys, PUSH_TIMEOUT_SECONDS=10)
        application = create_app(settings_for(url, **config))
        migrate.upgrade(application)
        try:
            yield application
        finally:
            application.extensions["coachapp.db"].engine.dispose()
            if backend == "sqlite":
                path = Path(url.removeprefix("sqlite:///"))
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)


def new_session(app: Flask) -> Session:
    session: Session = app.extensions["coachapp.db"].sessionmaker()
    return session


def lapse_leases(app: Flask) -> None:
    """Ends the leases a dead worker held, as waiting them out would (the next worker's claim
    compares them with its clock). test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing
    waits for its leases to lapse for real."""
    with new_session(app) as session:
        session.execute(
            update(Notification)
            .where(Notification.status == NotificationStatus.SENDING)
            .values(lease_until=utcnow() - dt.timedelta(seconds=1))
        )
        session.commit()


def count_by_status(app: Flask) -> dict[str, int]:
    with new_session(app) as session:
        rows = session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)
        ).all()
    return {str(status): count for status, count in rows}


@pytest.mark.slow  # two workers racing, and a worker killed: make test runs them
@pytest.mark.parametrize("durable_app", ["postgresql"], indirect=True)
def test_two_workers_send_each_notification_exactly_once(
    durable_app: Flask, service: PushService
) -> None:
    # 40 claims to race over (400 notifications in batches of 10): what the two workers
    # contend for is the claim, so the race is as long as with more pushes per batch, each of
    # which only adds encryption work.
    with new_session(durable_app) as session:
        ids = make_due_pushes(session, service.subscription, users=100, per_user=4)
    assert len(ids) == 400
    settings = PushSettings.from_config({**durable_app.config, "PUSH_BATCH_SIZE": 10})
    start = threading.Barrier(2)
    reports: list[BatchReport] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            with new_session(durable_app) as session:  # a session (connection) of its own
                start.wait()
                reports.append(send_due(session, settings))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert all(report.claimed > 0 for report in reports), "one worker did everything"
    assert sum(report.claimed for report in reports) == 400
    assert len(service.received) == 400
    assert set(service.delivered) == set(ids)
    assert set(service.delivered.values()) == {1}
    assert count_by_status(durable_app) == {"sent": 400}
    with new_session(durable_app) as session:
        assert session.scalar(select(func.count()).select_from(PushDelivery)) == 400


@pytest.mark.slow
@pytest.mark.parametrize("durable_app", ["sqlite", "postgresql"], indirect=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(
    durable_app: Flask, service: PushService, tmp_path: Path
) -> None:
    with new_session(durable_app) as session:
        ids = make_due_pushes(session, service.subscription, users=30, per_user=2)
    environment = worker_environment(
        durable_app, tmp_path, PUSH_LEASE_SECONDS=1, PUSH_BATCH_SIZE=20, PUSH_CONCURRENCY=4,
        WORKER_INTERVAL_SECONDS=0.2,
    )  # fmt: skip
    answered_first = 7
    service.hold(after=answered_first)
    with worker_process(environment, tmp_path / "worker.log") as worker:
        wait_for(
            lambda: (
                count_by_status(durable_app).get("sent") == answered_first and service.holding > 0
            ),
            timeout=30,
            what=f"{answered_first} sent and the rest held",
        )
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
    held = service.holding
    service.release()
    wait_for(lambda: service.holding == 0, timeout=5, what="held requests to end")
    assert len(service.abandoned) >= held  # nobody was there to hear a 201 (nor a late one)

    with new_session(durable_app) as session:
        leases = session.scalars(
            select(Notification.lease_until).where(
                Notification.status == NotificationStatus.SENDING
            )
        ).all()
    assert leases, "the worker died holding nothing"
    lapse = max(lease for lease in leases if lease is not None)
    time.sleep(max((lapse - utcnow()).total_seconds(), 0) + 0.2)
    again = durable_app.test_cli_runner().invoke(args=["worker", "--once"])

    assert again.exit_code == 0, again.output
    assert count_by_status(durable_app) == {"sent": len(ids)}
    assert set(service.delivered) == set(ids)
    assert set(service.delivered.values()) == {1}, "a notification was answered 201 twice"


@pytest.mark.slow
@pytest.mark.parametrize("durable_app", ["sqlite", "postgresql"], indirect=True)
def test_a_device_that_hangs_does_not_hold_back_the_record_of_those_that_answered(
    durable_app: Flask, service: PushService, tmp_path: Path
) -> None:
    """Each rep has a phone that answers at once and a laptop whose push service hangs. The
    worker is killed while the laptops hang: the phones' pushes were accepted, so they must
    have been recorded as reached and never be pushed again by the next worker."""
    with new_session(durable_app) as session:
        ids = make_due_pushes(session, service.subscription, users=3, per_user=1)
        phones = session.scalars(select(PushSubscription).order_by(PushSubscription.id)).all()
        phone_names = [phone.endpoint.rsplit("/", 1)[1] for phone in phones]
        laptop_names = [f"{name}-laptop" for name in phone_names]
        for phone, name in zip(phones, laptop_names, strict=True):
            browser = service.subscription(name)
            session.add(
                PushSubscription(
                    user_id=phone.user_id,
                    endpoint=browser["endpoint"],
                    p256dh=browser["keys"]["p256dh"],
                    auth=browser["keys"]["auth"],
                    user_agent="laptop",
                )
            )
            service.answer(name, delay=60)  # hangs past the worker's life
        session.commit()
    environment = worker_environment(
        durable_app, tmp_path, PUSH_LEASE_SECONDS=4, PUSH_TIMEOUT_SECONDS=30,
        WORKER_INTERVAL_SECONDS=0.2,
    )  # fmt: skip
    with worker_process(environment, tmp_path / "worker.log") as worker:
        wait_for(
            lambda: (
                all(service.answered(name) for name in phone_names)
                and all(service.to(name) for name in laptop_names)
            ),
            timeout=30,
            what="the phones answered and the laptops hanging",
        )

        def phones_recorded() -> int:
            with new_session(durable_app) as session:
                return session.scalar(select(func.count()).select_from(PushDelivery)) or 0

        wait_for(lambda: phones_recorded() == 3, timeout=5, what="the phones recorded as reached")
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
    assert count_by_status(durable_app) == {"sending": 3}  # the laptops never answered
    for name in laptop_names:
        service.answer(name)  # back to answering at once
    lapse_leases(durable_app)  # the dead worker's
    again = durable_app.test_cli_runner().invoke(args=["worker", "--once"])

    assert again.exit_code == 0, again.output
    assert count_by_status(durable_app) == {"sent": len(ids)}
    assert [len(service.answered(name)) for name in phone_names] == [1, 1, 1]
    assert [len(service.answered(name)) for name in laptop_names] == [1, 1, 1]
    with new_session(durable_app) as session:
        assert session.scalar(select(func.count()).select_from(PushDelivery)) == 6
        pushes = session.scalars(select(Notification.push_count)).all()
    assert pushes == [2, 2, 2]


class Killed(BaseException):
    """The worker's process dying, as far as the worker's own thread can tell."""


@contextlib.contextmanager
def dying_at_record(app: Flask, commit_number: int) -> Iterator[None]:
    """The worker dies as its `commit_number`th transaction recording outcomes commits: its
    connection drops and that commit never happens."""
    engine = app.extensions["coachapp.db"].engine
    recording: set[int] = set()  # connections in a transaction that records outcomes
    commits = 0

    def note(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("UPDATE notifications") and "push_count" in statement:
            recording.add(id(conn))

    def commit(conn: Any) -> None:
        nonlocal commits
        if id(conn) in recording:
            recording.discard(id(conn))
            commits += 1
            if commits == commit_number:
                conn.invalidate()  # the connection drops; the database rolls back
                raise Killed

    event.listen(engine, "before_cursor_execute", note)
    event.listen(engine, "commit", commit)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", note)
        event.remove(engine, "commit", commit)


def sent_ids(app: Flask) -> set[int]:
    with new_session(app) as session:
        query = select(Notification.id).where(Notification.status == NotificationStatus.SENT)
        return set(session.scalars(query))


@pytest.mark.slow
@pytest.mark.parametrize("durable_app", ["sqlite", "postgresql"], indirect=True)
def test_a_worker_dying_before_a_batch_record_commits_leaves_those_pushes_to_be_retried(
    durable_app: Flask, service: PushService
) -> None:
    with new_session(durable_app) as session:
        ids = make_due_pushes(session, service.subscription, users=20, per_user=1)
    settings = PushSettings.from_config(
        {
            **durable_app.config,
            "PUSH_LEASE_SECONDS": 1,
            "PUSH_CONCURRENCY": 4,
            "PUSH_RECORD_SECONDS": 60,
            "PUSH_RECORD_AT_MOST": 5,
        }
    )

    session = new_session(durable_app)
    with dying_at_record(durable_app, commit_number=2), pytest.raises(Killed):
        send_due(session, settings)
    session.close()
    accepted_then = set(service.delivered)
    recorded = sent_ids(durable_app)

    assert len(recorded) == 5  # the first record committed; the second never did
    assert count_by_status(durable_app) == {"sent": 5, "sending": 15}
    lapse_leases(durable_app)  # the dead worker's
    with new_session(durable_app) as session:
        report = send_due(session, settings)

    assert report.claimed == 15
    assert count_by_status(durable_app) == {"sent": 20}
    assert set(service.delivered) == set(ids)  # none lost
    # Recorded before the death: never pushed again. Accepted but not recorded: pushed again
    # once by the next worker (at least once at that boundary). The rest: once.
    twice = {i for i, count in service.delivered.items() if count == 2}
    assert twice == accepted_then - recorded
    assert set(service.delivered.values()) <= {1, 2}
    with new_session(durable_app) as session:
        pairs = session.execute(select(PushDelivery.notification_id)).scalars().all()
    assert sorted(pairs) == sorted(ids)  # each device recorded as reached once


@pytest.mark.slow
@pytest.mark.parametrize("durable_app", ["sqlite", "postgresql"], indirect=True)
def test_a_record_that_fails_alone_costs_the_others_nothing(
    durable_app: Flask, service: PushService
) -> None:
    """The owner removes a device while its push is in flight: recording that push breaks a
    foreign key. The other notifications recorded with it are recorded still; that one is
    left to its lease, and the round fails once its pushes are in."""
    with new_session(durable_app) as session:
        ids = make_due_pushes(session, service.subscription, users=6, per_user=1)
        doomed = session.scalars(
            select(PushSubscription).order_by(PushSubscription.id.desc())
        ).first()
        assert doomed is not None
        doomed_id, doomed_name = doomed.id, doomed.endpoint.rsplit("/", 1)[1]
    service.answer(doomed_name, delay=1.0)
    settings = PushSettings.from_config(
        {**durable_app.config, "PUSH_LEASE_SECONDS": 2, "PUSH_RECORD_SECONDS": 60}
    )
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            with new_session(durable_app) as session:
                send_due(session, settings)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    wait_for(lambda: len(service.to(doomed_name)) == 1, timeout=10, what="the push in flight")
    with new_session(durable_app) as session:
        session.execute(delete(PushSubscription).where(PushSubscription.id == doomed_id))
        session.commit()
    thread.join(timeout=30)

    assert [type(failure) for failure in failures] == [IntegrityError]
    assert count_by_status(durable_app) == {"sent": 5, "sending": 1}
    with new_session(durable_app) as session:
        assert session.scalar(select(func.count()).select_from(PushDelivery)) == 5
    lapse_leases(durable_app)  # its lease
    with new_session(durable_app) as session:
        report = send_due(session, settings)
    assert (report.claimed, report.inbox_only) == (1, 1)  # no device left: the inbox only
    assert count_by_status(durable_app) == {"sent": 6}
    assert set(service.delivered) == set(ids)
