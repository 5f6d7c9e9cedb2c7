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

from coachapp.models import AuditEvent, GoalActual, PlanGoal, PlanStatus
from tests.builders import Lines, make_plan
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
    status, page = _preview(team, "rep", "customer,when,amount\n1,2026-01-01,3\n")
    assert status == 422
    assert "Column “customer” is not recognised" in page
    assert "The header lacks account or plan, goal, date, value." in page


# Naming the plan by its account's external id (the CRM's or the data warehouse's).

ACCOUNT = "IDN-7001"


def _external_ids(team: Team) -> PlanGoal:
    """The team's account is IDN-7001; IDN-7002's only live plan is another rep's and
    IDN-7003's only plan, the rep's own, is archived. Gives the team's numeric goal."""
    numeric, _ = _goals(team)
    team.plan.account.external_id = ACCOUNT
    theirs = make_plan(team.db, team.person("msl2"))
    theirs.account.external_id = "IDN-7002"
    archived = make_plan(team.db, team.person("rep"), status=PlanStatus.ARCHIVED)
    archived.account.external_id = "IDN-7003"
    archived.goals.append(PlanGoal(position=0, title=numeric.title, baseline_date=JAN))
    team.db.commit()
    return numeric


def test_rows_by_account_external_id_preview_then_apply(team: Team) -> None:
    numeric = _external_ids(team)
    text = (
        f"Account external id,Goal,Date,Value\n{ACCOUNT},Patients on therapy up,2026-03-31,20\n"
        f"{ACCOUNT},Formulary listing,2026-06-30,2\n{ACCOUNT},{numeric.id},2026-06-30,24\n"
    )
    status, page = _preview(team, "nurse", text)  # a teammate of the patient line
    assert status == 200, page
    assert f"({ACCOUNT})" in page and "20 patients" in page and "stage 2, P&amp;T review" in page
    fingerprint = FINGERPRINT.search(page)
    assert fingerprint is not None
    assert _apply(team, "nurse", text, fingerprint.group(1))[0] == 302
    team.db.expire_all()
    recorded = {
        (a.goal.plan_id, a.goal.title, a.measured_on.isoformat(), a.value, a.source.value)
        for a in team.db.scalars(select(GoalActual))
    }
    assert recorded == {
        (team.plan.id, "Patients on therapy up", "2026-03-31", 20.0, "imported"),
        (team.plan.id, "Formulary listing", "2026-06-30", 2.0, "imported"),
        (team.plan.id, "Patients on therapy up", "2026-06-30", 24.0, "imported"),
    }
    # The same file again records nothing.
    status, page = _preview(team, "nurse", text)
    assert status == 200 and "Every actual in the file is already recorded" in page


def test_every_account_error_by_line_and_nothing_recorded(team: Team) -> None:
    numeric = _external_ids(team)
    plan = team.plan.id
    text = "\n".join([
        "account,plan,goal,date,value",
        f"{ACCOUNT},,{numeric.id},2026-03-31,20",
        "IDN-9999,,Patients on therapy up,2026-03-31,20",
        "IDN-7002,,Patients on therapy up,2026-03-31,20",
        "IDN-7003,,Patients on therapy up,2026-03-31,20",
        f"IDN-7002,{plan},Patients on therapy up,2026-04-30,20",
        f"{ACCOUNT},,Market share,2026-03-31,20",
        ",,Patients on therapy up,2026-03-31,20",
        f"{ACCOUNT},{plan},Patients on therapy up,2026-05-31,21",
    ])  # fmt: skip
    status, page = _preview(team, "rep", text)
    assert status == 422
    assert "Line 3:</strong>\n        No account IDN-9999: no account has this external id." in page
    assert "Line 4:</strong>\n        Account IDN-7002 has no live plan you can record on." in page
    assert "Line 5:</strong>\n        Account IDN-7003 has no live plan you can record on." in page
    assert (
        f"Line 6:</strong>\n        Plan {plan} is not a plan of account IDN-7002: it is "
        f"{team.plan.account.name}&#39;s. Correct the account or the plan." in page
    )
    assert (
        f"Line 7:</strong>\n        No goal “Market share” in account {ACCOUNT}&#39;s plans you "
        "can record on." in page
    )
    assert "Line 8:</strong>\n        The row names no account and no plan." in page
    # Lines 2 and 9 are right: they stand among the actuals the corrected file would record.
    assert "Line 2:" not in page and "Line 9:" not in page
    assert page.count("line 2") == 1 and page.count("line 9") == 1
    assert _count(team.db) == 0
    assert _apply(team, "rep", text, "anything")[0] == 422
    assert _count(team.db) == 0


def test_an_account_with_two_live_plans_with_the_goal_needs_the_plan(team: Team) -> None:
    _external_ids(team)
    second = make_plan(team.db, team.person("rep"), account=team.plan.account, period="2027-H1")
    second.goals.append(PlanGoal(position=0, title="Patients on therapy up", baseline_date=JAN))
    team.db.commit()
    text = f"account,goal,date,value\n{ACCOUNT},Patients on therapy up,2026-03-31,20\n"
    status, page = _preview(team, "rep", text)
    assert status == 422
    assert (
        f"Line 2:</strong>\n        Account {ACCOUNT} has 2 live plans with the goal “Patients "
        f"on therapy up” (plans {team.plan.id}, {second.id}): add a plan column with the "
        "plan&#39;s id." in page
    )
    # A goal only one of them has is found without the plan; naming the plan settles the rest.
    text = (
        f"account,plan,goal,date,value\n{ACCOUNT},,Formulary listing,2026-03-31,1\n"
        f"{ACCOUNT},{second.id},Patients on therapy up,2026-03-31,20\n"
    )
    status, page = _preview(team, "rep", text)
    assert status == 200, page
    fingerprint = FINGERPRINT.search(page)
    assert fingerprint is not None
    assert _apply(team, "rep", text, fingerprint.group(1))[0] == 302
    team.db.expire_all()
    assert {(a.goal.plan_id, a.value) for a in team.db.scalars(select(GoalActual))} == {
        (team.plan.id, 1.0),
        (second.id, 20.0),
    }


@pytest.mark.parametrize("who", ["msl2", "crossed_msl"])
def test_an_account_one_does_not_record_on_is_refused_on_its_line(team: Team, who: str) -> None:
    numeric = _external_ids(team)
    text = f"account,goal,date,value\n{ACCOUNT},{numeric.id},2026-03-31,20\n"
    status, page = _preview(team, who, text)
    assert status == 422
    assert f"Account {ACCOUNT} has no live plan you can record on." in page
    assert "Patients on therapy up" not in page
    assert _apply(team, who, text, "anything")[0] == 422
    assert _count(team.db) == 0


def test_the_plan_page_and_the_api_show_the_accounts_external_id(team: Team) -> None:
    assert (
        team.api("rep", "GET", f"/api/v1/account-plans/{team.plan.id}").get_json()["account"][
            "external_id"
        ]
        is None
    )
    assert "account-external-id" not in team.shown("rep")
    _external_ids(team)
    assert f'<span class="account-external-id">{ACCOUNT}</span>' in team.shown("msl")
    answer = team.api("msl", "GET", f"/api/v1/account-plans/{team.plan.id}")
    assert answer.get_json()["account"]["external_id"] == ACCOUNT
