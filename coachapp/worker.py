"""The background worker: each round runs every job in an app context, logging failures."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.orm import Session

from coachapp.auth.throttle import purge_old_attempts
from coachapp.db import get_session, utcnow
from coachapp.models import ApiToken

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


JOBS: dict[str, Job] = {
    "purge_expired_tokens": purge_expired_tokens,
    "purge_login_attempts": purge_login_attempts,
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


def run_once(app: Flask) -> RoundReport:
    report = RoundReport()
    for name, job in JOBS.items():
        with app.app_context():
            db = get_session()
            try:
                report.counts[name] = job(db)
            except Exception as exc:  # a failing job must not stop the others
                db.rollback()
                log.exception("worker job %s failed", name)
                report.failures[name] = f"{type(exc).__name__}: {exc}"
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
    while not stop.is_set():
        report = run_once(app)
        log.info(report.summary())
        stop.wait(interval)
