"""Quarter snapshots of goal attainment (coachapp.plans.snapshots): taken once per goal when a
quarter has closed, equal to what attainment computes at its last day, and kept: editing a
goal's baseline or target, or recording an actual back-dated into the quarter, leaves that
quarter's figures as they were, on the impact service and on GET /api/v1/impact?period=."""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from coachapp import create_app, migrate, worker
from coachapp.db import utcnow
from coachapp.models import AccountPlan, AttainmentSnapshot, GoalActual, GoalKind, PlanGoal
from coachapp.plans.attainment import Track, goal_attainment
from coachapp.plans.impact import GroupBy, impact_by_quarter
from coachapp.plans.quarters import Quarter
from coachapp.plans.snapshots import (
    attainment_in_quarters,
    figures_of,
    last_closed_quarter,
    take_snapshots,
)
from tests.api.helpers import bearer, token_for
from tests.builders import Lines, Org, build_lines, make_plan
from tests.conftest import BACKENDS, HttpsClient, new_database_url, settings_for
from tests.plans.test_contributions import Team

Q1 = Quarter(2026, 1)
NOW = dt.datetime(2026, 5, 10, 9, tzinfo=dt.UTC)


def _plan(db: Session, lines: Lines) -> AccountPlan:
    return db.scalars(
        select(AccountPlan).where(AccountPlan.owner_id == lines.people["rep"].id)
    ).one()


def _goal(db: Session, plan: AccountPlan, *actuals: tuple[dt.date, float], **kw: Any) -> PlanGoal:
    figures: dict[str, Any] = {
        "title": "Patients on therapy", "baseline": 10.0, "baseline_date": dt.date(2025, 7, 1),
        "target": 50.0, "target_date": dt.date(2026, 12, 31), **kw,
    }  # fmt: skip
    goal = PlanGoal(plan_id=plan.id, **figures)
    db.add(goal)
    db.flush()
    db.add_all(GoalActual(goal_id=goal.id, measured_on=on, value=v) for on, v in actuals)
    db.flush()
    return goal


def _snapshots(db: Session) -> list[AttainmentSnapshot]:
    db.expire_all()
    return list(db.scalars(select(AttainmentSnapshot).order_by(AttainmentSnapshot.goal_id)))


def test_a_snapshot_is_what_attainment_computes_at_the_quarters_last_day(
    db: Session, lines: Lines
) -> None:
    plan = _plan(db, lines)
    march, april = dt.date(2026, 3, 31), dt.date(2026, 4, 2)
    goals = [
        # On the line, then beyond the quarter (the April actual is not Q1's).
        _goal(db, plan, (dt.date(2026, 1, 15), 20.0), (march, 30.0), (april, 45.0)),
        # Lower is better: days to access, 40 down to 10.
        _goal(db, plan, (march, 34.0), baseline=40.0, target=10.0),
        # A zero baseline, no timeline.
        _goal(db, plan, (march, 5.0), baseline=0.0, target=10.0, baseline_date=None),
        # Stages: the second of three reached.
        _goal(
            db,
            plan,
            (march, 2.0),
            kind=GoalKind.STAGES,
            stages=["a", "b", "c"],
            baseline=None,
            target=None,
        ),
        # Nothing measured by the quarter's end.
        _goal(db, plan, (april, 40.0)),
    ]
    assert take_snapshots(db, Q1, NOW) == db.scalar(select(func.count()).select_from(PlanGoal))
    rows = {row.goal_id: row for row in _snapshots(db)}
    for goal in goals:
        row = rows[goal.id]
        assert row.quarter == "2026-Q1"
        assert figures_of(row) == goal_attainment(goal, goal.actuals, Q1.end)
        assert (row.baseline, row.baseline_date, row.target, row.target_date) == (
            goal.baseline, goal.baseline_date, goal.target, goal.target_date,
        )  # fmt: skip
        assert row.taken_at == NOW
    first, lower, zero, stages, later = (rows[g.id] for g in goals)
    assert (first.latest_value, first.latest_on, first.actuals) == (30.0, march, 2)
    assert first.progress == pytest.approx(0.5)
    assert lower.progress == pytest.approx(0.2) and lower.track == Track.AT_RISK
    assert zero.track == Track.NO_TIMELINE and zero.progress == pytest.approx(0.5)
    assert (stages.progress, stages.stages) == (pytest.approx(2 / 3), 3)
    assert (later.track, later.progress, later.actuals) == (Track.NO_DATA, None, 0)


