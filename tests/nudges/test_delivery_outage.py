"""Outages around push delivery. The database going away between a push and its record: the
worker keeps what it sent and records it once the database answers again, so nothing is
pushed twice. A push service that hangs: a round stops pushing after its budget, so the
worker's rounds (heartbeat, nudge rules) go on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.models import Notification, NotificationStatus, PushDelivery
from coachapp.nudges.delivery import PushSettings, send_due
from coachapp.nudges.outbox import notify
from coachapp.nudges.subscriptions import subscribe
from coachapp.nudges.vapid import generate_vapid_keys
from tests.builders import make_user
from tests.push_service import PushService


@pytest.fixture
def settings(app: Flask) -> PushSettings:
    private, _public = generate_vapid_keys()
    return PushSettings(
        vapid_private_key=private,
        vapid_subject="mailto:test@example.com",
        allow_private=True,
        timeout=2.0,
        lease_seconds=60.0,
    )


@pytest.fixture
def service() -> Iterator[PushService]:
    with PushService() as running:
        yield running
        assert running.problems == []


@contextmanager
def recording_fails(app: Flask, times: int) -> Iterator[list[str]]:
    """The next `times` statements recording an outcome fail as on a lost connection."""
    engine = app.extensions["coachapp.db"].engine
    failed: list[str] = []

    def lost_connection(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        recording = statement.startswith("UPDATE notifications") and "push_count" in statement
        if recording and len(failed) < times:
            failed.append(statement)
            gone = Exception("server closed the connection unexpectedly")
            raise OperationalError(statement, {}, gone)

    event.listen(engine, "before_cursor_execute", lost_connection)
    try:
        yield failed
    finally:
        event.remove(engine, "before_cursor_execute", lost_connection)


def test_pushes_are_recorded_after_a_short_outage_and_not_sent_again(
    app: Flask, db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db)
    for device in ("phone", "laptop"):
        subscribe(db, rep, service.subscription(device), "Test browser", allow_private=True)
    notify(db, rep.id, "follow_up_due", "A follow-up is due tomorrow", "/follow-ups", "outage")
    db.commit()

    with recording_fails(app, times=2) as failed:
        report = send_due(db, settings, now=utcnow)
    again = send_due(db, settings, now=utcnow)

    assert len(failed) == 2
    assert (report.sent, report.pushes, again.claimed) == (1, 2, 0)
    notification = db.scalars(select(Notification).filter_by(dedupe_key="outage")).one()
    db.refresh(notification)
    assert notification.status == NotificationStatus.SENT
    assert notification.push_count == 2
    deliveries = db.scalars(select(PushDelivery).filter_by(notification_id=notification.id))
    assert len(deliveries.all()) == 2
    assert [len(service.answered(device)) for device in ("phone", "laptop")] == [1, 1]


def test_a_batch_recorded_through_a_short_outage_is_recorded_whole_and_not_sent_again(
    app: Flask, db: Session, service: PushService, settings: PushSettings
) -> None:
    """Twelve notifications' outcomes in one transaction, which the outage breaks twice."""
    reps = [make_user(db) for _ in range(12)]
    for n, rep in enumerate(reps):
        subscribe(db, rep, service.subscription(f"phone-{n}"), "Test browser", allow_private=True)
        notify(db, rep.id, "follow_up_due", "A follow-up is due", "/follow-ups", f"batch-{n}")
    db.commit()
    together = PushSettings(**{**settings.__dict__, "record_seconds": 60.0})

    with recording_fails(app, times=2) as failed:
        report = send_due(db, together, now=utcnow)
    again = send_due(db, together, now=utcnow)

    assert len(failed) == 2
    assert (report.sent, report.pushes, again.claimed) == (12, 12, 0)
    statuses = db.scalars(
        select(Notification.status).where(Notification.dedupe_key.like("batch-%"))
    ).all()
    assert statuses == [NotificationStatus.SENT] * 12
    assert len(db.scalars(select(PushDelivery)).all()) == 12
    assert [len(service.answered(f"phone-{n}")) for n in range(12)] == [1] * 12


def test_a_longer_outage_leaves_the_notification_to_the_next_worker(
    app: Flask, db: Session, service: PushService, settings: PushSettings
) -> None:
    """Past the lease another worker may already have it: stop trying and fail the round."""
    rep = make_user(db)
    subscribe(db, rep, service.subscription("phone"), "Test browser", allow_private=True)
    notify(db, rep.id, "follow_up_due", "A follow-up is due tomorrow", "/follow-ups", "long")
    db.commit()
    short_lease = PushSettings(**{**settings.__dict__, "lease_seconds": 2.0})

    with recording_fails(app, times=100), pytest.raises(OperationalError):
        send_due(db, short_lease, now=utcnow)

    notification = db.scalars(select(Notification).filter_by(dedupe_key="long")).one()
    db.refresh(notification)
    assert notification.status == NotificationStatus.SENDING  # until the lease lapses
    assert len(service.answered("phone")) == 1


def test_a_hanging_push_service_does_not_hold_the_round_up(
    db: Session, service: PushService, settings: PushSettings
) -> None:
    rep = make_user(db)
    subscribe(db, rep, service.subscription("phone"), "Test browser", allow_private=True)
    service.answer("phone", delay=1.0)  # past the sender's timeout: every push times out
    for n in range(6):
        notify(db, rep.id, "follow_up_due", "A follow-up is due", f"/follow-ups/{n}", f"hang-{n}")
    db.commit()
    hanging = PushSettings(
        **{**settings.__dict__, "timeout": 0.3, "batch_size": 2, "concurrency": 1}
    )

    started = time.monotonic()
    report = send_due(db, hanging, now=utcnow, budget_seconds=0.5)
    took = time.monotonic() - started

    assert report.claimed == 2 and report.retrying == 2  # one batch, then the round ends
    assert took < 2.0
    waiting = db.scalars(
        select(Notification.status).where(Notification.dedupe_key.like("hang-%"))
    ).all()
    assert sorted(waiting) == ["failed"] * 2 + ["pending"] * 4  # for the next rounds
