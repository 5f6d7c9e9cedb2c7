"""Plan pages as people use them: write a plan piece by piece, autosave, conflicts, roll-up."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import AccountPlan, ActionStatus, PlanActionItem, PlanGoal
from tests.builders import Org, make_account
from tests.conftest import HttpsClient

HX = {"HX-Request": "true"}


def plan_id_from(location: str) -> int:
    found = re.search(r"/plans/(\d+)", location)
    assert found, location
    return int(found.group(1))


def test_rep_writes_a_new_plan_without_javascript(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    client = login_as("rep")
    msl = org.people["rep2"]
    created = client.post_form(
        "/plans/new",
        {
            "account_name": "Harbor Point Health",
            "account_type": "health_system",
            "account_region": "West",
            "period": "2027-H1",
            "strategic_priorities": "Win P&T.",
        },
    )
    assert created.status_code == 302
    plan_id = plan_id_from(created.headers["Location"])
    client.post_form(
        f"/plans/{plan_id}/fields",
        {
            "profile_reimbursement": "Mostly Medicare Advantage; PA for every start.",
            "base_profile_reimbursement": "",
        },
    )
    client.post_form(
        f"/plans/{plan_id}/goals",
        {"title": "Formulary listing", "measure": "P&T approval", "target_date": "2027-03-31"},
    )
    client.post_form(f"/plans/{plan_id}/team", {"user_id": str(msl.id), "responsibility": "MSL"})
    client.post_form(
        f"/plans/{plan_id}/actions",
        {"title": "Present RWE to pharmacy", "owner_id": str(msl.id), "due_date": "2027-01-15"},
    )
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Harbor Point Health" in page
    assert "Mostly Medicare Advantage" in page
    assert 'value="Formulary listing"' in page
    assert "Present RWE to pharmacy" in page
    plan = db.get(AccountPlan, plan_id)
    assert plan is not None and plan.owner_id == org.people["rep"].id


def test_new_plan_form_keeps_what_was_typed(login_as: Any, org: Org, client: HttpsClient) -> None:
    client = login_as("rep")
    response = client.post_form(
        "/plans/new", {"period": "someday", "strategic_priorities": "Keep this text"}
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Use a period like 2026-H2" in text
    assert "Keep this text" in text


def test_autosave_answers_with_the_save_line(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    client = login_as("rep")
    plan = org.plans["rep"]
    response = client.post_form(
        f"/plans/{plan.id}/fields",
        {
            "strategic_priorities": "New priorities",
            "base_strategic_priorities": plan.strategic_priorities,
        },
        headers=HX,
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Saved" in text and 'name="base_strategic_priorities" value="New priorities"' in text
    assert response.headers["HX-Trigger"] == "plan-changed"


def test_second_editor_gets_a_conflict_and_keeps_their_text(
    app: Any, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    rep = org.people["rep"]
    goal = PlanGoal(plan_id=org.plans["rep"].id, title="Win formulary", measure="")
    db.add(goal)
    db.commit()
    client = login_as("rep")
    url = f"/plans/{goal.plan_id}/goals/{goal.id}"
    first = client.post_form(url, {"measure": "P&T listing", "base_measure": ""}, headers=HX)
    assert first.status_code == 200
    # A second phone still shows the empty measure and saves its own text.
    second = client.post_form(url, {"measure": "My measure", "base_measure": ""}, headers=HX)
    assert second.status_code == 412
    text = second.get_data(as_text=True)
    assert "Someone else changed this" in text
    assert 'value="My measure"' in text  # what they typed is kept
    assert "P&amp;T listing" in text  # and the other version is shown
    assert second.headers["HX-Retarget"] == f"#goal-{goal.id}"
    # Saving again from the conflict form (its base is now the current text) wins.
    again = client.post_form(
        url, {"measure": "My measure", "base_measure": "P&T listing"}, headers=HX
    )
    assert again.status_code == 200
    db.expire_all()
    assert db.get(PlanGoal, goal.id).measure == "My measure"  # type: ignore[union-attr]
    assert rep.id


def test_invalid_item_keeps_input_and_explains(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    goal = PlanGoal(plan_id=org.plans["rep"].id, title="Win formulary", measure="")
    db.add(goal)
    db.commit()
    client = login_as("rep")
    response = client.post_form(
        f"/plans/{goal.plan_id}/goals/{goal.id}",
        {"title": "", "measure": "typed measure", "target_date": "31/02/2027"},
        headers=HX,
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Name the goal." in text and "Not a valid date." in text
    assert 'value="typed measure"' in text


def test_teammate_updates_own_action_but_not_the_plan(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    plan = org.plans["other_rep_with_rep"]
    action = PlanActionItem(
        plan_id=plan.id, title="Nurse in-service", owner_id=org.people["rep"].id
    )
    theirs = PlanActionItem(
        plan_id=plan.id, title="CFO meeting", owner_id=org.people["other_rep"].id
    )
    db.add_all([action, theirs])
    db.commit()
    client = login_as("rep")
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert f'id="action-{action.id}"' in page and f'<form id="action-{action.id}"' in page
    assert f'<form id="action-{theirs.id}"' not in page
    assert "Add a goal" not in page
    done = client.post_form(
        f"/plans/{plan.id}/actions/{action.id}",
        {"status": "done", "base_status": "open"},
        headers=HX,
    )
    assert done.status_code == 200
    db.expire_all()
    assert db.get(PlanActionItem, action.id).status == ActionStatus.DONE  # type: ignore[union-attr]
    assert (
        client.post_form(f"/plans/{plan.id}/actions/{theirs.id}", {"status": "done"}).status_code
        == 403
    )
    assert client.post_form(f"/plans/{plan.id}/goals", {"title": "Not mine"}).status_code == 403
    renamed = client.post_form(f"/plans/{plan.id}/actions/{action.id}", {"title": "x"}, headers=HX)
    assert renamed.status_code == 403


def test_manager_reads_and_comments_director_reads_outsiders_get_404(
    app: Any, org: Org, client: HttpsClient
) -> None:
    from tests.conftest import login

    plan = org.plans["rep"]
    login(client, org.people["manager"].email)
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Add a goal" not in page and "Post comment" in page
    client.post_form(f"/plans/{plan.id}/comments", {"body": "Bring Robin to the P&T prep."})
    assert "Bring Robin to the P&amp;T prep." in client.get(f"/plans/{plan.id}").get_data(
        as_text=True
    )
    director = app.test_client()
    login(director, org.people["director"].email)
    assert director.get(f"/plans/{plan.id}").status_code == 200
    assert "Post comment" not in director.get(f"/plans/{plan.id}").get_data(as_text=True)
    outsider = app.test_client()
    login(outsider, org.people["manager3"].email)
    assert outsider.get(f"/plans/{plan.id}").status_code == 404
    assert outsider.post_form(f"/plans/{plan.id}/comments", {"body": "x"}).status_code == 404


def test_history_shows_who_changed_what(login_as: Any, org: Org, client: HttpsClient) -> None:
    client = login_as("rep")
    plan = org.plans["rep"]
    client.post_form(f"/plans/{plan.id}/fields", {"profile_clinical": "Pathways in Epic Beacon."})
    text = client.get(f"/plans/{plan.id}/history").get_data(as_text=True)
    assert "Riley Rep" in text and "profile clinical" in text and "Pathways in Epic Beacon." in text


def test_rollup_filters_csv_and_qbr(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    client = login_as("director")
    listing = client.get("/plans").get_data(as_text=True)
    assert org.plans["rep"].account.name in listing
    assert org.plans["far"].account.name not in listing
    csv_response = client.get("/plans.csv?function=sales")
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response.headers["Content-Disposition"]
    assert org.plans["rep"].account.name in csv_response.get_data(as_text=True)
    qbr = client.get("/plans/qbr").get_data(as_text=True)
    assert "Quarterly business review" in qbr and org.plans["rep"].account.name in qbr
    assert client.get("/plans?status=bogus&function=nope").status_code == 200


def test_duplicate_plan_for_account_and_period(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    account = make_account(db, name="Cedar Valley IDN")
    db.commit()
    client = login_as("rep")
    first = client.post_form("/plans/new", {"account_id": str(account.id), "period": "2027-H1"})
    assert first.status_code == 302
    again = client.post_form("/plans/new", {"account_id": str(account.id), "period": "2027-H1"})
    assert again.status_code == 422
    assert "already has a plan for 2027-H1" in again.get_data(as_text=True)
    assert db.scalars(select(AccountPlan).where(AccountPlan.account_id == account.id)).one()
    assert dt.date.today()
