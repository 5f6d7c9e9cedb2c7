"""Measurable goals and their actuals, on the plan page and over the API: the account team of
any line records where a goal stands (exactly once), readers may not, field errors are clear,
corrections need If-Match, the plan's JSON carries the figures and their attainment."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.models import AuditEvent, GoalActual, PlanGoal
from tests.builders import Lines
from tests.plans.test_contributions import Team

JAN = dt.date(2026, 1, 1)


@pytest.fixture
def team(app: Flask, db: Session, lines: Lines) -> Team:
    return Team(app, db, lines)


def _goal(team: Team, **figures: object) -> PlanGoal:
    goal = PlanGoal(
        plan_id=team.plan.id, title="More patients on therapy", metric="Patients on therapy",
        unit="patients", baseline=10.0, baseline_date=JAN, target=50.0,
        target_date=dt.date(2027, 1, 1), **figures,
    )  # fmt: skip
    team.db.add(goal)
    team.db.commit()
    return goal


def _count(db: Session, goal: PlanGoal) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).where(GoalActual.goal_id == goal.id)) or 0)


def test_the_owner_sets_a_goals_figures_over_the_api(team: Team) -> None:
    created = team.api("rep", "POST", f"/api/v1/account-plans/{team.plan.id}/goals", json={
        "title": "Formulary approval", "kind": "stages",
        "stages": ["Dossier submitted", "P&T review", "Formulary approval"],
    })  # fmt: skip
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["stages"][2] == "Formulary approval"
    assert created.get_json()["attainment"]["track"] == "no_data"
    one_stage = team.api("rep", "POST", f"/api/v1/account-plans/{team.plan.id}/goals",
                         json={"title": "X", "kind": "stages", "stages": ["Only"]})  # fmt: skip
    assert one_stage.status_code == 422
    assert "stages" in one_stage.get_json()["error"]["fields"]
    backwards = team.api("rep", "POST", f"/api/v1/account-plans/{team.plan.id}/goals", json={
        "title": "Y", "baseline_date": "2026-06-01", "target_date": "2026-01-01"})  # fmt: skip
    assert backwards.status_code == 422
    assert "baseline_date" in backwards.get_json()["error"]["fields"]


def test_a_teammate_of_another_line_records_an_actual_once(team: Team) -> None:
    goal = _goal(team)
    key = str(uuid.uuid4())
    path = f"/api/v1/goals/{goal.id}/actuals"
    first = team.api("msl", "POST", path, json={"date": "2026-03-31", "value": 30,
                                                 "client_uuid": key})  # fmt: skip
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["source"] == "api"
    again = team.api("msl", "POST", path, json={"date": "2026-03-31", "value": 30,
                                                 "client_uuid": key})  # fmt: skip
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert _count(team.db, goal) == 1
    # Someone else's replay of that uuid is refused, not merged.
    assert (
        team.api(
            "rep", "POST", path, json={"date": "2026-03-31", "value": 1, "client_uuid": key}
        ).status_code
        == 409
    )
    plan = team.api("sales_manager", "GET", f"/api/v1/account-plans/{team.plan.id}").get_json()
    shown = next(g for g in plan["goals"] if g["id"] == goal.id)
    assert (shown["metric"], shown["unit"], shown["baseline"], shown["target"]) == (
        "Patients on therapy", "patients", 10.0, 50.0)  # fmt: skip
    assert [a["value"] for a in shown["actuals"]] == [30.0]
    assert shown["attainment"]["progress"] == pytest.approx(0.5)
    assert shown["attainment"]["track"] in ("on_track", "at_risk")
    assert (
        team.db.scalar(select(func.count()).where(AuditEvent.action == "plan.goal.actual.add")) == 1
    )


@pytest.mark.parametrize(
    "who", ["sales_manager", "director", "msl_manager", "medical_director", "nurse_manager"]
)
def test_readers_of_the_plan_may_not_record(team: Team, who: str) -> None:
    goal = _goal(team)
    path = f"/api/v1/goals/{goal.id}/actuals"
    assert team.api(who, "GET", path).status_code == 200
    assert team.api(who, "POST", path, json={"date": "2026-03-31", "value": 3}).status_code == 403


@pytest.mark.parametrize("who", ["msl2", "crossed_msl", "msl_manager2"])
def test_outside_the_plan_the_goal_is_not_there(team: Team, who: str) -> None:
    goal = _goal(team)
    path = f"/api/v1/goals/{goal.id}/actuals"
    assert team.api(who, "GET", path).status_code == 404
    assert team.api(who, "POST", path, json={"date": "2026-03-31", "value": 3}).status_code == 404
    assert team.api("rep", "GET", "/api/v1/goals/999999999/actuals").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": 3}, "date"),
        ({"date": "2026-03-31"}, "value"),
        ({"date": "31/03/2026", "value": 3}, "date"),
        ({"date": "2026-03-31", "value": "many"}, "value"),
        ({"date": "2026-03-31", "value": 1e15}, "value"),
        ({"date": "2999-01-01", "value": 3}, "date"),
    ],
)
def test_bad_actuals_answer_422_at_the_field(
    team: Team, body: dict[str, object], field: str
) -> None:
    goal = _goal(team)
    answer = team.api("rep", "POST", f"/api/v1/goals/{goal.id}/actuals", json=body)
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]
    assert _count(team.db, goal) == 0


def test_a_stage_goal_takes_a_stage_number(team: Team) -> None:
    goal = _goal(team, kind="stages", stages=["Dossier", "P&T review", "Approval"])
    path = f"/api/v1/goals/{goal.id}/actuals"
    for bad in (0, 4, 1.5):
        answer = team.api("rep", "POST", path, json={"date": "2026-03-31", "value": bad})
        assert answer.status_code == 422
        assert "value" in answer.get_json()["error"]["fields"]
    assert team.api("rep", "POST", path, json={"date": "2026-03-31", "value": 2}).status_code == 201
    goals = team.api("rep", "GET", f"/api/v1/account-plans/{team.plan.id}").get_json()["goals"]
    shown = next(g for g in goals if g["id"] == goal.id)
    assert shown["attainment"]["progress"] == pytest.approx(2 / 3)


def test_corrections_need_if_match(team: Team) -> None:
    goal = _goal(team)
    made = team.api("access_rep", "POST", f"/api/v1/goals/{goal.id}/actuals",
                    json={"date": "2026-03-31", "value": 20})  # fmt: skip
    path = f"/api/v1/goals/{goal.id}/actuals/{made.get_json()['id']}"
    assert team.api("access_rep", "PATCH", path, json={"value": 25}).status_code == 428
    changed = team.api("access_rep", "PATCH", path, json={"value": 25},
                       headers={"If-Match": made.headers["ETag"]})  # fmt: skip
    assert changed.status_code == 200
    assert changed.get_json()["value"] == 25
    stale = team.api("access_rep", "PATCH", path, json={"value": 26},
                     headers={"If-Match": made.headers["ETag"]})  # fmt: skip
    assert stale.status_code == 412
    # Another teammate may not correct it; the owner may remove it.
    assert (
        team.api(
            "msl", "PATCH", path, json={"value": 1}, headers={"If-Match": changed.headers["ETag"]}
        ).status_code
        == 403
    )
    assert team.api("rep", "DELETE", path).status_code == 428
    gone = team.api("rep", "DELETE", path, headers={"If-Match": changed.headers["ETag"]})
    assert gone.status_code == 204
    assert _count(team.db, goal) == 0


def test_recording_on_the_plan_page_is_once_per_form(team: Team) -> None:
    goal = _goal(team)
    page = team.shown("nurse")
    assert "Record actual" in page
    assert "10 → not set → 50 patients" in page
    key = str(uuid.uuid4())
    form = {"date": "2026-03-31", "value": "30", "client_uuid": key}
    action = f"{team.plan_page}/goals/{goal.id}/actuals"
    assert team.page("nurse").post_form(action, form).status_code == 302
    assert team.page("nurse").post_form(action, form).status_code == 302
    assert _count(team.db, goal) == 1
    page = team.shown("nurse")
    assert "10 → 30 → 50 patients" in page
    assert "50% of the way" in page
    bad = team.page("nurse").post_form(action, {"date": "", "value": "lots",
                                                "client_uuid": str(uuid.uuid4())})  # fmt: skip
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Enter the date it was measured." in text and "Enter a number." in text
    assert _count(team.db, goal) == 1
    # The owner's manager reads the figures without the form.
    assert "Record actual" not in team.shown("sales_manager")
    assert "10 → 30 → 50 patients" in team.shown("sales_manager")


def test_a_plans_attainment_rests_on_its_goals_with_data(team: Team) -> None:
    goal = _goal(team)
    _goal(team)  # no actual: left out of the mean, counted among the goals
    team.api("rep", "POST", f"/api/v1/goals/{goal.id}/actuals",
             json={"date": "2026-03-31", "value": 30})  # fmt: skip
    plan = team.api("director", "GET", f"/api/v1/account-plans/{team.plan.id}").get_json()
    assert plan["attainment"]["progress"] == pytest.approx(0.5)
    assert (plan["attainment"]["goals_with_data"], plan["attainment"]["goals"]) == (1, 2)
    assert "Attainment 50%, the mean of 1 of 2 goals with actuals" in team.shown("director")
    listed = team.page("director").get("/plans").get_data(as_text=True)
    assert "Goals 50% of the way (1 of 2 measured)" in listed
    exported = team.page("director").get("/plans.csv").get_data(as_text=True).splitlines()
    header = exported[0].split(",")
    row = exported[1].split(",")
    assert row[header.index("goal_attainment")] == "50"
    assert row[header.index("goals_measured")] == "1"
