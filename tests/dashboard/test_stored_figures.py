"""Figures computed once, read many times: the stored rows of every team and region are the
numbers the dashboard computes on the fly, after every kind of change (coachapp.dashboard.
summaries)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session

from bench.pages import counting_statements
from coachapp.coaching import service as coaching
from coachapp.coaching.cadence import WINDOW_CHOICES
from coachapp.dashboard import stored, summaries
from coachapp.dashboard.stored import SUBTREE, TEAM, Reader
from coachapp.dashboard.summaries import refresh, refresh_if_due
from coachapp.db import utcnow
from coachapp.models import (
    CadenceTarget,
    FigureChange,
    FigureRefresh,
    FigureSummary,
    FollowUp,
    FollowUpStatus,
    NoteStatus,
    NoteType,
    Role,
    User,
)
from coachapp.reporting_lines import change_manager
from coachapp.worker import run_once
from tests.builders import build_nation, make_guide_version, make_note, make_user
from tests.conftest import Lines, login
from tests.dashboard.figure_world import (
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
from tests.dashboard.history import NOW, History
from tests.dashboard.stored_check import assert_stored_match_on_the_fly


def changes(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(FigureChange)) or 0


# The stored figures are the dashboard's ---------------------------------------------------------


def test_stored_figures_equal_the_dashboards_on_a_known_history(db: Session, h: History) -> None:
    done = refresh(db, NOW)
    assert done.written == db.scalar(select(func.count()).select_from(FigureSummary))
    # Rows: the team and the subtree of manager_a, manager_b, manager_c (deactivated, Hal
    # still on the team), manager_far and each director (nobody reports to them directly); in
    # 3 periods. Compared: each director's teams and everyone in view, and each director's
    # dashboard read from them.
    assert done.written == 3 * 2 * (4 + 2)
    assert assert_stored_match_on_the_fly(db, NOW) == 3 * (4 + 2 + 2)


def test_stored_figures_respect_the_wall_between_medical_and_commercial(
    db: Session, lines: Lines
) -> None:
    """A commercial director over an MSL manager reads that team's row without its MSLs; the
    medical director reads the MSLs'."""
    now = utcnow()
    refresh(db, now)
    assert assert_stored_match_on_the_fly(db, now) > 0
    director = lines.people["director"]
    msl_team = stored.stored_figures(
        db, Reader.of(director, now), 90, {(lines.people["msl_manager2"].id, TEAM)}, now
    )
    assert msl_team is not None
    assert msl_team[(lines.people["msl_manager2"].id, TEAM)].summary.rep_count == 0
    medical = lines.people["medical_director"]
    theirs = stored.stored_figures(db, Reader.of(medical, now), 90, {(medical.id, SUBTREE)}, now)
    assert theirs is not None and theirs[(medical.id, SUBTREE)].summary.rep_count == 1


def test_a_second_computation_writes_only_what_changed(db: Session, h: History) -> None:
    first = refresh(db, NOW)
    again = refresh(db, NOW)
    assert (again.written, again.kept, again.deleted) == (0, first.written, 0)
    # A note for Gus changes his team's rows (its team and subtree) and the director's
    # subtree, in each period.
    make_note(db, h["manager_b"], h["gus"], guide_version=h.version, occurred_on=NOW.date())
    db.commit()
    after = refresh(db, NOW)
    assert after.written == 3 * 3
    assert assert_stored_match_on_the_fly(db, NOW) == 24


def test_a_day_later_every_row_is_of_the_new_day(db: Session, h: History) -> None:
    refresh(db, NOW)
    later = NOW + dt.timedelta(days=1)
    assert summaries.refresh_due(db, later)
    done = refresh(db, later)
    assert done.deleted == done.written == 36
    assert assert_stored_match_on_the_fly(db, later) == 24


# Reading -------------------------------------------------------------------------------------


def test_nothing_is_read_before_the_figures_were_computed(db: Session, h: History) -> None:
    """A new database, before the worker ran: the dashboard computes on the fly."""
    reader = Reader.of(h["director"], NOW)
    wanted = {(h["director"].id, SUBTREE)}
    assert stored.stored_figures(db, reader, 90, wanted, NOW) is None
    refresh(db, NOW)
    found = stored.stored_figures(db, reader, 90, wanted, NOW)
    assert found is not None and found.computed_at == NOW
    # A period no dashboard offers, someone of no row: not stored.
    assert stored.stored_figures(db, reader, 45, wanted, NOW) is None
    assert stored.stored_figures(db, reader, 90, {(h["ana"].id, TEAM)}, NOW) is None


