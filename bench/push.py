"""Push throughput: `python -m bench.push [--notifications N] [--users U] [--database-url URL]`.

Seeds N due notifications (one device per user) in a temporary SQLite database, sends
them with one worker's `send_due` to the local push service (in a process of its own,
verifying every JWT and decrypting every body), and prints sends per second. Then the
floor: the same N encrypt-and-POSTs through `pywebpush.webpush` in a minimal loop at the
same concurrency, with no database — what the worker costs on top is the difference.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import requests
from py_vapid import Vapid
from pywebpush import webpush
from sqlalchemy import insert, select

from bench.pages import counting_statements
from coachapp import create_app, migrate
from coachapp.models import Notification, NotificationPreference, PushSubscription
from coachapp.nudges.delivery import PushSettings, send_due
from coachapp.nudges.kinds import kind_of
from coachapp.nudges.outbox import payload_for, topic_for
from coachapp.nudges.preferences import MAX_DAILY_CAP
from coachapp.nudges.vapid import generate_vapid_keys
from tests.push_load import make_due_pushes
from tests.push_service import PushService

SUBJECT = "mailto:bench@example.com"


def serve(control: Connection) -> None:
    """The push service's own process: its checks must not share the sender's GIL."""
    with PushService() as service:
        control.send(service.origin)
        control.recv()  # until told to stop


@contextmanager
def push_service_process() -> Iterator[str]:
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=serve, args=(child,))
    process.start()
    try:
        yield str(parent.recv())
    finally:
        parent.send("stop")
        process.join(timeout=10)


def get_json(url: str) -> Any:
    with urlopen(url, timeout=10) as response:  # noqa: S310 - our own service on 127.0.0.1
        return json.loads(response.read())


@dataclass(frozen=True)
class Push:
    subscription: dict[str, Any]
    payload: str
    ttl: int
    urgency: str
    topic: str


def the_same_pushes(db: Any, ids: list[int]) -> list[Push]:
    """What the worker sent, rebuilt from the database for the floor's loop."""
    rows = db.execute(
        select(Notification, PushSubscription)
        .join(PushSubscription, PushSubscription.user_id == Notification.recipient_id)
        .where(Notification.id.in_(ids))
    ).all()
    return [
        Push(
            {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}},
            payload_for(notification).decode(),
            kind_of(notification.kind).ttl,
            kind_of(notification.kind).urgency,
            topic_for(notification),
        )
        for notification, device in rows
    ]


def floor(pushes: list[Push], settings: PushSettings, origin: str) -> float:
    """Seconds for the bare encrypt-and-POST loop: one VAPID signature, a session per thread."""
    vapid = Vapid.from_string(private_key=settings.vapid_private_key)
    authorization = vapid.sign(
        {"sub": settings.vapid_subject, "aud": origin, "exp": int(time.time()) + 12 * 3600}
    )
    local = threading.local()

    def send(push: Push) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        webpush(
            push.subscription,
            data=push.payload,
            headers={**authorization, "Urgency": push.urgency, "Topic": push.topic},
            ttl=push.ttl,
            timeout=settings.timeout,
            requests_session=local.session,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
        for _ in pool.map(send, pushes):
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notifications", type=int, default=5000)
    parser.add_argument("--users", type=int, default=250)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    private, public = generate_vapid_keys()

    with tempfile.TemporaryDirectory() as tmp, push_service_process() as origin:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench-" + "x" * 40,
                "VAPID_PRIVATE_KEY": private,
                "VAPID_PUBLIC_KEY": public,
                "VAPID_SUBJECT": SUBJECT,
                "PUSH_ALLOW_PRIVATE_ENDPOINTS": True,
            }
        )
        migrate.upgrade(app)
        database = app.extensions["coachapp.db"]
        settings = PushSettings.from_config(app.config)
        per_user = math.ceil(args.notifications / args.users)
        with database.sessionmaker() as db:
            ids = make_due_pushes(
                db, lambda name: get_json(f"{origin}/subscriptions/{name}"), args.users, per_user
            )
            # Everyone takes every push: the daily cap is not what is measured here.
            recipients = db.scalars(
                select(Notification.recipient_id).where(Notification.id.in_(ids)).distinct()
            ).all()
            db.execute(
                insert(NotificationPreference),
                [{"user_id": r, "muted_kinds": [], "daily_cap": MAX_DAILY_CAP} for r in recipients],
            )
            db.commit()
        print(
            f"{len(ids)} due notifications, {len(recipients)} users with one device each "
            f"({url.split(':')[0]}); concurrency {settings.concurrency}, "
            f"batches of {settings.batch_size}"
        )

        with database.sessionmaker() as db, counting_statements(database.engine) as statements:
            started = time.perf_counter()
            report = send_due(db, settings)
            worker_seconds = time.perf_counter() - started
        stats = get_json(f"{origin}/stats")
        assert report.pushes == len(ids), report
        assert stats["received"] == len(ids) and not stats["problems"], stats
        assert sorted(map(int, stats["delivered"])) == sorted(ids), "not each exactly once"
        worker_rate = len(ids) / worker_seconds
        print(
            f"worker send_due: {len(ids)} pushes in {worker_seconds:.2f} s = "
            f"{worker_rate:.0f}/s ({len(statements) / len(ids):.1f} SQL statements a push)"
        )

        with database.sessionmaker() as db:
            pushes = the_same_pushes(db, ids)
        floor_seconds = floor(pushes, settings, origin)
        after = get_json(f"{origin}/stats")
        assert after["received"] == 2 * len(ids) and not after["problems"], after
        floor_rate = len(pushes) / floor_seconds
        print(
            f"floor (pywebpush.webpush loop): {len(pushes)} pushes in {floor_seconds:.2f} s = "
            f"{floor_rate:.0f}/s"
        )
        print(f"worker / floor: {worker_rate / floor_rate:.2f}")
        database.engine.dispose()


if __name__ == "__main__":
    main()
