"""The worker computes the stored figures in a process of its own: while a figures pass runs
(at national scale about 20 s of CPU), its rounds go on: heartbeats, nudge rules, pushes. A
stop abandons the pass and leaves its changes marked for the next worker."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp import create_app, migrate, worker
from coachapp.dashboard.stored import STATE_ID
from coachapp.dashboard.summaries import Abandoned, StopEvent, compute, refresh_if_due
from coachapp.db import utcnow
from coachapp.models import FigureChange, FigureRefresh, WorkerHeartbeat
from coachapp.nudges.outbox import notify
from coachapp.nudges.subscriptions import subscribe
from coachapp.nudges.vapid import generate_vapid_keys
from tests.builders import Org, make_user
from tests.conftest import new_database_url, settings_for
from tests.push_service import PushService
from tests.worker_process import worker_environment, worker_process

WAIT = 30.0  # seconds; a test that waits this long has failed


@pytest.fixture(params=["sqlite", "postgresql"])
def durable_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """An app on a database of its own, so the worker's threads commit for real; it pushes
    to the local push service, a round every 0.05 s and a figures pass as it starts."""
    with contextlib.contextmanager(new_database_url)(request.param, tmp_path_factory) as url:
        private, public = generate_vapid_keys()
        application = create_app(
            settings_for(
                url,
                VAPID_PRIVATE_KEY=private,
                VAPID_PUBLIC_KEY=public,
                PUSH_ALLOW_PRIVATE_ENDPOINTS=True,
                PUSH_TIMEOUT_SECONDS=5,
                WORKER_INTERVAL_SECONDS=0.05,
                FIGURES_INTERVAL_SECONDS=600,  # one pass, at the start
            )
        )
        migrate.upgrade(application)
        try:
            yield application
        finally:
            application.extensions["coachapp.db"].engine.dispose()
            if request.param == "sqlite":
                path = Path(url.removeprefix("sqlite:///"))
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)


@pytest.fixture
def service() -> Iterator[PushService]:
    with PushService() as running:
        yield running
        assert running.problems == []


def new_session(app: Flask) -> Session:
    session: Session = app.extensions["coachapp.db"].sessionmaker()
    return session


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"waited {WAIT:.0f} s for {what}")


def heartbeat(app: Flask) -> WorkerHeartbeat | None:
    with new_session(app) as session:
        return session.get(WorkerHeartbeat, worker.worker_name())


def beat_when(
    app: Flask, condition: Callable[[WorkerHeartbeat], bool], what: str
) -> WorkerHeartbeat:
    """The worker's heartbeat, once it meets the condition."""

    def found() -> WorkerHeartbeat | None:
        beat = heartbeat(app)
        return beat if beat is not None and condition(beat) else None

    beat: WorkerHeartbeat = wait_for(found, what)
    return beat