def test_stored_figures_are_not_read_once_they_fall_behind(db: Session, h: History) -> None:
    refresh(db, NOW)
    reader = Reader.of(h["director"], NOW)
    wanted = {(h["manager_a"].id, TEAM)}
    # 06:00 UTC the next day: 11 March in New York and Chicago (a rep's today and the
    # reader's), 10 March still in Los Angeles (Cat's), before the worker's next round.
    assert stored.stored_figures(db, reader, 90, wanted, NOW + dt.timedelta(hours=15)) is None
    # A change the worker has not seen yet: read for a while, not once it has waited too long.
    db.add(FigureChange(changed_at=NOW))
    db.commit()
    assert stored.stored_figures(db, reader, 90, wanted, NOW + dt.timedelta(minutes=1))
    late = NOW + stored.STALE_AFTER + dt.timedelta(seconds=1)
    assert stored.stored_figures(db, reader, 90, wanted, late) is None


# Marking changes ------------------------------------------------------------------------------


def test_every_kind_of_change_marks_the_figures(app: Flask, db: Session, h: History) -> None:
    refresh(db, NOW)  # sees the changes that built the history
    assert changes(db) == 0
    with app.app_context():
        draft = h.notes["ana_draft"]
        coaching.update_note(db, h["manager_a"], draft.id, {"strengths": "Asked good questions."})
        assert changes(db) == 0, "a draft's autosave changes no figure"
        coaching.share_note(db, h["manager_a"], draft.id)
        assert changes(db) == 1
        coaching.acknowledge_note(db, h["ana"], draft.id, "Thanks")
        assert changes(db) == 2
        follow_up = h.follow_ups["ana_later"]
        coaching.update_follow_up(db, h["ana"], follow_up.id, {"status": FollowUpStatus.DONE})
        assert changes(db) == 3
        change_manager(db, h["gus"], h["manager_a"].id, actor=None)
        db.commit()
        assert changes(db) == 4
        # Several changes in one transaction mark once.
        h["ben"].active = False
        db.flush()
        db.add(CadenceTarget(team_manager_id=h["manager_a"].id))
        db.commit()
        assert changes(db) == 5
        # A statement that sets follow-ups without loading them (a plan action's).
        db.execute(update(FollowUp).where(FollowUp.owner_id == h["ivy"].id).values(title="x"))
        db.commit()
        assert changes(db) == 6
        # Rows written to the table itself (the demo's, in bulk).
        db.execute(update(User.__table__).where(User.id == h["ivy"].id).values(name="Ivy F"))
        db.commit()
        assert changes(db) == 7
        # What no figure reads: a person's email, a note's private notes after sharing.
        h["ana"].email = "ana-ahead@example.com"
        db.commit()
        assert changes(db) == 7
        draft.private_notes = "Only mine."
        db.commit()
        assert changes(db) == 7
        # The rep opens a note (a statement setting when they saw it).
        coaching.mark_seen(db, h.notes["cat_feb"])
        assert changes(db) == 7


# The worker and the command -------------------------------------------------------------------


def test_the_worker_computes_the_figures_when_something_changed(
    app: Flask, db: Session, h: History
) -> None:
    assert run_once(app, {"figures"}).counts == {"figures": 36}
    assert run_once(app, {"figures"}).counts == {"figures": 0}, "nothing changed"
    make_note(db, h["manager_b"], h["gus"], guide_version=h.version)
    db.commit()
    assert run_once(app, {"figures"}).counts == {"figures": 9}
    state = db.get(FigureRefresh, stored.STATE_ID)
    assert state is not None and state.rows == 36
    # The dates the figures were judged on: the director's in Chicago, Cat's in Los Angeles.
    assert {"America/Chicago", "America/Los_Angeles"} <= set(state.zones)
    assert changes(db) == 0


def test_refresh_figures_command(runner: Any, db: Session, h: History) -> None:
    result = runner.invoke(args=["refresh-figures"])
    assert result.exit_code == 0, result.output
    assert "36 row(s) written" in result.output
    assert db.scalar(select(func.count()).select_from(FigureSummary)) == 36


# Each kind of change, one after the other (any sequence: test_stored_figures_property.py) ----
# (whether it changes figures, the change, its arguments)