def test_a_quarter_is_snapshotted_once_however_often_the_job_runs(
    app: Flask, db: Session, lines: Lines
) -> None:
    plan = _plan(db, lines)
    _goal(db, plan, (dt.date(2026, 3, 31), 30.0))
    db.commit()
    goals = db.scalar(select(func.count()).select_from(PlanGoal))
    assert take_snapshots(db, Q1, NOW) == goals
    assert take_snapshots(db, Q1, NOW) == 0
    # The worker's job, twice: the quarter that last closed everywhere, once.
    closed = last_closed_quarter(utcnow())
    first = worker.run_once(app, {"attainment_snapshots"})
    again = worker.run_once(app, {"attainment_snapshots"})
    assert first.ok and again.ok, (first.failures, again.failures)
    assert (first.counts["attainment_snapshots"], again.counts["attainment_snapshots"]) == (
        goals, 0,
    )  # fmt: skip
    distinct_goals = func.count(AttainmentSnapshot.goal_id.distinct())
    per_quarter = db.execute(
        select(AttainmentSnapshot.quarter, func.count(), distinct_goals).group_by(
            AttainmentSnapshot.quarter
        )
    ).all()
    assert sorted(per_quarter) == sorted([("2026-Q1", goals, goals), (closed.label, goals, goals)])


def test_a_quarter_closes_for_snapshots_once_it_has_ended_everywhere() -> None:
    # 1 April 11:00 UTC is still 31 March at UTC-12.
    assert last_closed_quarter(dt.datetime(2026, 4, 1, 11, tzinfo=dt.UTC)) == Quarter(2025, 4)
    assert last_closed_quarter(dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC)) == Q1


def _director_q1(db: Session, lines: Lines, today: dt.date) -> tuple[float, int, int, int]:
    view = impact_by_quarter(
        db, lines.people["director"], GroupBy.ACCOUNT, Quarter(2026, 2), today, NOW
    )
    (series,) = view.series
    q1, q2 = series.quarters[-2:]
    assert (q1.quarter, q2.quarter) == (Q1, Quarter(2026, 2))
    group = q1.group
    return group.progress_sum, group.goals_with_data, group.on_track, group.at_risk


def test_later_edits_leave_a_snapshotted_quarter_as_it_was(db: Session, lines: Lines) -> None:
    today = NOW.date()
    plan = _plan(db, lines)
    goal = _goal(db, plan, (dt.date(2026, 3, 31), 30.0))
    db.commit()
    before = _director_q1(db, lines, today)
    assert before == (pytest.approx(0.5), 1, 1, 0)

    take_snapshots(db, Q1, NOW)
    db.commit()
    goal.baseline, goal.target = 0.0, 300.0
    db.add(GoalActual(goal_id=goal.id, measured_on=dt.date(2026, 2, 1), value=5.0))
    db.add(GoalActual(goal_id=goal.id, measured_on=dt.date(2026, 3, 31), value=12.0))
    db.commit()
    db.expire_all()

    assert _director_q1(db, lines, today) == before
    # The edits took: computed live, the quarter now stands elsewhere.
    live = goal_attainment(goal, goal.actuals, Q1.end)
    assert live.progress == pytest.approx(12 / 300) and live.track == Track.AT_RISK
    (kept,) = attainment_in_quarters(db, [goal.id], [Q1], today).values()
    assert kept.of(goal) != live


def test_a_closed_quarter_without_its_snapshot_yet_is_computed_live(
    db: Session, lines: Lines
) -> None:
    goal = _goal(db, _plan(db, lines), (dt.date(2026, 3, 31), 30.0))
    db.commit()
    today = NOW.date()
    (live,) = attainment_in_quarters(db, [goal.id], [Q1], today).values()
    assert live.snapshots == {}
    assert live.of(goal).progress == pytest.approx(0.5)
    goal.target = 30.0
    db.commit()
    assert live.of(goal).progress == 1
    # The running quarter is always live, snapshot or not.
    running = Quarter.of(today)
    take_snapshots(db, running, NOW)
    assert attainment_in_quarters(db, [goal.id], [running], today)[running].snapshots == {}


