"""The plans API: visibility per role, create, ETag/If-Match, items, the account team."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.auth.service import issue_api_token
from coachapp.models import PlanActionItem, User
from tests.builders import Org, make_account
from tests.conftest import HttpsClient


@pytest.fixture
def bearer(app: Flask, db: Session, org: Org) -> Any:
    def headers(who: str, **extra: str) -> dict[str, str]:
        with app.app_context():
            token, _ = issue_api_token(db, org.people[who])
        return {"Authorization": f"Bearer {token}", **extra}

    return headers


VISIBLE = {
    # who: (sees rep's plan, sees other_rep's plan that rep is on, sees far plan)
    "rep": (200, 200, 404),
    "rep2": (200, 404, 404),  # on rep's team only
    "other_rep": (404, 200, 404),
    "manager": (200, 200, 404),  # rep is a direct report (owner or team member)
    "manager2": (404, 200, 404),
    "director": (200, 200, 404),
    "director2": (404, 404, 200),
    "admin": (404, 404, 404),
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_plan_visibility_for_every_role(
    who: str, client: HttpsClient, org: Org, bearer: Any
) -> None:
    headers = bearer(who)
    plans = (org.plans["rep"], org.plans["other_rep_with_rep"], org.plans["far"])
    got = tuple(
        client.get(f"/api/v1/account-plans/{p.id}", headers=headers).status_code for p in plans
    )
    assert got == VISIBLE[who]


def test_plan_shape_and_etag(client: HttpsClient, org: Org, bearer: Any) -> None:
    response = client.get(f"/api/v1/account-plans/{org.plans['rep'].id}", headers=bearer("rep"))
    body = response.get_json()
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert set(body) >= {
        "id",
        "account",
        "period",
        "owner_id",
        "status",
        "strategic_priorities",
        "profile",
        "goals",
        "action_items",
        "stakeholders",
        "team",
        "completeness",
        "version",
    }
    assert set(body["profile"]) == {"business", "clinical", "operational", "reimbursement"}
    assert set(body["account"]) >= {"id", "name", "type"}
    assert {m["user_id"] for m in body["team"]} == {
        org.people[who].id for who in ("rep", "rep2", "msl")
    }
    assert 0 <= body["completeness"]["score"] <= 100 and body["completeness"]["missing"]


def test_rep_plans_list_follows_scope(client: HttpsClient, org: Org, bearer: Any) -> None:
    rep = org.people["rep"]
    mine = client.get(f"/api/v1/reps/{rep.id}/account-plans", headers=bearer("manager"))
    assert {p["id"] for p in mine.get_json()} == {
        org.plans["rep"].id,
        org.plans["other_rep_with_rep"].id,
    }
    assert (
        client.get(f"/api/v1/reps/{rep.id}/account-plans", headers=bearer("manager3")).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/reps/{rep.id}/account-plans", headers=bearer("other_rep")).status_code
        == 404
    )


def test_patch_needs_if_match_and_refuses_a_stale_one(
    client: HttpsClient, org: Org, bearer: Any
) -> None:
    url = f"/api/v1/account-plans/{org.plans['rep'].id}"
    version = client.get(url, headers=bearer("rep")).get_json()["version"]
    body = {"profile": {"reimbursement": "340B at the flagship"}}
    assert client.patch(url, json=body, headers=bearer("rep")).status_code == 428
    ok = client.patch(url, json=body, headers=bearer("rep", **{"If-Match": f'"{version}"'}))
    assert ok.status_code == 200
    assert ok.get_json()["profile"]["reimbursement"] == "340B at the flagship"
    assert ok.headers["ETag"] == f'"{version + 1}"'
    stale = client.patch(
        url, json={"status": "archived"}, headers=bearer("rep", **{"If-Match": f'"{version}"'})
    )
    assert stale.status_code == 412
    assert stale.get_json()["error"]["code"] == "precondition_failed"
    assert stale.headers["ETag"] == f'"{version + 1}"'


def test_two_clients_editing_the_same_goal(client: HttpsClient, org: Org, bearer: Any) -> None:
    plan_url = f"/api/v1/account-plans/{org.plans['rep'].id}"
    goal = client.post(
        f"{plan_url}/goals", json={"title": "Formulary win"}, headers=bearer("rep")
    ).get_json()
    first_phone = bearer("rep", **{"If-Match": '"1"'})
    second_phone = bearer("rep", **{"If-Match": '"1"'})
    assert (
        client.patch(
            f"{plan_url}/goals/{goal['id']}", json={"measure": "P&T"}, headers=first_phone
        ).status_code
        == 200
    )
    clash = client.patch(
        f"{plan_url}/goals/{goal['id']}", json={"measure": "Mine"}, headers=second_phone
    )
    assert clash.status_code == 412
    current = client.get(plan_url, headers=bearer("rep")).get_json()
    assert [g["measure"] for g in current["goals"] if g["id"] == goal["id"]] == ["P&T"]


def test_only_reps_create_plans_and_only_owners_edit(
    client: HttpsClient, db: Session, org: Org, bearer: Any
) -> None:
    account = make_account(db, name="Bayview Medical Group")
    db.commit()
    body = {"account_id": account.id, "period": "2027-H1"}
    assert (
        client.post("/api/v1/account-plans", json=body, headers=bearer("manager")).status_code
        == 403
    )
    created = client.post("/api/v1/account-plans", json=body, headers=bearer("rep"))
    assert created.status_code == 201 and created.get_json()["owner_id"] == org.people["rep"].id
    again = client.post("/api/v1/account-plans", json=body, headers=bearer("rep"))
    assert again.status_code == 409
    url = f"/api/v1/account-plans/{org.plans['rep'].id}"
    assert (
        client.patch(
            url, json={"status": "active"}, headers=bearer("manager", **{"If-Match": '"1"'})
        ).status_code
        == 403
    )
    assert (
        client.post(f"{url}/goals", json={"title": "x"}, headers=bearer("rep2")).status_code == 403
    )


def test_teammate_updates_status_of_own_action_only(
    client: HttpsClient, db: Session, org: Org, bearer: Any
) -> None:
    plan = org.plans["other_rep_with_rep"]
    mine = PlanActionItem(plan_id=plan.id, title="In-service", owner_id=org.people["rep"].id)
    db.add(mine)
    db.commit()
    url = f"/api/v1/account-plans/{plan.id}/action-items/{mine.id}"
    done = client.patch(url, json={"status": "done"}, headers=bearer("rep", **{"If-Match": '"1"'}))
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    renamed = client.patch(
        url, json={"title": "Renamed"}, headers=bearer("rep", **{"If-Match": '"2"'})
    )
    assert renamed.status_code == 403
    assert renamed.get_json()["error"]["fields"] == {
        "title": ["Only the plan owner can change this."]
    }


def test_team_members_and_action_owners(
    client: HttpsClient, db: Session, org: Org, bearer: Any
) -> None:
    url = f"/api/v1/account-plans/{org.plans['rep'].id}"
    far = org.people["far_rep"]
    bad_owner = client.post(
        f"{url}/action-items", json={"title": "x", "owner_id": far.id}, headers=bearer("rep")
    )
    assert bad_owner.status_code == 422 and "owner_id" in bad_owner.get_json()["error"]["fields"]
    added = client.post(
        f"{url}/team",
        json={"user_id": far.id, "responsibility": "Reimbursement"},
        headers=bearer("rep"),
    )
    assert added.status_code == 201 and added.get_json()["function"] == far.function.value
    action = client.post(
        f"{url}/action-items",
        json={"title": "Payer mix", "owner_id": far.id},
        headers=bearer("rep"),
    )
    assert action.status_code == 201
    blocked = client.delete(f"{url}/team/{far.id}", headers=bearer("rep"))
    assert blocked.status_code == 409
    assert (
        client.delete(f"{url}/team/{org.people['rep'].id}", headers=bearer("rep")).status_code
        == 409
    )
    assert isinstance(db.get(User, far.id), User)


def test_bad_input_gets_the_error_shape(client: HttpsClient, org: Org, bearer: Any) -> None:
    url = f"/api/v1/account-plans/{org.plans['rep'].id}"
    for body in (
        {"title": ""},
        {"title": "x", "target_date": "31/02/2027"},
        {"title": "x", "status": "won"},
        {"title": 5},
    ):
        response = client.post(f"{url}/goals", json=body, headers=bearer("rep"))
        assert response.status_code == 422, body
        assert set(response.get_json()["error"]) >= {"code", "message", "fields"}
    assert (
        client.patch(
            url, json={"period": "someday"}, headers=bearer("rep", **{"If-Match": '"1"'})
        ).status_code
        == 422
    )
    assert (
        client.patch(
            url,
            json={"profile": {"business": "\x00"}},
            headers=bearer("rep", **{"If-Match": '"1"'}),
        ).status_code
        == 422
    )


def test_a_region_filter_holding_nul_is_refused_not_a_server_error(
    client: HttpsClient, bearer: Any
) -> None:
    response = client.get("/api/v1/account-plans?region=%00", headers=bearer("director"))
    assert response.status_code == 422
    assert "region" in str(response.get_json()["error"]["fields"])
