"""An admin sees whether the background worker is alive and how much waits for it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from coachapp.admin.worker_status import queue_depth
from coachapp.db import utcnow
from coachapp.models import NotificationStatus, WorkerHeartbeat
from coachapp.worker import RoundReport, record_heartbeat, worker_name
from tests.builders import Org, make_notification
from tests.conftest import HttpsClient


def test_no_worker_yet_is_stale(login_as: Any, client: HttpsClient) -> None:
    login_as("admin")
    page = client.get("/admin/worker").get_data(as_text=True)
    assert "Stale" in page
    assert "No worker has finished a round in the last day." in page


def test_a_recent_round_shows_the_worker_running_with_its_jobs(
    login_as: Any, client: HttpsClient, db: Session
) -> None:
    record_heartbeat(db, RoundReport(counts={"push": 4}, failures={"nudge_rules": "Boom: x"}))
    login_as("admin")
    page = client.get("/admin/worker").get_data(as_text=True)
    assert "Running" in page and "Stale" not in page
    assert worker_name() in page
    assert "push: 4 last run · 4 in all" in page
    assert "nudge_rules: " in page and "Boom: x" in page and "1 failed" in page


def test_a_figures_pass_running_apart_shows_since_when_and_when_it_last_finished(
    login_as: Any, client: HttpsClient, db: Session
) -> None:
    now = utcnow()
    finished = RoundReport(
        counts={"figures": 12}, finished_at={"figures": now - dt.timedelta(hours=1)}
    )
    record_heartbeat(db, finished, now - dt.timedelta(minutes=59))
    running = RoundReport(counts={"push": 0}, running={"figures": now - dt.timedelta(minutes=7)})
    record_heartbeat(db, running, now)
    login_as("admin")
    page = client.get("/admin/worker").get_data(as_text=True)
    assert "Running" in page and "Stale" not in page, "the rounds go on"
    assert (
        "figures: 12 last run · 12 in all · finished 60 min ago · running, started 7 min ago"
        in page
    )
    assert "Slow" in page and "The <code>figures</code> job has been running since" in page


def test_a_worker_silent_for_longer_than_the_limit_is_stale(
    login_as: Any, client: HttpsClient, db: Session
) -> None:
    record_heartbeat(db, RoundReport(counts={"push": 0}), utcnow() - dt.timedelta(minutes=6))
    login_as("admin")
    page = client.get("/admin/worker").get_data(as_text=True)
    assert "Stale" in page
    assert "6 min ago" in page


def test_the_latest_worker_decides(login_as: Any, client: HttpsClient, db: Session) -> None:
    now = utcnow()
    db.add(
        WorkerHeartbeat(
            worker="gone:7", started_at=now - dt.timedelta(hours=3),
            last_round_at=now - dt.timedelta(hours=2), rounds=3, jobs={},
        )
    )  # fmt: skip
    db.commit()
    record_heartbeat(db, RoundReport(counts={"push": 0}), now)
    login_as("admin")
    page = client.get("/admin/worker").get_data(as_text=True)
    assert "Running" in page
    assert "gone:7" in page  # still listed: seen in the last day


def test_queue_depth_counts_each_waiting_state_and_the_oldest_due(db: Session, org: Org) -> None:
    now = utcnow()
    before = queue_depth(db, now)
    rep = org.people["rep"]
    make_notification(db, rep, not_before=now - dt.timedelta(hours=3))
    make_notification(
        db, rep, status=NotificationStatus.FAILED, not_before=now - dt.timedelta(days=2),
        next_attempt_at=now - dt.timedelta(hours=5),
    )  # fmt: skip
    make_notification(
        db, rep, status=NotificationStatus.SENDING, lease_until=now - dt.timedelta(minutes=1)
    )
    make_notification(db, rep, status=NotificationStatus.DEAD)
    make_notification(db, rep, not_before=now + dt.timedelta(hours=1))  # not due yet
    db.commit()
    after = queue_depth(db, now)
    grew = {state: after.counts[state] - before.counts[state] for state in after.counts}
    assert grew == {
        NotificationStatus.PENDING: 2,
        NotificationStatus.FAILED: 1,
        NotificationStatus.SENDING: 1,
        NotificationStatus.DEAD: 1,
    }
    assert after.lapsed_leases == before.lapsed_leases + 1
    # The failed one's retry time, not its original not_before; the future one not at all.
    oldest = now - dt.timedelta(hours=5)
    assert after.oldest_due == min(before.oldest_due or oldest, oldest)


def test_the_page_shows_the_queue(login_as: Any, client: HttpsClient, db: Session) -> None:
    login_as("admin")
    page = client.get("/admin/worker").get_data(as_text=True)
    for label in ("Pending", "Failed", "Sending", "Dead", "Oldest due", "Lapsed leases"):
        assert f"<dt>{label}</dt>" in page
