"""Push throughput: `python -m bench.push [--notifications N] [--rounds R] [--users U]
[--concurrency C] [--batch-size B] [--database-url URL]`.

In each of R rounds, seeds N/R due notifications (U new users, one device each) in a
temporary SQLite database (or URL) and sends them twice to the local push service (in a
process of its own, verifying every JWT and decrypting every body): with one worker's
`send_due`, and as the floor, the same encrypt-and-POSTs through `pywebpush.webpush` in a
minimal loop at the same concurrency, with no database. What the worker costs on top is the
difference. The two alternate which goes first from round to round, so that the load of a
shared machine changing mid-run favours neither; the ratio is of the totals, with each
round's beside it, and the CPU each spent a push (here and in the push service). Exits 1
when the worker reaches less than GATE (0.8) of the floor's rate.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import statistics
import sys
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
from coachapp.collector import settle_for_serving
from coachapp.models import Notification, NotificationPreference, PushSubscription
from coachapp.nudges.delivery import PushSettings, send_due
from coachapp.nudges.kinds import kind_of
from coachapp.nudges.outbox import payload_for, topic_for
from coachapp.nudges.preferences import MAX_DAILY_CAP
from coachapp.nudges.vapid import generate_vapid_keys
from tests.push_load import make_due_pushes
from tests.push_service import PushService

SUBJECT = "mailto:bench@example.com"
# The worker sends at least this share of the bare encrypt-and-POST loop's rate (the run's
# totals); below it the command exits 1.
GATE = 0.8


def serve(control: Connection) -> None:
    """The push service's own process: its checks must not share the sender's GIL."""
    with PushService() as service:
        control.send(service.origin)
        control.recv()  # until told to stop


@contextmanager
def push_service_process() -> Iterator[tuple[str, int]]:
    """The service's origin and its process id."""
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=serve, args=(child,))
    process.start()
    try:
        yield str(parent.recv()), int(process.pid or 0)
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
    """Seconds for the bare encrypt-and-POST loop: one VAPID signature, a session per thread
    (kept for the whole loop, so each thread reuses its connection)."""
    vapid = Vapid.from_string(private_key=settings.vapid_private_key)
    authorization = vapid.sign(
        {"sub": settings.vapid_subject, "aud": origin, "exp": int(time.time()) + 12 * 3600}
    )
    local = threading.local()

    def send(push: Push) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.trust_env = False  # no proxy or .netrc lookups per push, as the worker
        webpush(
            push.subscription,
            data=push.payload,
            headers={
                **authorization,
                "Content-Type": "application/octet-stream",
                "Urgency": push.urgency,
                "Topic": push.topic,
            },
            ttl=push.ttl,
            timeout=settings.timeout,
            requests_session=local.session,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
        for _ in pool.map(send, pushes):
            pass
    return time.perf_counter() - started


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of another process so far; None where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    """One timed sending of a round's pushes: wall seconds, this process's CPU seconds, the
    push service's CPU seconds (None when unknown)."""

    wall: float = 0.0
    cpu: float = 0.0
    service_cpu: float | None = 0.0

    def add(self, other: Phase) -> None:
        self.wall += other.wall
        self.cpu += other.cpu
        if self.service_cpu is None or other.service_cpu is None:
            self.service_cpu = None
        else:
            self.service_cpu += other.service_cpu


@contextmanager
def timed(service_pid: int) -> Iterator[Phase]:
    phase = Phase()
    service_before = cpu_seconds(service_pid)
    cpu, wall = time.process_time(), time.perf_counter()
    yield phase
    phase.wall = time.perf_counter() - wall
    phase.cpu = time.process_time() - cpu
    service_after = cpu_seconds(service_pid)
    if service_before is None or service_after is None:
        phase.service_cpu = None
    else:
        phase.service_cpu = service_after - service_before


def per_push_ms(seconds: float | None, pushes: int) -> str:
    return "?" if seconds is None else f"{seconds / pushes * 1000:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notifications", type=int, default=5000)
    parser.add_argument("--users", type=int, default=250, help="per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, help="PUSH_CONCURRENCY (default: the app's)")
    parser.add_argument("--batch-size", type=int, help="PUSH_BATCH_SIZE (default: the app's)")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    private, public = generate_vapid_keys()
    overrides: dict[str, Any] = {}
    if args.concurrency:
        overrides["PUSH_CONCURRENCY"] = args.concurrency
    if args.batch_size:
        overrides["PUSH_BATCH_SIZE"] = args.batch_size

    with tempfile.TemporaryDirectory() as tmp, push_service_process() as (origin, service_pid):
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench-" + "x" * 40,
                "VAPID_PRIVATE_KEY": private,
                "VAPID_PUBLIC_KEY": public,
                "VAPID_SUBJECT": SUBJECT,
                "PUSH_ALLOW_PRIVATE_ENDPOINTS": True,
                **overrides,
            }
        )
        migrate.upgrade(app)
        # The collector as `flask worker` sets it once the app is loaded (the floor shares it).
        settle_for_serving()
        database = app.extensions["coachapp.db"]
        settings = PushSettings.from_config(app.config)
        per_round = math.ceil(args.notifications / args.rounds)
        per_user = math.ceil(per_round / args.users)
        print(
            f"{args.rounds} rounds of {per_user * args.users} due notifications, each to one of "
            f"{args.users} new users with one device ({url.split(':')[0]}); "
            f"concurrency {settings.concurrency}, batches of {settings.batch_size}; "
            f"load average at the start {load_average()}"
        )
        worker, floor_total = Phase(), Phase()
        pushes_sent, statements_made, ratios = 0, 0, []
        for round_number in range(args.rounds):
            ids = due_pushes(database, origin, args.users, per_user)
            with database.sessionmaker() as db:
                pushes = the_same_pushes(db, ids)
            before = get_json(f"{origin}/stats")["delivered"]
            # Alternate which goes first, so that a change of load between the two phases of
            # a round favours neither over the whole run.
            order = ["worker", "floor"] if round_number % 2 == 0 else ["floor", "worker"]
            for name in order:
                if name == "worker":
                    with (
                        database.sessionmaker() as db,
                        counting_statements(database.engine) as statements,
                        timed(service_pid) as this_worker,
                    ):
                        report = send_due(db, settings)
                    assert report.pushes == len(ids), report
                    after = get_json(f"{origin}/stats")
                    assert not after["problems"], after["problems"][:5]
                    twice = [
                        i for i in ids
                        if after["delivered"].get(str(i), 0) - before.get(str(i), 0) != 1
                    ]  # fmt: skip
                    assert not twice, f"not each exactly once: {twice[:10]}"
                    statements_made += len(statements)
                else:
                    with timed(service_pid) as this_floor:
                        floor(pushes, settings, origin)
                before = get_json(f"{origin}/stats")["delivered"]
            worker.add(this_worker)
            floor_total.add(this_floor)
            pushes_sent += len(ids)
            ratios.append(this_floor.wall / this_worker.wall)
            print(
                f"round {round_number + 1} ({' then '.join(order)}): worker {len(ids)} pushes "
                f"in {this_worker.wall:.2f} s, floor in {this_floor.wall:.2f} s: "
                f"{ratios[-1]:.2f}"
            )
        stats = get_json(f"{origin}/stats")
        assert stats["received"] == 2 * pushes_sent and not stats["problems"], stats["received"]
        worker_rate = pushes_sent / worker.wall
        floor_rate = pushes_sent / floor_total.wall
        print(
            f"worker send_due: {pushes_sent} pushes in {worker.wall:.2f} s = {worker_rate:.0f}/s "
            f"({statements_made / pushes_sent:.2f} SQL statements a push); CPU a push "
            f"{per_push_ms(worker.cpu, pushes_sent)} ms here, "
            f"{per_push_ms(worker.service_cpu, pushes_sent)} ms in the push service"
        )
        print(
            f"floor (pywebpush.webpush loop): {pushes_sent} pushes in {floor_total.wall:.2f} s = "
            f"{floor_rate:.0f}/s; CPU a push {per_push_ms(floor_total.cpu, pushes_sent)} ms "
            f"here, {per_push_ms(floor_total.service_cpu, pushes_sent)} ms in the push service"
        )
        print(f"load average at the end {load_average()}")
        print(
            f"worker / floor: {worker_rate / floor_rate:.2f} (rounds: "
            f"{', '.join(f'{r:.2f}' for r in ratios)}; median {statistics.median(ratios):.2f})"
        )
        database.engine.dispose()
    ratio = worker_rate / floor_rate
    verdict = "PASS" if ratio >= GATE else "FAIL"
    print(f"{verdict}: the worker at {ratio:.2f} of the floor (gate: at least {GATE})")
    return 0 if ratio >= GATE else 1


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def due_pushes(database: Any, origin: str, users: int, per_user: int) -> list[int]:
    """`users` new users with one device each and `per_user` notifications each, due now."""
    with database.sessionmaker() as db:
        ids = make_due_pushes(
            db, lambda name: get_json(f"{origin}/subscriptions/{name}"), users, per_user
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
    return ids


if __name__ == "__main__":
    sys.exit(main())
