"""The plan service: writing piece by piece, permissions, concurrency, completeness, history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coachapp.models import ActionStatus, AuditEvent, Function, GoalStatus
from coachapp.plans import contributions, service
from coachapp.plans.completeness import plan_completeness
from coachapp.plans.rollup import RollupFilters, rollup, rollup_csv
from coachapp.versioning import StaleVersion, VersionRequired
from tests.builders import Org, make_account

TODAY = dt.date.today()


def test_rep_writes_a_plan_piece_by_piece(app, db: Session, org: Org) -> None:  # type: ignore[no-untyped-def]
    rep, msl = org.people["rep"], org.people["rep2"]
    account = make_account(db, name="Lakeshore Health Partners")
    with app.test_request_context():
        plan = service.create_plan(db, rep, {"account_id": account.id, "period": "2027-H1"})
        service.update_plan(
            db,
            rep,
            plan.id,
            {"profile_reimbursement": "40% Medicare Advantage; PA heavy."},
            expected_version=plan.version,
        )
        goal = service.add_goal(
            db,
            rep,
            plan.id,
            {
                "title": "P&T approval",
                "measure": "Formulary listing",
                "target_date": TODAY + dt.timedelta(days=60),
            },
        )
        service.add_team_member(db, rep, plan.id, {"user_id": msl.id, "responsibility": "MSL"})
        action = service.add_action(
            db,
            rep,
            plan.id,
            {
                "title": "Present RWE to pharmacy",
                "owner_id": msl.id,
                "due_date": TODAY + dt.timedelta(days=7),
            },
        )
    plan = service.get_plan(db, rep, plan.id)
    assert plan.profile_reimbursement.startswith("40%")
    assert [g.title for g in plan.goals] == ["P&T approval"]
    assert action.owner_id == msl.id and goal.version == 1
    actions = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "plan", AuditEvent.object_id == plan.id
        )
    ).all()
    assert {
        "plan.create",
        "plan.update",
        "plan.goal.add",
        "plan.team.add",
        "plan.action.add",
    } <= set(actions)


def test_stale_version_is_refused_and_fields_merge(app, db: Session, org: Org) -> None:  # type: ignore[no-untyped-def]
    rep = org.people["rep"]
    plan = org.plans["rep"]
    with app.test_request_context():
        goal = service.add_goal(db, rep, plan.id, {"title": "Win IDN formulary"})
        service.update_goal(db, rep, plan.id, goal.id, {"measure": "Listed"}, expected_version=1)
        with pytest.raises(StaleVersion):
            service.update_goal(db, rep, plan.id, goal.id, {"measure": "Other"}, expected_version=1)
        with pytest.raises(VersionRequired):
            service.update_goal(db, rep, plan.id, goal.id, {"measure": "x"}, require_version=True)
        # Autosave from a form: a different field than the one changed meanwhile merges fine...
        service.update_goal(
            db,
            rep,
            plan.id,
            goal.id,
            {"title": "Win the IDN formulary"},
            bases={"title": "Win IDN formulary"},
        )
        # ...while the same field, changed by someone else since, is a conflict.
        with pytest.raises(StaleVersion) as clash:
            service.update_goal(
                db, rep, plan.id, goal.id, {"measure": "Mine"}, bases={"measure": ""}
            )
    assert clash.value.current == {"measure": "Listed"}
    assert service.get_plan(db, rep, plan.id).goals[-1].title == "Win the IDN formulary"


def test_teammate_updates_only_date_and_status_of_own_actions(app, db: Session, org: Org) -> None:  # type: ignore[no-untyped-def]
    owner, teammate = org.people["other_rep"], org.people["rep"]
    plan = org.plans["other_rep_with_rep"]
    with app.test_request_context():
        mine = service.add_action(
            db, owner, plan.id, {"title": "Book in-service", "owner_id": teammate.id}
        )
        theirs = service.add_action(db, owner, plan.id, {"title": "Call CFO", "owner_id": owner.id})
        done = service.update_action(
            db, teammate, plan.id, mine.id, {"status": ActionStatus.DONE}, expected_version=1
        )
        assert done.status == ActionStatus.DONE and done.completed_at is not None
        with pytest.raises(PermissionDenied):
            service.update_action(db, teammate, plan.id, mine.id, {"title": "Renamed"})
        with pytest.raises(PermissionDenied):
            service.update_action(db, teammate, plan.id, theirs.id, {"status": ActionStatus.DONE})
        with pytest.raises(PermissionDenied):
            service.add_goal(db, teammate, plan.id, {"title": "Not my plan"})
        with pytest.raises(InvalidInput):
            service.add_action(
                db, owner, plan.id, {"title": "x", "owner_id": org.people["far_rep"].id}
            )


def test_outsiders_get_not_found_and_managers_read_only(app, db: Session, org: Org) -> None:  # type: ignore[no-untyped-def]
    plan = org.plans["rep"]
    with app.test_request_context():
        with pytest.raises(NotFound):
            service.get_plan(db, org.people["far_rep"], plan.id)
        with pytest.raises(NotFound):
            service.update_plan(db, org.people["manager3"], plan.id, {"status": "active"})
        with pytest.raises(PermissionDenied):
            service.update_plan(db, org.people["manager"], plan.id, {"status": "active"})
        comment, _ = contributions.add_comment(
            db, org.people["manager"], plan.id, {"body": "Bring the MSL to P&T."}
        )
        assert comment.id
        with pytest.raises(PermissionDenied):
            contributions.add_comment(
                db, org.people["director"], plan.id, {"body": "Directors read only"}
            )


def test_one_plan_per_account_and_period(app, db: Session, org: Org) -> None:  # type: ignore[no-untyped-def]
    plan = org.plans["rep"]
    with app.test_request_context(), pytest.raises(Conflict):
        service.create_plan(
            db, org.people["rep"], {"account_id": plan.account_id, "period": plan.period}
        )


def test_completeness_names_what_is_missing(app, db: Session, org: Org) -> None:  # type: ignore[no-untyped-def]
    rep = org.people["rep"]
    plan = service.get_plan(db, rep, org.plans["rep"].id)
    empty = plan_completeness(plan, TODAY)
    assert "Empty profiling area: Reimbursement insight" in empty.missing
    assert "No goals yet" in empty.missing
    assert org.people["rep2"].function == Function.KEY_ACCOUNT
    assert "No team members from other functions" not in empty.missing
    with app.test_request_context():
        service.update_plan(
            db,
            rep,
            plan.id,
            {
                f"profile_{a}": "Known."
                for a in ("business", "clinical", "operational", "reimbursement")
            },
        )
        service.add_goal(db, rep, plan.id, {"title": "Goal", "measure": "m", "target_date": TODAY})
        service.add_action(
            db,
            rep,
            plan.id,
            {"title": "Late", "owner_id": rep.id, "due_date": TODAY - dt.timedelta(days=2)},
        )
        service.add_stakeholder(db, rep, plan.id, {"name": "Dr. Ana Ruiz", "title": "P&T chair"})
    fuller = plan_completeness(service.get_plan(db, rep, plan.id), TODAY)
    assert fuller.score > empty.score
    assert fuller.missing == ["1 overdue action(s)"]


def test_rollup_filters_and_csv(app, db: Session, org: Org) -> None:  # type: ignore[no-untyped-def]
    director = org.people["director"]
    rows = rollup(db, director, TODAY)
    assert {r.plan.id for r in rows} == {org.plans["rep"].id, org.plans["other_rep_with_rep"].id}
    assert rollup(db, org.people["admin"], TODAY) == []
    msl_only = rollup(db, director, TODAY, RollupFilters(function="msl"))
    assert msl_only == []
    text = rollup_csv(rows)
    assert text.splitlines()[0].startswith("account,account_type,region,period")
    assert len(text.splitlines()) == 3
    with app.test_request_context():
        service.add_goal(
            db,
            org.people["rep"],
            org.plans["rep"].id,
            {"title": '=HYPERLINK("x")', "status": GoalStatus.AT_RISK},
        )
    row = next(r for r in rollup(db, director, TODAY) if r.plan.id == org.plans["rep"].id)
    assert row.goals_by_status["at_risk"] == 1
