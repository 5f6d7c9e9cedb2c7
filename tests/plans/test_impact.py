"""GET /api/v1/impact: goal attainment per team, region or account over the plans the caller
sees, with the coaching figures of the owners whose coaching the caller may see beside it;
the medical line sees the shared plan's attainment, never the commercial owner's coaching."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.models import GoalActual, PlanGoal
from tests.builders import Lines
from tests.plans.test_contributions import Team

JAN = dt.date(2026, 1, 1)


def measured_team(app: Flask, db: Session, lines: Lines) -> Team:
    """The contributions' account team, its plan with a measured goal (one actual, 30 of a
    10 to 50 climb) and a goal not measured yet."""
    goal = PlanGoal(
        plan_id=Team(app, db, lines).plan.id, title="Patients on therapy", metric="Patients",
        baseline=10.0, baseline_date=JAN, target=50.0, target_date=dt.date(2027, 1, 1),
    )  # fmt: skip
    db.add_all([goal, PlanGoal(plan_id=goal.plan_id, title="Not measured yet")])
    db.flush()
    db.add(GoalActual(goal_id=goal.id, measured_on=dt.date(2026, 3, 31), value=30.0))
    db.commit()
    return Team(app, db, lines)


@pytest.fixture
def team(app: Flask, db: Session, lines: Lines) -> Team:
    return measured_team(app, db, lines)


def _groups(team: Team, who: str, group_by: str) -> list[dict[str, Any]]:
    answer = team.api(who, "GET", f"/api/v1/impact?group_by={group_by}")
    assert answer.status_code == 200, answer.get_json()
    return list(answer.get_json())


def _the_plans_group(groups: list[dict[str, Any]]) -> dict[str, Any]:
    (group,) = [g for g in groups if g["goals"] == 2]
    return group


@pytest.mark.parametrize("group_by", ["team", "region", "account"])
def test_attainment_rests_on_the_goals_with_data(team: Team, group_by: str) -> None:
    group = _the_plans_group(_groups(team, "sales_manager", group_by))
    assert (group["plans"], group["goals"], group["goals_with_data"]) == (1, 2, 1)
    assert group["attainment"] == pytest.approx(0.5)


def test_grouped_by_team_is_the_owners_managers_team(team: Team) -> None:
    group = _the_plans_group(_groups(team, "director", "team"))
    manager = team.person("sales_manager")
    assert group["key"] == f"team-{manager.id}"
    assert group["label"] == f"{manager.name}'s team"
    assert group["coaching"]["owners"] == 1
    assert group["coaching"]["owners_with_figures"] == 1


@pytest.mark.parametrize("who", ["msl", "msl_manager", "medical_director", "nurse_manager"])
def test_other_lines_see_the_shared_plans_figures_without_its_owners_coaching(
    team: Team, who: str
) -> None:
    group = _the_plans_group(_groups(team, who, "account"))
    assert group["attainment"] == pytest.approx(0.5)
    assert group["coaching"] == {
        "owners": 1, "owners_with_figures": 0, "sessions_in_window": 0,
        "ride_alongs_in_window": 0, "owners_on_cadence": 0, "overdue_follow_ups": 0,
    }  # fmt: skip


@pytest.mark.parametrize("who", ["msl2", "msl_manager2"])
def test_plans_outside_the_callers_scope_are_not_counted(team: Team, who: str) -> None:
    assert all(group["goals"] != 2 for group in _groups(team, who, "account"))


def test_bad_queries_answer_422(team: Team) -> None:
    for query in ("group_by=country", "window_days=0", "window_days=9999", "extra=1"):
        assert team.api("director", "GET", f"/api/v1/impact?{query}").status_code == 422
