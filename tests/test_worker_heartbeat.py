"""Each worker round leaves a heartbeat: when it ran and what each job did."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import worker
from coachapp.db import utcnow
from coachapp.models import WorkerHeartbeat
from coachapp.worker import RoundReport, record_heartbeat, run_once, worker_name


def heartbeat(db: Session) -> WorkerHeartbeat:
    db.expire_all()
    row = db.get(WorkerHeartbeat, worker_name())
    assert row is not None
    return row


def test_a_round_records_its_time_and_each_jobs_count(app: Flask, db: Session) -> None:
    before = utcnow()
    report = run_once(app, {"purge_login_attempts", "purge_expired_tokens"})
    assert report.ok
    row = heartbeat(db)
    assert row.rounds == 1
    assert row.last_round_at >= before
    assert set(row.jobs) == {"purge_login_attempts", "purge_expired_tokens"}
    entry = row.jobs["purge_login_attempts"]
    assert entry["count"] == 0 and entry["total"] == 0 and entry["error"] is None


def test_counts_add_up_over_rounds(db: Session) -> None:
    now = utcnow()
    record_heartbeat(db, RoundReport(counts={"push": 3, "nudge_rules": 1}), now)
    record_heartbeat(db, RoundReport(counts={"push": 2}), now + dt.timedelta(seconds=5))
    row = heartbeat(db)
    assert row.rounds == 2
    assert row.last_round_at == now + dt.timedelta(seconds=5)
    assert row.jobs["push"]["count"] == 2 and row.jobs["push"]["total"] == 5
    # A job that did not run this round keeps what it did last time.
    assert row.jobs["nudge_rules"]["count"] == 1
    assert row.jobs["nudge_rules"]["at"] == now.isoformat()


def test_a_failing_job_is_recorded_and_the_round_still_beats(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_db: Session) -> int:
        raise RuntimeError("push service unreachable")

    monkeypatch.setitem(worker.JOBS, "push", (broken, None))
    report = run_once(app, {"push", "purge_login_attempts"})
    assert "push" in report.failures
    row = heartbeat(db)
    assert row.jobs["push"]["error"] == "RuntimeError: push service unreachable"
    assert row.jobs["push"]["failures"] == 1
    assert row.jobs["purge_login_attempts"]["error"] is None


def test_workers_not_seen_for_a_week_are_forgotten(db: Session) -> None:
    now = utcnow()
    db.add(
        WorkerHeartbeat(
            worker="old-host:1", started_at=now - dt.timedelta(days=30),
            last_round_at=now - dt.timedelta(days=8), rounds=10, jobs={},
        )
    )  # fmt: skip
    db.commit()
    record_heartbeat(db, RoundReport(counts={"push": 0}), now)
    names = set(db.scalars(select(WorkerHeartbeat.worker)))
    assert "old-host:1" not in names
    assert worker_name() in names


def test_a_heartbeat_that_cannot_be_written_does_not_stop_the_worker(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def database_down(*_args: Any, **_kwargs: Any) -> None:
        raise ConnectionError("database restarting")

    monkeypatch.setattr(worker, "record_heartbeat", database_down)
    report = run_once(app, {"purge_login_attempts"})
    assert report.ok
    assert "worker heartbeat not recorded" in caplog.text
