"""The dashboard, the drill-down, the summary, the Team page, the exports and the cadence API run
a fixed number of SQL statements, however many teams, reps, notes and follow-ups there are."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.orm import Session

from bench.pages import counting_statements
from coachapp.dashboard import summaries
from coachapp.db import utcnow
from coachapp.models import (
    DevelopmentFocus,
    FigureRefresh,
    FollowUpStatus,
    GoalActual,
    NoteStatus,
    NoteType,
    PlanGoal,
    Role,
)
from tests.builders import (
    PASSWORD,
    Org,
    build_nation,
    make_account,
    make_follow_up,
    make_guide_version,
    make_note,
    make_plan,
    make_user,
)
from tests.conftest import HttpsClient, login
from tests.dashboard.test_impact_regions import measure_every_plan


def statements(app: Flask, client: Any, path: str) -> int:
    with counting_statements(app.extensions["coachapp.db"].engine) as seen:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(seen)


def grow(db: Session, org: Org, teams: int, reps: int) -> None:
    """More teams under the director, more reps on manager's team, each with a history."""
    version = make_guide_version(db)
    today = dt.date.today()
    managers = [org.people["manager"]] + [
        make_user(db, role=Role.MANAGER, manager_id=org.people["director"].id) for _ in range(teams)
    ]
    for manager in managers:
        for n in range(reps):
            rep = make_user(db, manager_id=manager.id, region=f"Region {n % 3}")
            for weeks, kind in ((1, NoteType.RIDE_ALONG), (5, NoteType.ONE_ON_ONE)):
                note = make_note(
                    db, manager, rep, NoteStatus.ACKNOWLEDGED, guide_version=version,
                    occurred_on=today - dt.timedelta(weeks=weeks), type=kind,
                )  # fmt: skip
                make_follow_up(db, rep, manager, session_id=note.id, due_date=today)
                make_follow_up(
                    db, rep, manager, session_id=note.id, status=FollowUpStatus.DONE,
                    due_date=today - dt.timedelta(days=3),
                )  # fmt: skip
            make_note(db, manager, rep, NoteStatus.DRAFT, guide_version=version)
            db.add(
                DevelopmentFocus(
                    rep_id=rep.id, competency_key="listens", period="2026-H1",
                    created_by_id=manager.id,
                )
            )  # fmt: skip
    db.commit()


def test_cadence_pages_exports_and_api_do_not_query_per_team_or_rep(
    app: Flask, org: Org, db: Session, client: HttpsClient
) -> None:
    manager_id = org.people["manager"].id
    org.people["rep"].region = "Region 1"  # the filtered page has someone from the start
    db.commit()
    director_paths = [
        "/org",
        "/org?period=30&region=Region+1",
        f"/org/teams/{manager_id}",
        f"/org/teams/{manager_id}/summary",
        "/org/cadence.csv",
        "/org/sessions.csv?period=180",
        "/api/v1/cadence",
        "/api/v1/cadence/teams",
        "/api/v1/cadence/quality",
        "/api/v1/account-teams",
    ]
    manager_paths = ["/team", "/org/cadence.csv", "/org/sessions.csv", "/api/v1/cadence"]
    director: Any = app.test_client()
    login(director, org.people["director"].email)
    manager: Any = app.test_client()
    login(manager, org.people["manager"].email)

    def measure() -> dict[str, int]:
        counts = {f"director {p}": statements(app, director, p) for p in director_paths}
        counts.update({f"manager {p}": statements(app, manager, p) for p in manager_paths})
        return counts

    before = measure()
    grow(db, org, teams=3, reps=4)
    after = measure()
    assert after == before
    grow(db, org, teams=2, reps=6)
    assert measure() == before
    # Recorded so a change shows in review: the dashboard reads users, targets, coaching
    # before the window, notes in it, follow-ups, focus, ratings, the regions list and, for
    # coaching quality, the notes with their ratings; it reads the weekly digest (one
    # UPDATE of the director's notifications about it, and its commit); and the account teams
    # (the accounts in view and their reviews held: two more, whose participants and ratings
    # make two more once there are reviews), and the learning journeys per team (one).
    assert before["director /org"] <= 21, before


def add_goals(db: Session, org: Org, plans: int, goals: int, actuals: int) -> None:
    """More plans for the manager's reps, each with measured goals and their actuals (one a
    quarter back from today), and a stage goal."""
    today = dt.date.today()
    owners = [org.people["rep"], org.people["rep2"]]
    for n in range(plans):
        plan = make_plan(db, owners[n % 2])
        for g in range(goals):
            goal = PlanGoal(
                plan_id=plan.id, title=f"Goal {g}", metric="Sites", baseline=float(g),
                baseline_date=today - dt.timedelta(days=400), target=float(g + 10),
                target_date=today + dt.timedelta(days=200),
            )  # fmt: skip
            db.add(goal)
            db.flush()
            db.add_all(
                GoalActual(
                    goal_id=goal.id,
                    measured_on=today - dt.timedelta(days=91 * k),
                    value=float(g + 8 - k),
                )
                for k in range(actuals)
            )
        db.add(PlanGoal(plan_id=plan.id, title="P&T approval", kind="stages", stages=["a", "b"]))
    db.commit()