SCRIPT: list[tuple[Any, ...]] = [
    (True, write, "r1", 2, NoteType.RIDE_ALONG, [3, 4], True, 5, True),  # shared, a follow-up
    (False, write, "r3", 10, NoteType.ONE_ON_ONE, [2, None], False, -3, False),  # a draft...
    (True, share, 1),  # ...shared later
    (True, write, "r6", 40, NoteType.VIRTUAL_CALL, [1, 4], True, -1, False),  # in Berlin
    (True, self_rate, 1, [4, 1]),
    (True, acknowledge, 0),
    (True, acknowledge, 1),
    (True, settle, 0, FollowUpStatus.DONE),
    (True, settle, 1, FollowUpStatus.CANCELLED),
    (True, move, "r1", "m2"),  # to another region
    (True, move, "r3", "region"),  # to a director
    (True, toggle_active, "r2"),  # leaves
    (True, target, "m2", 1),  # r1, coached 2 days ago, falls behind
    (True, time_passes, 13),  # a date turns in some time zone
    (True, time_passes, 24 * 40),
]


def test_stored_figures_follow_each_kind_of_change(app: Flask, connection: Connection) -> None:
    with world_in(app, connection, utcnow()) as world:
        refresh(world.db, world.now)
        for n, (changes_figures, step, *args) in enumerate(SCRIPT):
            step(world, *args)
            due = summaries.refresh_due(world.db, world.now)
            assert due == changes_figures, f"{step.__name__}{tuple(args)}: marked {due}"
            written = refresh_if_due(world.db, world.now)
            assert (written > 0) == changes_figures, f"{step.__name__}: {written} rows"
            # Each period in turn (the property test checks all three after each change).
            window = WINDOW_CHOICES[n % len(WINDOW_CHOICES)]
            assert assert_stored_match_on_the_fly(world.db, world.now, [window]) >= 10


# The dashboard reads them ---------------------------------------------------------------------


def test_a_dashboard_read_from_stored_figures_does_not_grow_with_the_subtree(
    app: Flask, db: Session
) -> None:
    """With the figures kept, a dashboard reads a row per child: at a fixed number of children
    its statements stay the same however many teams, reps and notes grow below them, and are
    fewer than computing the figures for the page."""
    nation = build_nation(db, regions=2, teams_per_region=2, reps_per_team=2, direct_teams=1)
    one, two = nation.regions
    national: Any = app.test_client()
    login(national, nation.national.email)
    regional: Any = app.test_client()
    login(regional, one.email)
    paths = [
        ("national", national, "/org"),
        ("national", national, "/org?period=30"),
        ("national", national, f"/org/regions/{one.id}"),
        ("national", national, f"/org/regions/{two.id}?period=180"),
        ("regional", regional, "/org"),
    ]

    def measure() -> dict[str, int]:
        return {f"{who} {path}": statements(app, client, path) for who, client, path in paths}

    computed_here = measure()
    refresh(db)
    assert "Figures as of" in national.get("/org").get_data(as_text=True)
    before = measure()
    # Deeper and larger below the same children: an area under region 2 with teams of its own,
    # more reps with notes on every team; the worker computes the figures again.
    area = make_user(db, role=Role.DIRECTOR, manager_id=two.id, region="Region 2")
    version = make_guide_version(db)
    for _ in range(3):
        manager = make_user(db, role=Role.MANAGER, manager_id=area.id)
        for _ in range(3):
            rep = make_user(db, manager_id=manager.id, region="Region 2")
            make_note(db, manager, rep, NoteStatus.ACKNOWLEDGED, guide_version=version)
    for manager in nation.teams:
        for _ in range(2):
            rep = make_user(db, manager_id=manager.id, region=manager.region)
            make_note(db, manager, rep, NoteStatus.SHARED, guide_version=version)
    db.commit()
    assert run_once(app, {"figures"}).counts["figures"] > 0
    assert measure() == before
    assert all(before[path] < computed_here[path] for path in before), (before, computed_here)
    # Recorded so a change shows in review: the viewer, the weekly digest (an UPDATE and its
    # commit), when the figures were computed, the children, their rows, the reps due next,
    # the path up, the account teams (and their reviews), the learning journeys per team.
    assert before["national /org"] <= 14, before


def statements(app: Flask, client: Any, path: str) -> int:
    with counting_statements(app.extensions["coachapp.db"].engine) as seen:
        response = client.get(path)
        assert response.status_code == 200, path
    return len(seen)
