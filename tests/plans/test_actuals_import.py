"""Importing goal actuals from CSV: a preview with every error by line, then all of the file or
nothing, checked again at apply; a file imported twice records once; only plans the importer
records on count, across lines."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.models import AuditEvent, GoalActual, PlanGoal
from tests.builders import Lines
from tests.plans.test_contributions import Team

JAN = dt.date(2026, 1, 1)
PAGE = "/plans/actuals/import"
FINGERPRINT = re.compile(r'name="fingerprint" value="([0-9a-f]+)"')


@pytest.fixture
def team(app: Flask, db: Session, lines: Lines) -> Team:
    return Team(app, db, lines)


def _goals(team: Team) -> tuple[PlanGoal, PlanGoal]:
    numeric = PlanGoal(
        plan_id=team.plan.id, position=10, title="Patients on therapy up", metric="Patients",
        unit="patients", baseline=10.0, baseline_date=JAN, target=50.0,
        target_date=dt.date(2027, 1, 1),
    )  # fmt: skip
    stages = PlanGoal(
        plan_id=team.plan.id, position=11, title="Formulary listing", kind="stages",
        stages=["Dossier", "P&T review", "Listed"], baseline_date=JAN,
        target_date=dt.date(2027, 1, 1),
    )  # fmt: skip
    team.db.add_all([numeric, stages])
    team.db.commit()
    return numeric, stages


def _count(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(GoalActual)) or 0)


def _preview(team: Team, who: str, text: str) -> tuple[int, str]:
    answer = team.page(who).post_form(f"{PAGE}/preview", {"csv_text": text})
    return answer.status_code, answer.get_data(as_text=True)


def _apply(team: Team, who: str, text: str, fingerprint: str) -> tuple[int, str]:
    answer = team.page(who).post_form(
        f"{PAGE}/apply", {"csv_text": text, "fingerprint": fingerprint}
    )
    return answer.status_code, answer.get_data(as_text=True)


def test_every_error_by_line_and_nothing_recorded(team: Team) -> None:
    numeric, _ = _goals(team)
    plan = team.plan.id
    text = "\n".join([
        "plan,goal,date,value",
        f"{plan},{numeric.id},2026-03-31,20",
        "999999,1,2026-03-31,20",
        f"{plan},987654321,2026-03-31,20",
        f"{plan},{numeric.id},31/03/2026,lots",
        f"{plan},{numeric.id},2999-01-01,20",
        f"{plan},Formulary listing,2026-03-31,4",
        f"{plan},{numeric.id},2026-03-31,21",
    ])  # fmt: skip
    status, page = _preview(team, "rep", text)
    assert status == 422
    assert "Line 3:</strong>\n        No plan 999999 you can record on." in page
    assert "Line 4:" in page and "No goal “987654321”" in page
    assert "Line 5 (2 errors)" in page and "Enter a date like 2026-03-31." in page
    assert "Enter a number." in page
    assert "Line 6:" in page and "up to today" in page
    assert "Line 7:" in page and "Choose a stage from 1 to 3." in page
    assert "Line 8:" in page and "The same goal and date are on line 2." in page
    assert 'name="fingerprint"' not in page
    assert _count(team.db) == 0
    # Applying anyway records nothing either.
    assert _apply(team, "rep", text, "anything")[0] == 422
    assert _count(team.db) == 0


def test_preview_then_apply_records_all_once(team: Team) -> None:
    numeric, _ = _goals(team)
    plan = team.plan.id
    text = (
        f"Plan ID;Goal key;Date;Value\n{plan};{numeric.id};2026-03-31;20\n"
        f"{plan};formulary listing;2026-06-30;2\n"
    )
    status, page = _preview(team, "msl", text)  # a teammate of the medical line
    assert status == 200, page
    assert "20 patients" in page and "stage 2, P&amp;T review" in page
    fingerprint = FINGERPRINT.search(page)
    assert fingerprint is not None
    status, _ = _apply(team, "msl", text, fingerprint.group(1))
    assert status == 302
    assert _count(team.db) == 2
    sources = {a.source.value for a in team.db.scalars(select(GoalActual))}
    assert sources == {"imported"}
    assert (
        team.db.scalar(select(func.count()).where(AuditEvent.action == "plan.goal.actual.import"))
        == 1
    )
    # The same file again: nothing new.
    status, page = _preview(team, "msl", text)
    assert status == 200 and "Every actual in the file is already recorded" in page
    assert _count(team.db) == 2


def test_a_stale_preview_records_nothing(team: Team) -> None:
    numeric, _ = _goals(team)
    text = f"plan,goal,date,value\n{team.plan.id},{numeric.id},2026-03-31,20\n"
    page = _preview(team, "rep", text)[1]
    fingerprint = FINGERPRINT.search(page)
    assert fingerprint is not None
    # Meanwhile someone records the same actual: the file would now record nothing.
    team.api("nurse", "POST", f"/api/v1/goals/{numeric.id}/actuals",
             json={"date": "2026-03-31", "value": 20})  # fmt: skip
    status, page = _apply(team, "rep", text, fingerprint.group(1))
    assert status == 409 and "The plans changed since your preview" in page
    assert _count(team.db) == 1


@pytest.mark.parametrize("who", ["msl2", "crossed_msl"])
def test_plans_one_does_not_record_on_are_not_found_on_their_line(team: Team, who: str) -> None:
    numeric, _ = _goals(team)
    text = f"plan,goal,date,value\n{team.plan.id},{numeric.id},2026-03-31,20\n"
    status, page = _preview(team, who, text)
    assert status == 422
    assert f"No plan {team.plan.id} you can record on." in page
    assert "Patients on therapy up" not in page


@pytest.mark.parametrize("who", ["msl_manager", "sales_manager", "director"])
def test_the_import_is_for_account_team_members(team: Team, who: str) -> None:
    assert team.page(who).get(PAGE).status_code == 404


def test_a_file_with_a_wrong_header_says_so(team: Team) -> None:
    status, page = _preview(team, "rep", "account,when,amount\n1,2026-01-01,3\n")
    assert status == 422
    assert "Column “account” is not recognised" in page
    assert "The header lacks plan, goal, date, value." in page