def test_the_impact_page_and_api_do_not_query_per_plan_goal_actual_or_rep(
    app: Flask, org: Org, db: Session
) -> None:
    paths = [
        "/org/impact",
        "/org/impact?group_by=account&period=2026-Q1",
        "/api/v1/impact?period=2026-Q2",
    ]
    clients = {}
    for who in ("director", "manager"):
        client: Any = app.test_client()
        login(client, org.people[who].email)
        clients[who] = client
    token = (
        clients["director"]
        .post("/api/v1/tokens", json={"email": org.people["director"].email, "password": PASSWORD})
        .get_json()["token"]
    )

    def measure() -> dict[str, int]:
        counts = {}
        for who, client in clients.items():
            for path in paths:
                if path.startswith("/api"):
                    with counting_statements(app.extensions["coachapp.db"].engine) as seen:
                        answer = client.get(path, headers={"Authorization": f"Bearer {token}"})
                    assert answer.status_code == 200
                    counts[f"{who} {path}"] = len(seen)
                else:
                    counts[f"{who} {path}"] = statements(app, client, path)
        return counts

    add_goals(db, org, plans=1, goals=1, actuals=1)
    measure()  # the token's first use is recorded once
    before = measure()
    add_goals(db, org, plans=4, goals=3, actuals=4)
    grow(db, org, teams=2, reps=2)
    assert measure() == before


def test_a_directors_pages_do_not_query_per_region_team_or_rep(app: Flask, db: Session) -> None:
    """At a fixed number of children, the dashboard at every level, a team and the search run
    the same statements however large and deep the subtree below them grows."""
    nation = build_nation(db, regions=2, teams_per_region=2, reps_per_team=2, direct_teams=1)
    one, two = nation.regions
    team = nation.managers[one.id][0]
    national: Any = app.test_client()
    login(national, nation.national.email)
    regional: Any = app.test_client()
    login(regional, one.email)
    paths = [
        ("national", national, "/org"),
        ("national", national, "/org?period=30&function=sales"),
        ("national", national, f"/org/regions/{one.id}"),
        ("national", national, f"/org/regions/{two.id}?region=Region+2"),
        ("national", national, f"/org/teams/{team.id}"),
        ("national", national, "/org/people?q=rep"),
        ("regional", regional, "/org"),
    ]

    def measure() -> dict[str, int]:
        return {f"{who} {path}": statements(app, client, path) for who, client, path in paths}

    before = measure()
    # Deeper and larger below the same children: an area under region 2 with teams of its
    # own, more reps on every team (with notes, follow-ups, focus).
    area = make_user(db, role=Role.DIRECTOR, manager_id=two.id, region="Region 2")
    version = make_guide_version(db)
    for _ in range(3):
        manager = make_user(db, role=Role.MANAGER, manager_id=area.id)
        for _ in range(3):
            rep = make_user(db, manager_id=manager.id, region="Region 2")
            make_note(db, manager, rep, NoteStatus.ACKNOWLEDGED, guide_version=version)
            make_follow_up(db, rep, manager)
            db.add(
                DevelopmentFocus(
                    rep_id=rep.id, competency_key="listens", period="2026-H1",
                    created_by_id=manager.id,
                )
            )  # fmt: skip
    for manager in nation.teams:
        for _ in range(2):
            rep = make_user(db, manager_id=manager.id, region=manager.region)
            make_note(db, manager, rep, NoteStatus.SHARED, guide_version=version)
    db.commit()
    assert measure() == before
    # Recorded so a change shows in review: the national dashboard reads the viewer, the
    # weekly digest (an UPDATE and its commit), the reps, the people below, targets, the
    # coaching before the window and in it, follow-ups, focus, the quality notes and their
    # ratings, the ratings by competency, the account teams (and their reviews), and the
    # learning journeys per team (one).
    assert before["national /org"] <= 21, before


def test_a_national_directors_impact_pages_do_not_query_per_region_team_or_plan(
    app: Flask, db: Session
) -> None:
    """At a fixed number of children, the impact pages of a director over directors run the
    same statements however many teams, reps, plans and goals grow below them: read from the
    figures the worker keeps, and computed on the fly before it has kept any."""
    nation = build_nation(db, regions=2, teams_per_region=2, reps_per_team=2, direct_teams=1)
    measure_every_plan(db)
    one, two = nation.regions
    national: Any = app.test_client()
    login(national, nation.national.email)
    regional: Any = app.test_client()
    login(regional, one.email)
    paths = [
        ("national", national, "/org/impact"),
        ("national", national, "/org/impact?group_by=region"),
        ("national", national, "/org/impact?group_by=account"),
        ("national", national, f"/org/regions/{two.id}/impact"),
        ("regional", regional, "/org/impact"),
    ]

    def measure() -> dict[str, int]:
        return {f"{who} {path}": statements(app, client, path) for who, client, path in paths}

    computed = measure()
    summaries.refresh(db, utcnow())
    kept = measure()
    assert "Figures as of" in national.get("/org/impact").get_data(as_text=True)
    # Deeper and larger below the same children: an area with teams under region 2, more
    # teams in each region, each rep with a plan on an account of their own and a note.
    version = make_guide_version(db)
    area = make_user(db, role=Role.DIRECTOR, manager_id=two.id, region="Region 2")
    for director in (one, two, area, area):
        manager = make_user(db, role=Role.MANAGER, manager_id=director.id)
        for _ in range(3):
            rep = make_user(db, manager_id=manager.id, region="Region 9")
            make_note(db, manager, rep, NoteStatus.ACKNOWLEDGED, guide_version=version)
            make_plan(db, rep, account=make_account(db, region=f"Region {rep.id % 4}"))
    db.commit()
    measure_every_plan(db)
    summaries.refresh(db, utcnow())
    assert measure() == kept
    db.execute(delete(FigureRefresh))
    db.commit()
    assert measure() == computed
    # Recorded so a change shows in review: the national page reads the viewer, when the
    # figures were kept, the people below, the rows of its children, the plans no row holds.
    assert kept["national /org/impact"] <= 8, kept