def test_the_api_keeps_a_closed_quarters_figures_after_later_edits(
    app: Flask, db: Session, lines: Lines
) -> None:
    team = Team(app, db, lines)
    quarter = last_closed_quarter(utcnow())
    goal = _goal(
        db, team.plan, (quarter.end, 30.0),
        baseline_date=quarter.start - dt.timedelta(days=365),
        target_date=quarter.end + dt.timedelta(days=365),
    )  # fmt: skip
    db.commit()
    path = f"/api/v1/impact?group_by=account&period={quarter.label}"

    def figures() -> dict[str, Any]:
        answer = team.api("sales_manager", "GET", path)
        assert answer.status_code == 200, answer.get_json()
        (group,) = [g for g in answer.get_json() if g["key"] == f"account-{team.plan.account_id}"]
        return {
            k: group[k] for k in ("goals", "goals_with_data", "attainment", "on_track", "at_risk")
        }

    with app.app_context():
        take_snapshots(db, quarter, utcnow())
    db.commit()
    before = figures()
    assert before["goals_with_data"] == 1
    assert before["attainment"] == pytest.approx(0.5)

    # Recorded over the API, back-dated into the closed quarter; then a new target.
    back_dated = {"date": (quarter.end - dt.timedelta(days=3)).isoformat(), "value": 50.0}
    answer = team.api("rep", "POST", f"/api/v1/goals/{goal.id}/actuals", json=back_dated)
    assert answer.status_code == 201, answer.get_json()
    db.expire_all()
    goal = db.get_one(PlanGoal, goal.id)
    goal.target = 20.0
    db.commit()
    assert figures() == before
    # The running quarter moves with them.
    now = team.api("sales_manager", "GET", "/api/v1/impact?group_by=account").get_json()
    (group,) = [g for g in now if g["key"] == f"account-{team.plan.account_id}"]
    assert group["attainment"] == 1


def test_the_command_takes_what_past_quarters_lack(runner: Any, db: Session, lines: Lines) -> None:
    goals = db.scalar(select(func.count()).select_from(PlanGoal))
    take_snapshots(db, Q1, NOW)
    db.commit()
    last = last_closed_quarter(utcnow())
    result = runner.invoke(args=["attainment-snapshots", "--since", "2025-Q4"])
    assert result.exit_code == 0, result.output
    lines_out = result.output.splitlines()
    assert lines_out[:2] == [
        f"2025-Q4: {goals} goal(s) snapshotted",
        "2026-Q1: 0 goal(s) snapshotted",
    ]
    assert lines_out[-1] == f"{last.label}: {goals} goal(s) snapshotted"
    again = runner.invoke(args=["attainment-snapshots", "--since", "2025-Q4"])
    assert [line.split(": ")[0] for line in again.output.splitlines()] == [
        line.split(": ")[0] for line in lines_out
    ]
    assert all(line.endswith(": 0 goal(s) snapshotted") for line in again.output.splitlines())
    wrong = runner.invoke(args=["attainment-snapshots", "--since", "2026-5"])
    assert wrong.exit_code == 2
    assert "'2026-5' is not a quarter such as 2026-Q1." in wrong.output