class HeldFigures:
    """The worker's figures job, held at its start until released (or the worker stops). Its
    events are shared with the figures process, forked from the worker."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.started = context.Event()
        self.released = context.Event()

    def __call__(self, db: Session, stop: StopEvent | None = None) -> int:
        self.started.set()
        while not self.released.is_set() and not (stop is not None and stop.is_set()):
            time.sleep(0.01)
        return worker.refresh_if_due(db, utcnow(), stop)


@contextlib.contextmanager
def running_worker(app: Flask) -> Iterator[threading.Event]:
    stop = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():  # as `flask worker` runs it: given current_app
                worker.run_forever(current_app, stop)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run, name="test-worker")
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(WAIT)
    assert not thread.is_alive(), "the worker did not stop"
    assert failures == []


def test_rounds_beat_and_push_while_a_figures_pass_is_held(
    durable_app: Flask, service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures = HeldFigures()
    monkeypatch.setattr(worker, "refresh_figures", figures)
    with new_session(durable_app) as session:
        rep = make_user(session)  # a person joining: the figures are due
        subscribe(session, rep, service.subscription("phone"), "Test browser", allow_private=True)
        session.commit()
        rep_id = rep.id

    with running_worker(durable_app):
        assert figures.started.wait(WAIT)
        rounds_then = beat_when(durable_app, lambda beat: beat.rounds > 0, "a round").rounds
        with new_session(durable_app) as session:
            notify(session, rep_id, "follow_up_due", "A follow-up is due", "/follow-ups", "held")
            session.commit()

        wait_for(lambda: service.answered("phone"), "the push, with the figures pass held")
        beat = beat_when(
            durable_app,
            lambda beat: beat.rounds > rounds_then + 1 and beat.jobs["push"]["total"] >= 1,
            "two more rounds, the push recorded",
        )
        assert not figures.released.is_set()
        assert "running_since" in beat.jobs["figures"]
        assert beat.jobs["push"]["total"] >= 1

        figures.released.set()
        beat = beat_when(durable_app, lambda beat: "at" in beat.jobs["figures"], "the pass")
    assert beat.jobs["figures"]["error"] is None
    assert "running_since" not in beat.jobs["figures"]
    with new_session(durable_app) as session:
        assert session.get(FigureRefresh, STATE_ID) is not None, "the pass stored its figures"
        assert session.scalar(select(func.count()).select_from(FigureChange)) == 0
    assert len(service.answered("phone")) == 1


def test_a_stop_abandons_the_figures_pass_and_leaves_its_changes_marked(
    durable_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures = HeldFigures()
    monkeypatch.setattr(worker, "refresh_figures", figures)
    with new_session(durable_app) as session:
        make_user(session)
        session.commit()

    with running_worker(durable_app):
        assert figures.started.wait(WAIT)
        beat_when(durable_app, lambda beat: beat.rounds > 0, "a round")
    # Stopped while held: the pass went on, saw the stop and was given up.

    with new_session(durable_app) as session:
        assert session.scalar(select(func.count()).select_from(FigureChange)) > 0
        assert session.get(FigureRefresh, STATE_ID) is None
    beat = heartbeat(durable_app)
    assert beat is not None
    assert "error" not in beat.jobs.get("figures", {}), "abandoning is no failure"


def test_a_computation_sees_the_stop_and_stores_nothing(app: Flask, db: Session, org: Org) -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(Abandoned):
        compute(db, utcnow(), stop)
    with pytest.raises(Abandoned):
        refresh_if_due(db, utcnow(), stop)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(FigureChange)) > 0
    assert db.get(FigureRefresh, STATE_ID) is None


def test_a_figures_process_that_dies_is_reported_and_started_again(
    durable_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures = HeldFigures()
    monkeypatch.setattr(worker, "refresh_figures", figures)
    with new_session(durable_app) as session:
        make_user(session)
        session.commit()

    with running_worker(durable_app):
        assert figures.started.wait(WAIT)
        # Listed once Process.start() returns, which may be after the child has begun.
        (process,) = wait_for(multiprocessing.active_children, "the figures process listed")
        figures.started.clear()
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)

        assert figures.started.wait(WAIT), "a new figures process began a pass"

        def figures_failed() -> dict[str, Any] | None:
            beat = heartbeat(durable_app)
            entry: dict[str, Any] = beat.jobs.get("figures", {}) if beat else {}
            return entry if entry.get("failures") else None

        entry = wait_for(figures_failed, "the death reported")
        assert entry["error"] == "the figures process ended (exit code -9); started again"
        assert entry["failures"] == 1


@pytest.mark.slow
# Signals do not depend on the database: on SQLite, `make run`'s.
@pytest.mark.parametrize("durable_app", ["sqlite"], indirect=True)
def test_a_stop_signal_to_the_process_group_ends_the_worker_and_its_figures_process(
    durable_app: Flask, tmp_path: Path
) -> None:
    """`make run`'s Ctrl-C and its `kill 0` signal the whole process group: the figures process,
    waiting for its next pass, hears the signal too. A handler that waited for a lock held by
    the code it interrupted (a multiprocessing.Event's) left both processes waiting for ever."""
    environment = worker_environment(
        durable_app, tmp_path, WORKER_INTERVAL_SECONDS=0.05, FIGURES_INTERVAL_SECONDS=0.2
    )
    for attempt, signals in enumerate(
        [(signal.SIGTERM,), (signal.SIGINT, signal.SIGTERM), (signal.SIGTERM, signal.SIGTERM)]
    ):
        log_path = tmp_path / f"worker-{attempt}.log"
        with worker_process(environment, log_path, group=True) as process:
            wait_for(
                lambda path=log_path: "worker started" in path.read_text(), "the worker to start"
            )
            time.sleep(1.0)  # a pass done; the figures process waits for the next
            for one in signals:
                os.killpg(process.pid, one)
                time.sleep(0.3)
            assert process.wait(timeout=WAIT) == 0, log_path.read_text()[-2000:]
            wait_for(lambda pid=process.pid: not group_alive(pid), "the figures process to end")


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
