"""The background worker: each round runs the jobs that are due, each in an app context.

Jobs: evaluate the nudge rules, push the outbox, purge spent tokens and sign-in attempts,
snapshot goal attainment once a quarter has closed, compute the dashboard's figures again
when something they rest on changed or a day turned.
`run_once` runs every job (for cron and tests); `run_forever` runs each job at its own
interval until SIGTERM or SIGINT, finishing the round it is in. Every round ends with a
heartbeat row (`worker_heartbeats`) that the admin's worker page reads.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

from flask import Flask, current_app
from sqlalchemy import delete
from sqlalchemy.orm import Session

from coachapp.auth.throttle import purge_old_attempts
from coachapp.dashboard.summaries import refresh_if_due
from coachapp.db import get_session, utcnow
from coachapp.models import ApiToken, WorkerHeartbeat
from coachapp.nudges.delivery import PushSettings, send_due
from coachapp.nudges.rules import evaluate
from coachapp.plans.snapshots import last_closed_quarter, take_snapshots

log = logging.getLogger("coachapp.worker")

Job = Callable[[Session], int]


def purge_expired_tokens(db: Session) -> int:
    """Tokens expired or revoked more than a week ago are of no further use."""
    cutoff = utcnow() - dt.timedelta(days=7)
    result = db.execute(
        delete(ApiToken).where((ApiToken.expires_at < cutoff) | (ApiToken.revoked_at < cutoff))
    )
    db.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_login_attempts(db: Session) -> int:
    count = purge_old_attempts(db)
    db.commit()
    return count


def evaluate_nudge_rules(db: Session) -> int:
    return evaluate(db)


def push_outbox(db: Session) -> int:
    """Sends every notification that is due; the number of pushes that reached a device."""
    settings = PushSettings.from_config(current_app.config)
    if not settings.vapid_private_key:
        # Notifications wait in the outbox (and show in the inbox) until keys exist.
        log.warning("no VAPID key: run `flask --app coachapp vapid-keys`; pushes wait")
        return 0
    return send_due(db, settings, budget_seconds=settings.round_seconds).pushes


def snapshot_attainment(db: Session) -> int:
    """The goals without a snapshot for the last quarter closed everywhere: their attainment at
    its last day, kept (coachapp.plans.snapshots). Usually nothing is missing, and one query
    says so."""
    now = utcnow()
    taken = take_snapshots(db, last_closed_quarter(now), now)
    db.commit()
    return taken


def refresh_figures(db: Session) -> int:
    """The dashboard's stored figures computed again when behind (coachapp.dashboard.summaries):
    a change waits, or a date turned; the rows written. Usually nothing is due, and two small
    queries say so."""
    return refresh_if_due(db, utcnow())


# Name -> (job, the config key giving its interval in run_forever; None: every round).
JOBS: dict[str, tuple[Job, str | None]] = {
    "nudge_rules": (evaluate_nudge_rules, "NUDGE_RULES_INTERVAL_SECONDS"),
    "push": (push_outbox, None),
    "purge_expired_tokens": (purge_expired_tokens, "PURGE_INTERVAL_SECONDS"),
    "purge_login_attempts": (purge_login_attempts, "PURGE_INTERVAL_SECONDS"),
    "attainment_snapshots": (snapshot_attainment, "ATTAINMENT_SNAPSHOT_INTERVAL_SECONDS"),
    "figures": (refresh_figures, "FIGURES_INTERVAL_SECONDS"),
}


@dataclass
class RoundReport:
    counts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        parts = [f"{name}={count}" for name, count in self.counts.items()]
        parts += [f"{name} FAILED: {error}" for name, error in self.failures.items()]
        return "worker round: " + ", ".join(parts)


HEARTBEAT_KEPT_FOR = dt.timedelta(days=7)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def record_heartbeat(db: Session, report: RoundReport, now: dt.datetime | None = None) -> None:
    """This worker finished a round: its time and what each job that ran did."""
    now = now or utcnow()
    name = worker_name()
    row = db.get(WorkerHeartbeat, name)
    if row is None:
        row = WorkerHeartbeat(worker=name, started_at=now, rounds=0, jobs={})
        db.add(row)
    jobs = {job: dict(entry) for job, entry in (row.jobs or {}).items()}
    for job in [*report.counts, *report.failures]:
        entry = jobs.setdefault(job, {"count": 0, "total": 0, "failures": 0})
        entry["at"] = now.isoformat()
        if job in report.counts:
            entry.update(count=report.counts[job], error=None)
            entry["total"] = entry.get("total", 0) + report.counts[job]
        else:
            entry.update(count=None, error=report.failures[job][:500])
            entry["failures"] = entry.get("failures", 0) + 1
    row.jobs = jobs  # a new dict: changes inside a JSON value are not tracked
    row.rounds += 1
    row.last_round_at = now
    db.execute(
        delete(WorkerHeartbeat).where(WorkerHeartbeat.last_round_at < now - HEARTBEAT_KEPT_FOR)
    )
    db.commit()


def run_once(app: Flask, only: set[str] | None = None) -> RoundReport:
    report = RoundReport()
    for name, (job, _interval) in JOBS.items():
        if only is not None and name not in only:
            continue
        with app.app_context():
            db = get_session()
            try:
                report.counts[name] = job(db)
            except Exception as exc:  # a failing job must not stop the others
                db.rollback()
                log.exception("worker job %s failed", name)
                report.failures[name] = f"{type(exc).__name__}: {exc}"
    with app.app_context():
        db = get_session()
        try:
            record_heartbeat(db, report)
        except Exception:  # the database may be down: the next round tries again
            db.rollback()
            log.exception("worker heartbeat not recorded")
    return report


def run_forever(app: Flask, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("worker stopping on signal %s", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
    interval = float(app.config["WORKER_INTERVAL_SECONDS"])
    log.info("worker started; a round every %.0f s", interval)
    last_run: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        due = {
            name
            for name, (_job, key) in JOBS.items()
            if key is None
            or name not in last_run
            or now - last_run[name] >= float(app.config.get(key, interval))
        }
        report = run_once(app, due)
        last_run.update(dict.fromkeys(due, now))
        if any(report.counts.values()) or report.failures:
            log.info(report.summary())
        stop.wait(interval)
