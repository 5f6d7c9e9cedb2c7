"""Every plan of a scope read as facts (coachapp.plans.facts): the same plans, in the same
order, with the same completeness, goal counts and attainment as the roll-up of loaded plans,
for the CSV export (every plan, all pages) and the QBR's summary."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.models import (
    ActionStatus,
    DecisionRole,
    Function,
    GoalActual,
    GoalKind,
    GoalStatus,
    PlanActionItem,
    PlanGoal,
    PlanStakeholder,
    PlanStatus,
    PlanTeamMember,
    Relationship,
)
from coachapp.plans import facts, rollup
from coachapp.timezones import local_today
from tests.builders import Org, make_account, make_plan, make_user
from tests.conftest import signed_in


def test_whitespace_is_what_str_strip_strips() -> None:
    python = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert python == facts.WHITESPACE


@pytest.fixture
def varied(db: Session, org: Org) -> None:
    """Plans of every shape under the director: texts of whitespace only (Unicode's too),
    number and stage goals with actuals (two on one date, one in the future), overdue and
    done actions, stakeholders near and far, teams of one function and of several, an
    archived plan and a draft."""
    p = org.people
    today = local_today(p["manager"].timezone)
    key_account = make_user(db, manager=p["manager"], function=Function.KEY_ACCOUNT)
    plain = make_plan(db, key_account, strategic_priorities=" \u00a0\u3000\n\t")
    plain.profile_clinical = "\u2003\u200a"
    plain.profile_business = " x"
    plain.goals = [
        PlanGoal(
            title="Patients", kind=GoalKind.NUMERIC, baseline=10, target=50, measure="n",
            baseline_date=today - dt.timedelta(days=60), target_date=today + dt.timedelta(30),
            status=GoalStatus.AT_RISK,
            actuals=[
                GoalActual(measured_on=today - dt.timedelta(days=5), value=20),
                GoalActual(measured_on=today - dt.timedelta(days=5), value=12),
                GoalActual(measured_on=today + dt.timedelta(days=5), value=49),
            ],
        ),
        PlanGoal(
            title="Formulary", kind=GoalKind.STAGES, stages=["Dossier", "P&T", "Listed"],
            baseline_date=today - dt.timedelta(days=10), target_date=today + dt.timedelta(10),
            actuals=[GoalActual(measured_on=today - dt.timedelta(days=1), value=2)],
        ),
        PlanGoal(title="Undated", status=GoalStatus.DONE),
    ]  # fmt: skip
    plain.action_items = [
        PlanActionItem(title="Late", owner_id=key_account.id, due_date=today - dt.timedelta(3)),
        PlanActionItem(
            title="Done", owner_id=key_account.id, status=ActionStatus.DONE,
            due_date=today - dt.timedelta(days=3),
        ),
    ]  # fmt: skip
    plain.stakeholders = [
        PlanStakeholder(
            name="Dr. Far", decision_role=DecisionRole.DECISION_MAKER,
            relationship_strength=Relationship.WEAK,
        ),
        PlanStakeholder(name="Dr. Near", decision_role=DecisionRole.CHAMPION),
    ]  # fmt: skip
    plain.team.append(PlanTeamMember(user_id=p["msl"].id, responsibility="MSL"))
    plain.last_activity_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    make_plan(db, p["rep2"], status=PlanStatus.DRAFT, account=make_account(db, region="West"))
    make_plan(db, p["rep"], status=PlanStatus.ARCHIVED)
    db.commit()


@pytest.mark.parametrize("who", ["director", "manager", "rep", "msl", "medical_director", "admin"])
@pytest.mark.parametrize(
    "filters",
    [{}, {"status": "archived"}, {"region": "West"}, {"function": "key_account"}, {"q": "rep"}],
)
def test_facts_read_what_the_loaded_plans_say(
    app: Flask, db: Session, org: Org, varied: None, who: str, filters: dict[str, Any]
) -> None:
    viewer = org.people[who]
    today = local_today(viewer.timezone)
    chosen = rollup.RollupFilters(**filters)
    with app.app_context():
        loaded = rollup.rollup(db, viewer, today, chosen)
        read = facts.fact_rows(db, viewer, today, chosen)
    assert [r.plan.id for r in read] == [r.plan.id for r in loaded]
    for fact, row in zip(read, loaded, strict=True):
        assert fact.completeness == row.completeness
        assert fact.goals_by_status == row.goals_by_status
        assert fact.attainment == row.attainment
    if who == "director" and not filters:
        assert any(r.attainment.at_risk for r in read)  # the case holds what it should
        assert any("strategic_priorities" in r.completeness.gaps for r in read)
    assert rollup.rollup_csv(read) == rollup.rollup_csv(loaded)


def test_the_csv_holds_every_plan_of_every_page(
    app: Flask, db: Session, org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rollup, "PLANS_PER_PAGE", 2)
    for _ in range(5):
        make_plan(db, make_user(db, manager=org.people["manager"]))
    db.commit()
    director = org.people["director"]
    with app.app_context():
        everyone = rollup.rollup(db, director, local_today(director.timezone))
    client = signed_in(app, org, "director")
    exported = client.get("/plans.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(everyone) == 7 and [r["account"] for r in rows] == [
        r.plan.account.name for r in everyone
    ]  # fmt: skip
    assert exported == rollup.rollup_csv(everyone)
    searched = list(csv.DictReader(io.StringIO(client.get("/plans.csv?q=riley").get_data(True))))
    assert [r["owner"] for r in searched] == ["Riley Rep"]
