"""The background worker: each round runs the jobs that are due, each in an app context.

Jobs: evaluate the nudge rules, push the outbox, answer password reset asks, email nudges and
send the mail queue, purge spent tokens, sign-in attempts and password links,
snapshot goal attainment once a quarter has closed, apply the organisation's retention daily,
compute the dashboard's figures again
when something they rest on changed or a day turned.
`run_once` runs every job in turn (for cron and tests); `run_forever` runs each job at its own
interval until SIGTERM or SIGINT, finishing the round it is in. There a figures pass (the
whole organisation's stored figures, about 20 s of CPU at national scale) runs apart, in a
process of its own (FiguresProcess), one pass at a time, so that the rounds' heartbeats,
nudge rules and pushes keep their pace while it runs; a stop abandons the pass.
Every round ends with a heartbeat row (`worker_heartbeats`) that the admin's worker page
reads: what each job did when it last finished, and since when a figures pass is running.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete
from sqlalchemy.orm import Session

from coachapp.auth.password_reset import answer_reset_requests, purge_spent
from coachapp.auth.throttle import purge_old_attempts
from coachapp.dashboard.summaries import Abandoned, StopEvent, refresh_if_due
from coachapp.db import get_session, utcnow
from coachapp.mail.queue import MailSettings
from coachapp.mail.queue import send_due as send_due_mail
from coachapp.models import ApiToken, WorkerHeartbeat
from coachapp.nudges.delivery import PushSettings, send_due
from coachapp.nudges.email import email_nudges as queue_nudge_emails
from coachapp.nudges.rules import evaluate
from coachapp.plans.snapshots import last_closed_quarter, take_snapshots
from coachapp.privacy import retention

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


def answer_password_resets(db: Session) -> int:
    """Reset links for the asks that name a person (coachapp.auth.password_reset)."""
    return answer_reset_requests(db)


def send_mail(db: Session) -> int:
    """Sends the mail queue over SMTP (coachapp.mail.queue); the messages sent."""
    settings = MailSettings.from_config(current_app.config)
    if not settings.url:
        # Nothing is queued without SMTP_URL; what was queued before it was unset waits.
        return 0
    return send_due_mail(db, settings).sent


def email_nudges(db: Session) -> int:
    """Nudges by email for those who want them (coachapp.nudges.email); emails queued."""
    return queue_nudge_emails(db)


def purge_password_links(db: Session) -> int:
    return purge_spent(db)


def snapshot_attainment(db: Session) -> int:
    """The goals without a snapshot for the last quarter closed everywhere: their attainment at
    its last day, kept (coachapp.plans.snapshots). Usually nothing is missing, and one query
    says so."""
    now = utcnow()
    taken = take_snapshots(db, last_closed_quarter(now), now)
    db.commit()
    return taken


def refresh_figures(db: Session, stop: StopEvent | None = None) -> int:
    """The dashboard's stored figures computed again when behind (coachapp.dashboard.summaries):
    a change waits, or a date turned; the rows written. Usually nothing is due, and two small
    queries say so. `stop` set abandons a pass (summaries.Abandoned)."""
    return refresh_if_due(db, utcnow(), stop)


def apply_retention(db: Session) -> int:
    """The organisation's retention (coachapp.privacy.retention): drafts never shared and
    leavers past their time removed, with an audit entry; how many. Nothing while an admin
    has set no retention."""
    removal = retention.apply(db)
    return len(removal.drafts) + len(removal.leavers)


# Name -> (job, the config key giving its interval in run_forever; None: every round).
# run_forever runs the figures job in a process of its own (FiguresProcess), not in the rounds.
JOBS: dict[str, tuple[Job, str | None]] = {
    "nudge_rules": (evaluate_nudge_rules, "NUDGE_RULES_INTERVAL_SECONDS"),
    "push": (push_outbox, None),
    "password_resets": (answer_password_resets, None),
    "email_nudges": (email_nudges, "EMAIL_NUDGES_INTERVAL_SECONDS"),
    "mail": (send_mail, None),
    "purge_expired_tokens": (purge_expired_tokens, "PURGE_INTERVAL_SECONDS"),
    "purge_login_attempts": (purge_login_attempts, "PURGE_INTERVAL_SECONDS"),
    "purge_password_links": (purge_password_links, "PURGE_INTERVAL_SECONDS"),
    "attainment_snapshots": (snapshot_attainment, "ATTAINMENT_SNAPSHOT_INTERVAL_SECONDS"),
    "retention": (apply_retention, "RETENTION_INTERVAL_SECONDS"),
    "figures": (refresh_figures, "FIGURES_INTERVAL_SECONDS"),
}


@dataclass
class RoundReport:
    counts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    # A job run apart from the round (the figures): when it finished, if not in this round.
    finished_at: dict[str, dt.datetime] = field(default_factory=dict)
    # A job running apart from the round as the round ends: since when.
    running: dict[str, dt.datetime] = field(default_factory=dict)

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
        entry["at"] = report.finished_at.get(job, now).isoformat()
        if job in report.counts:
            entry.update(count=report.counts[job], error=None)
            entry["total"] = entry.get("total", 0) + report.counts[job]
        else:
            entry.update(count=None, error=report.failures[job][:500])
            entry["failures"] = entry.get("failures", 0) + 1
        entry.pop("running_since", None)
    for job, since in report.running.items():
        entry = jobs.setdefault(job, {"count": None, "total": 0, "failures": 0})
        entry["running_since"] = since.isoformat()
    row.jobs = jobs  # a new dict: changes inside a JSON value are not tracked
    row.rounds += 1
    row.last_round_at = now
    db.execute(
        delete(WorkerHeartbeat).where(WorkerHeartbeat.last_round_at < now - HEARTBEAT_KEPT_FOR)
    )
    db.commit()


def run_once(
    app: Flask, only: set[str] | None = None, apart: FiguresProcess | None = None
) -> RoundReport:
    """Runs the jobs (those named in `only`) one after another, then records the heartbeat,
    with what `apart` did since the last one."""
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
    if apart is not None:
        apart.report_to(report)
    with app.app_context():
        db = get_session()
        try:
            record_heartbeat(db, report)
        except Exception:  # the database may be down: the next round tries again
            db.rollback()
            log.exception("worker heartbeat not recorded")
            if apart is not None:
                apart.report_again(report)
    return report


@dataclass(frozen=True)
class _Outcome:
    """A figures pass that ran to its end: when, and the rows it wrote or why it failed."""

    finished_at: dt.datetime
    count: int | None = None
    error: str | None = None


# How often a figures process waiting for its next pass looks whether it should end.
STOP_LOOK_SECONDS = 0.2


class _Stopping:
    """What a figures process checks to give up a pass and end: the worker asked it to stop,
    or the worker is gone (killed: the process's parent is no longer it).

    The worker's ask is a flag in shared memory that takes no lock, as it is raised from
    signal handlers: a handler that interrupts code holding a lock it needs (a
    multiprocessing.Event's, whose set() waits for the waiter it interrupted) waits for ever,
    and so would the worker waiting for it to end."""

    def __init__(self, asked: Any, worker_pid: int) -> None:
        self.asked = asked  # a shared c_bool (multiprocessing RawValue)
        self.worker_pid = worker_pid

    def is_set(self) -> bool:
        return bool(self.asked.value) or os.getppid() != self.worker_pid

    def wait(self, seconds: float) -> None:
        _wait_until(self.is_set, seconds)


def _wait_until(done: Callable[[], bool], seconds: float) -> None:
    """Waits `seconds`, or less once done() holds (looked at every STOP_LOOK_SECONDS)."""
    deadline = time.monotonic() + seconds
    while not done() and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, STOP_LOOK_SECONDS))


def _figures_pass(app: Flask, stopping: _Stopping) -> _Outcome | None:
    """One pass, in an app context with its own session; None when abandoned."""
    try:
        with app.app_context():
            db = get_session()
            try:
                count = refresh_figures(db, stopping)
            except BaseException:
                db.rollback()
                raise
        return _Outcome(utcnow(), count=count)
    except Abandoned:
        log.info("figures pass abandoned: the worker is stopping or gone")
        return None
    except Exception as exc:  # recorded; the next pass tries again
        log.exception("worker job figures failed")
        return _Outcome(utcnow(), error=f"{type(exc).__name__}: {exc}")


def _figures_process(
    app: Flask, interval: float, asked: Any, results: Connection, worker_pid: int
) -> None:
    """The figures process's life: a pass every `interval` seconds until stopped, each pass's
    start and outcome sent to the worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker hears it and asks us to stop
    signal.signal(signal.SIGTERM, lambda _signum, _frame: setattr(asked, "value", True))
    engine = app.extensions["coachapp.db"].engine
    engine.dispose(close=False)  # the worker's pooled connections stay the worker's
    stopping = _Stopping(asked, worker_pid)
    try:
        while not stopping.is_set():
            results.send(("started", utcnow()))
            results.send(("finished", _figures_pass(app, stopping)))
            stopping.wait(interval)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the worker is gone: nobody to tell
    finally:
        engine.dispose()


class FiguresProcess:
    """The figures job in a process of its own, forked from the worker as it starts: a pass
    every `interval` seconds (when one is due: refresh_figures), one at a time, with its own
    database connections, so that however much CPU a pass takes the rounds keep their pace.
    A stop abandons a pass under way (rolled back; its changes stay marked for the next
    worker), as does the worker's death. Each round's heartbeat says what the last pass did
    and since when one is running; a process that died is reported and started again."""

    NAME = "figures"

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self._context = multiprocessing.get_context("fork")
        self._asked = self._context.RawValue(ctypes.c_bool, False)  # see _Stopping
        self._process: BaseProcess | None = None
        self._results: Connection | None = None
        self._running_since: dt.datetime | None = None
        self._outcome: _Outcome | None = None  # the last pass's, not yet in a heartbeat

    def start(self) -> None:
        if self._results is not None:
            self._results.close()  # a process that died: its pipe
        receiving, sending = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_figures_process,
            args=(self.app, self.interval, self._asked, sending, os.getpid()),
            name="coachapp-figures",
            daemon=True,
        )
        process.start()
        sending.close()
        self._process, self._results = process, receiving
        self._running_since = None

    def ask_to_stop(self) -> None:
        """The process abandons a pass under way and ends (safe in a signal handler)."""
        self._asked.value = True

    def stop(self, timeout: float) -> bool:
        """Asks the process to end and waits for it; whether it ended in time (else it is
        killed)."""
        self._asked.value = True
        if self._process is None:
            return True
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)
            return False
        return True

    def _receive(self) -> None:
        results = self._results
        while results is not None and results.poll():
            try:
                kind, value = results.recv()
            except EOFError:
                return
            if kind == "started":
                self._running_since = value
            else:
                self._running_since = None
                if value is not None:
                    self._outcome = value

    def report_to(self, report: RoundReport) -> None:
        """Puts into the round's report the last pass's outcome, if not yet reported, and
        since when a pass is running, if one is."""
        self._receive()
        process = self._process
        if process is not None and not process.is_alive() and not self._asked.value:
            error = f"the figures process ended (exit code {process.exitcode}); started again"
            log.error(error)
            self._outcome = _Outcome(utcnow(), error=error)
            self.start()
        outcome, self._outcome = self._outcome, None
        if outcome is not None:
            if outcome.error is None:
                report.counts[self.NAME] = outcome.count or 0
            else:
                report.failures[self.NAME] = outcome.error
            report.finished_at[self.NAME] = outcome.finished_at
        if self._running_since is not None:
            report.running[self.NAME] = self._running_since

    def report_again(self, report: RoundReport) -> None:
        """A heartbeat that was not recorded: its pass's outcome waits for the next one,
        unless a newer pass finished since."""
        finished_at = report.finished_at.get(self.NAME)
        if finished_at is not None and self._outcome is None:
            count, error = report.counts.get(self.NAME), report.failures.get(self.NAME)
            self._outcome = _Outcome(finished_at, count, error)


