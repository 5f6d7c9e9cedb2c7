"""Stored figures against the dashboard's own on the seeded demo, and after any sequence of
changes (hypothesis): notes written, shared, self-rated and acknowledged, follow-ups done or
cancelled, people moving teams or leaving, targets set, time passing. Slow (tests/conftest.py
SLOW_MODULES): tests/dashboard/test_stored_figures.py walks through each kind of change once
in the fast suite."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from coachapp.coaching.cadence import WINDOW_CHOICES
from coachapp.dashboard.summaries import refresh, refresh_if_due
from coachapp.db import utcnow
from coachapp.demo import seed_demo
from coachapp.models import FigureSummary, FollowUpStatus, NoteType
from tests.conftest import DEPTH
from tests.dashboard.figure_world import (
    MANAGERS,
    REPS,
    acknowledge,
    move,
    self_rate,
    settle,
    share,
    target,
    time_passes,
    toggle_active,
    world_in,
    write,
)
from tests.dashboard.stored_check import assert_stored_match_on_the_fly

# The demo's day in the tests (tests/test_demo.py), at noon in New York.
DEMO_NOW = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)


def test_stored_figures_equal_the_dashboards_on_the_demo(db: Session) -> None:
    seed_demo(db, today=DEMO_NOW.date())
    done = refresh(db, DEMO_NOW)
    assert done.written == db.scalar(select(func.count()).select_from(FigureSummary)) > 0
    # director@: manager@, manager2@, manager3@, access-manager@ and everyone in view, and
    # the dashboard read from them; medical-director@: msl-manager@, everyone, the dashboard;
    # each in the three periods.
    assert assert_stored_match_on_the_fly(db, DEMO_NOW) == 3 * (6 + 3)
    later = DEMO_NOW + dt.timedelta(days=1)
    refresh_if_due(db, later)
    assert assert_stored_match_on_the_fly(db, later) == 3 * (6 + 3)


scores = st.lists(st.sampled_from([None, 1, 2, 3, 4]), min_size=2, max_size=2)
index = st.integers(0, 50)
settled = st.sampled_from([FollowUpStatus.DONE, FollowUpStatus.CANCELLED])
steps = st.one_of(
    st.tuples(
        st.just(write), st.sampled_from(REPS), st.integers(0, 120), st.sampled_from(NoteType),
        scores, st.booleans(), st.integers(-20, 20), st.booleans(),
    ),
    st.tuples(st.just(share), index),
    st.tuples(st.just(self_rate), index, scores),
    st.tuples(st.just(acknowledge), index),
    st.tuples(st.just(settle), index, settled),
    st.tuples(st.just(move), st.sampled_from(REPS), st.sampled_from(MANAGERS)),
    st.tuples(st.just(toggle_active), st.sampled_from(REPS)),
    st.tuples(st.just(target), st.sampled_from(MANAGERS), st.integers(3, 30)),
    st.tuples(st.just(time_passes), st.sampled_from([5, 13, 24, 24 * 40])),
)  # fmt: skip


def test_stored_figures_equal_the_dashboards_after_any_sequence_of_changes(
    app: Flask, connection: Connection
) -> None:
    """Notes written, shared, self-rated and acknowledged, follow-ups done or cancelled,
    people moving teams or leaving, targets set, time passing: after each, the worker's job
    (which computes only when a change was marked or a day turned) leaves every stored row
    equal to the dashboard's own figures."""

    @settings(
        # The same Python on both databases: PostgreSQL gets fewer runs, to keep the suite in
        # its time; COACHAPP_TEST_DEPTH multiplies both (e.g. 10 before a release).
        max_examples=(25 if connection.dialect.name == "sqlite" else 10) * DEPTH,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(sequence=st.lists(steps, min_size=1, max_size=8))
    def run(sequence: list[tuple[Any, ...]]) -> None:
        with world_in(app, connection, utcnow()) as world:
            refresh(world.db, world.now)
            for number, (step, *args) in enumerate(sequence, start=1):
                step(world, *args)
                refresh_if_due(world.db, world.now)
                # Each period after the last step; between steps, one period in turn (a
                # comparison costs a third of a second on PostgreSQL per period).
                last = number == len(sequence)
                windows = (
                    WINDOW_CHOICES if last else (WINDOW_CHOICES[number % len(WINDOW_CHOICES)],)
                )
                assert assert_stored_match_on_the_fly(world.db, world.now, windows) > 0

    run()
