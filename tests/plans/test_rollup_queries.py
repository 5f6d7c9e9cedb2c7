"""The roll-up runs a fixed number of SQL statements however many plans it shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.pages import counting_statements
from coachapp.demo import seed_demo
from coachapp.models import AccountPlan, PlanGoal, PlanStakeholder, PlanTeamMember, User
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
    path = f"/plans/{org.plans['rep'].id}"
    first = statements(app, client, path)
    for n in range(5):
        client.post_form(f"{path}/goals", {"title": f"Goal {n}"})
        client.post_form(f"{path}/stakeholders", {"name": f"Dr. Name {n}"})
    assert statements(app, client, path) == first