# How long a stopping worker waits for a figures pass to see the stop and end.
FIGURES_STOP_WAIT_SECONDS = 30.0


def run_forever(app: Flask, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    # The CLI hands over flask.current_app, a proxy to the app context of the thread that
    # pushed it: the figures process needs the app itself.
    app = getattr(app, "_get_current_object", lambda: app)()

    # The signals asked to stop by. A handler takes no lock (an Event's, the log's): it may
    # interrupt the code holding it, and would wait for ever.
    signalled: list[int] = []

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        signalled.append(signum)
        figures.ask_to_stop()  # at once, not once the round is done

    def stopping() -> bool:
        return stop.is_set() or bool(signalled)

    interval = float(app.config["WORKER_INTERVAL_SECONDS"])
    figures = FiguresProcess(app, float(app.config.get("FIGURES_INTERVAL_SECONDS", interval)))
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
    log.info("worker started; a round every %.0f s", interval)
    figures.start()
    in_rounds = {name: key for name, (_job, key) in JOBS.items() if name != FiguresProcess.NAME}
    last_run: dict[str, float] = {}
    while not stopping():
        now = time.monotonic()
        due = {
            name
            for name, key in in_rounds.items()
            if key is None
            or name not in last_run
            or now - last_run[name] >= float(app.config.get(key, interval))
        }
        report = run_once(app, due, figures)
        last_run.update(dict.fromkeys(due, now))
        if any(report.counts.values()) or report.failures:
            log.info(report.summary())
        _wait_until(stopping, interval)
    if signalled:
        log.info("worker stopping on signal %s", signalled[0])
    if not figures.stop(FIGURES_STOP_WAIT_SECONDS):
        log.warning("the figures process did not end in %.0f s: killed", FIGURES_STOP_WAIT_SECONDS)
    if signalled and threading.current_thread() is threading.main_thread():
        # Stopped already: a further signal (Ctrl-C, then `make run`'s `kill 0`) arriving while
        # the interpreter shuts down, where Python's handlers are gone, would end the process
        # by that signal instead of its clean exit.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
