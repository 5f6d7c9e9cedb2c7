"""Plan lists (the roll-up, a person's plans) run a fixed number of SQL statements however
many plans they show."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.pages import counting_statements
from coachapp.coaching.preparation import rep_plans
from coachapp.demo import seed_demo
from coachapp.errors import NotFound
from coachapp.models import AccountPlan, PlanGoal, PlanStakeholder, PlanTeamMember, User
from coachapp.plans.service import plans_of_person
from tests.builders import make_account, make_user
from tests.conftest import HttpsClient, login

TODAY = dt.date(2026, 11, 20)


def statements(app: Flask, client: HttpsClient, path: str) -> int:
    with counting_statements(app.extensions["coachapp.db"].engine) as seen:
        response = client.get(path)
        assert response.status_code == 200, path
    return len(seen)


def test_director_rollup_query_count_does_not_grow_with_plans(
    app: Flask, db: Session, client: HttpsClient
) -> None:
    seed_demo(db, today=TODAY)
    director = db.scalars(select(User).where(User.email == "director@example.com")).one()
    manager = db.scalars(select(User).where(User.email == "manager@example.com")).one()
    login(client, director.email, "demo-password")
    before = {p: statements(app, client, p) for p in ("/plans", "/plans.csv", "/plans/qbr")}
    rows_before = client.get("/plans").get_data(as_text=True).count('class="list-row"')

    for n in range(12):
        rep = make_user(db, manager_id=manager.id)
        plan = AccountPlan(
            account_id=make_account(db).id, period="2026-H2", owner_id=rep.id, status="active"
        )
        plan.team = [PlanTeamMember(user_id=rep.id)]
        plan.goals = [PlanGoal(title=f"Goal {n}")]
        plan.stakeholders = [PlanStakeholder(name=f"Dr. {n}")]
        db.add(plan)
    db.commit()

    after = {p: statements(app, client, p) for p in ("/plans", "/plans.csv", "/plans/qbr")}
    rows_after = client.get("/plans").get_data(as_text=True).count('class="list-row"')
    assert rows_after == rows_before + 12
    assert after == before


def test_rep_plan_page_query_count_is_fixed(
    app: Flask, db: Session, client: HttpsClient, login_as: Any, org: Any
) -> None:
    login_as("rep")
    plan = org.plans["rep"]
    path = f"/plans/{plan.id}"
    # One goal first: its actuals load in one query however many goals there are.
    client.post_form(f"{path}/goals", {"title": "Goal"})
    first = statements(app, client, path)
    for n in range(5):
        client.post_form(f"{path}/goals", {"title": f"Goal {n}"})
        client.post_form(f"{path}/stakeholders", {"name": f"Dr. Name {n}"})
    db.expire_all()
    for goal in plan.goals:
        for day in (1, 2):
            client.post_form(
                f"{path}/goals/{goal.id}/actuals", {"date": f"2026-01-0{day}", "value": "3"}
            )
    assert statements(app, client, path) == first


def test_a_persons_plans_read_the_same_way_for_the_plans_list_and_coaching(
    app: Flask, db: Session, client: HttpsClient, login_as: Any, org: Any
) -> None:
    """The API's plan list (by period, archived included) and the coaching preparation (live
    plans, most recently active first) share one query, in a fixed number of statements."""
    rep, manager, rep2 = org.people["rep"], org.people["manager"], org.people["rep2"]
    own = org.plans["rep"]
    on_team = org.plans["other_rep_with_rep"]
    archived = AccountPlan(
        account_id=make_account(db).id, period="2025-H1", owner_id=rep.id, status="archived"
    )
    archived.team = [PlanTeamMember(user_id=rep.id)]
    db.add(archived)
    own.period, on_team.period = "2026-H1", "2026-H2"
    own.last_activity_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    on_team.last_activity_at = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    # A goal from the start: goals' actuals load in one query, however many goals follow.
    own.goals.append(PlanGoal(title="Goal"))
    db.commit()

    # The manager sees the rep's own plans and the other team's plan the rep works on.
    everything = plans_of_person(db, manager, rep.id)
    assert [p.id for p in everything] == [on_team.id, own.id, archived.id]
    assert [p.id for p in rep_plans(db, manager, rep)] == [own.id, on_team.id]
    assert [p.id for p in rep_plans(db, rep, rep)] == [own.id, on_team.id]
    with pytest.raises(NotFound):
        plans_of_person(db, org.people["manager2"], rep.id)

    login_as("manager")
    paths = (f"/api/v1/reps/{rep.id}/account-plans", f"/people/{rep.id}")
    before = {p: statements(app, client, p) for p in paths}
    for n in range(4):
        plan = AccountPlan(
            account_id=make_account(db).id, period=f"2024-H{n % 2 + 1}", owner_id=rep.id,
            status="active",
        )  # fmt: skip
        plan.team = [PlanTeamMember(user_id=rep.id), PlanTeamMember(user_id=rep2.id)]
        plan.goals = [PlanGoal(title=f"Goal {n}")]
        db.add(plan)
    db.commit()
    assert {p: statements(app, client, p) for p in paths} == before