def test_snapshots_change_no_ones_scope(client: HttpsClient, db: Session, org: Org) -> None:
    """Snapshots exist for every goal, seen or not: each viewer's closed quarter still counts
    only the goals of the plans they see, with the same figures as computed."""
    quarter = last_closed_quarter(utcnow())
    dates = {"baseline_date": quarter.start, "target_date": quarter.end + dt.timedelta(days=90)}
    for owner in ("rep", "other_rep", "far_rep"):
        plan = make_plan(db, org.people[owner])
        _goal(db, plan, (quarter.end, 20.0), **dates)
    db.commit()
    viewers = ("manager", "manager2", "director", "director2")
    path = f"/api/v1/impact?group_by=account&period={quarter.label}"
    tokens = {who: token_for(client, org, who) for who in viewers}

    def seen() -> dict[str, Any]:
        answers = {}
        for who, token in tokens.items():
            answer = client.get(path, headers=bearer(token))
            assert answer.status_code == 200, answer.get_json()
            answers[who] = answer.get_json()
        return answers

    computed = seen()
    assert take_snapshots(db, quarter, utcnow()) >= 3
    db.commit()
    assert seen() == computed
    goals_with_data = {
        who: sum(group["goals_with_data"] for group in groups) for who, groups in computed.items()
    }
    assert goals_with_data == {"manager": 1, "manager2": 1, "director": 2, "director2": 1}


# Two workers at once, with real commits: PostgreSQL only (SQLite has one writer at a time).
@pytest.fixture(params=[backend for backend in BACKENDS if backend == "postgresql"])
def committed_goals(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, int]]:
    for url in new_database_url(request.param, tmp_path_factory):
        app = create_app(settings_for(url))
        migrate.upgrade(app)
        database = app.extensions["coachapp.db"]
        with database.sessionmaker() as db:
            lines = build_lines(db)
            _goal(db, _plan(db, lines), (dt.date(2026, 3, 31), 30.0))
            db.commit()
            goals = int(db.scalar(select(func.count()).select_from(PlanGoal)) or 0)
        yield app, goals
        database.engine.dispose()


def _someone_waits_for(app: Flask, pid: int, thread: threading.Thread, seconds: float = 20) -> bool:
    """Whether another session comes to wait on a lock that the session `pid` holds, while the
    thread that should be that session runs."""
    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
    deadline = time.monotonic() + seconds
    with app.extensions["coachapp.db"].engine.connect() as connection:
        while time.monotonic() < deadline and thread.is_alive():
            if connection.execute(waiting, {"pid": pid}).scalar():
                return True
            # PostgreSQL shows a transaction one snapshot of pg_stat_activity, taken at its
            # first read: each look is a transaction of its own, or a wait that began after
            # the first look is never seen (this failed under load, when the second worker
            # came to wait after it).
            connection.rollback()
            time.sleep(0.05)
    return False


def _where(app: Flask, thread: threading.Thread) -> str:
    """What the database's sessions wait for, and where the thread is."""
    activity = text(
        "SELECT pid, state, wait_event_type, wait_event, pg_blocking_pids(pid), left(query, 80)"
        " FROM pg_stat_activity WHERE datname = current_database()"
    )
    with app.extensions["coachapp.db"].engine.connect() as connection:
        sessions = "\n".join(map(str, connection.execute(activity).all()))
    frame = sys._current_frames().get(thread.ident or 0)
    return sessions + "\n" + "".join(traceback.format_stack(frame) if frame else [])


@pytest.mark.slow  # a database of its own: make test runs it
def test_two_workers_at_once_snapshot_each_goal_once(committed_goals: tuple[Flask, int]) -> None:
    """The second worker finds every goal missing (the first has not committed), so it inserts
    too: its insert waits on the first one's uncommitted rows, then skips them."""
    app, goals = committed_goals
    sessions = app.extensions["coachapp.db"].sessionmaker
    second: list[int] = []
    failures: list[BaseException] = []
    with sessions() as first:
        assert take_snapshots(first, Q1, NOW) == goals

        def other_worker() -> None:
            try:
                with sessions() as db:
                    second.append(take_snapshots(db, Q1, NOW))
                    db.commit()
            except BaseException as exc:
                failures.append(exc)

        thread = threading.Thread(target=other_worker)
        thread.start()
        holder = first.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert _someone_waits_for(app, holder, thread), (
            f"the second worker did not insert: {second=} {failures=}\n{_where(app, thread)}"
        )
        assert thread.is_alive()
        first.commit()
    thread.join(timeout=30)
    assert second == [0]
    with sessions() as db:
        rows = db.execute(select(AttainmentSnapshot.goal_id, AttainmentSnapshot.quarter)).all()
    assert len(rows) == len(set(rows)) == goals
