"""The directory provisions people through /scim/v2: tokens, users, filters and pages, groups
giving roles, the enterprise manager as the reporting line, and errors in SCIM's shape."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.auth.passwords import has_usable_password
from coachapp.auth.service import issue_api_token
from coachapp.models import AuditEvent, ReportingLine, Role, ScimToken, User
from coachapp.scim.tokens import revoke_scim_token
from tests.builders import Org, make_user

pytestmark = pytest.mark.first_backend

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def person(email: str, **extra: Any) -> dict[str, Any]:
    return {"schemas": [USER], "userName": email, **extra}


def with_manager(body: dict[str, Any], manager_id: int | str) -> dict[str, Any]:
    return {
        **body,
        "schemas": [USER, ENTERPRISE],
        ENTERPRISE: {"manager": {"value": str(manager_id)}},
    }


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": list(operations)}


def assert_error(response: Any, status: int, scim_type: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/scim+json"
    body = response.get_json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type


# Tokens --------------------------------------------------------------------------------------


def test_without_a_live_scim_token_nothing_is_answered(
    app: Flask, db: Session, client: Any, directory: Any, scim_token: str
) -> None:
    assert_error(client.get("/scim/v2/Users"), 401)
    assert client.get("/scim/v2/Users").headers["WWW-Authenticate"].startswith("Bearer")
    wrong = {"Authorization": "Bearer cas_not-a-token"}
    assert_error(client.get("/scim/v2/Users", headers=wrong), 401)
    assert_error(client.post("/scim/v2/Users", json=person("x@example.com"), headers=wrong), 401)
    # A person's API token opens the API, not provisioning.
    someone = make_user(db, role=Role.ADMIN)
    with app.app_context():
        api_token, _ = issue_api_token(db, someone)
    api = {"Authorization": f"Bearer {api_token}"}
    assert_error(client.get("/scim/v2/Users", headers=api), 401)

    assert directory.get("/Users").status_code == 200
    row = db.scalars(select(ScimToken)).one()
    revoke_scim_token(db, row.id)
    assert_error(directory.get("/Users"), 401)
    assert_error(directory.get("/ServiceProviderConfig"), 401)


def test_the_command_prints_lists_and_revokes_tokens(app: Flask, db: Session, client: Any) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["scim-token", "--name", "okta"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("cas_")
    row = db.scalars(select(ScimToken).where(ScimToken.name == "okta")).one()
    assert token not in row.token_hash  # only its digest is kept
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/scim/v2/Users", headers=headers).status_code == 200

    listed = runner.invoke(args=["scim-token", "--list"])
    assert f"{row.id}\tokta" in listed.output and token not in listed.output
    revoked = runner.invoke(args=["scim-token", "--revoke", str(row.id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert client.get("/scim/v2/Users", headers=headers).status_code == 401
    missing = runner.invoke(args=["scim-token", "--revoke", "999999"])
    assert missing.exit_code != 0 and "no SCIM token" in missing.output


# Users -----------------------------------------------------------------------------------------


def test_a_new_person_signs_in_with_their_email_and_no_password(
    db: Session, directory: Any
) -> None:
    response = directory.post(
        "/Users",
        json=person(
            "Dana.Reyes@Example.com",
            name={"givenName": "Dana", "familyName": "Reyes"},
            emails=[{"value": "dana.reyes@example.com", "type": "work", "primary": True}],
            externalId="00u1",
            phoneNumbers=[{"value": "+1 555 0100"}],  # not kept, not refused
        ),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.mimetype == "application/scim+json"
    body = response.get_json()
    assert response.headers["Location"] == body["meta"]["location"]
    assert body["userName"] == "dana.reyes@example.com"
    assert body["displayName"] == "Dana Reyes"
    assert body["active"] is True
    assert body["externalId"] == "00u1"
    assert "phoneNumbers" not in body
    user = db.get(User, int(body["id"]))
    assert user is not None
    assert (user.email, user.name, user.role, user.active) == (
        "dana.reyes@example.com", "Dana Reyes", Role.REP, True,
    )  # fmt: skip
    assert not has_usable_password(user.password_hash)
    created = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.object_id == user.id
        )
    ).one()
    assert created.details["source"] == "scim" and created.actor_id is None

    again = directory.post("/Users", json=person("DANA.REYES@example.com"))
    assert_error(again, 409, "uniqueness")


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        (person("not-an-email"), "invalidValue"),
        (person("a@example.com", displayName="x" * 121), "invalidValue"),
        (person("a@example.com", displayName="two\nlines"), "invalidValue"),
        ({"schemas": [USER], "displayName": "No user name"}, "invalidValue"),
        (with_manager(person("a@example.com"), "999999"), "invalidValue"),
        (with_manager(person("a@example.com"), "not-an-id"), "invalidValue"),
        (person("a@example.com", active="maybe"), "invalidValue"),
    ],
)
def test_bad_people_are_refused_in_scim_error_shape(
    directory: Any, body: dict[str, Any], scim_type: str
) -> None:
    assert_error(directory.post("/Users", json=body), 400, scim_type)


def test_malformed_requests_get_scim_errors_not_500(directory: Any) -> None:
    broken = directory.post("/Users", data="{not json", content_type="application/scim+json")
    assert_error(broken, 400, "invalidSyntax")
    for unanswered in ('userName sw "a"', 'title eq "x"', "userName eq"):
        assert_error(directory.get("/Users", query_string={"filter": unanswered}), 400,
                     "invalidFilter")  # fmt: skip
    assert_error(directory.get("/Users", query_string={"count": "many"}), 400, "invalidValue")
    assert_error(directory.get("/Users/12345678901234567890"), 404)
    assert_error(directory.get("/Users/abc"), 404)
    assert_error(directory.get("/Nothing/here"), 404)
    assert_error(directory.post("/ServiceProviderConfig", json={}), 405)
    someone = directory.post("/Users", json=person("patched@example.com")).get_json()["id"]
    for operations, scim_type in (
        ("nope", "invalidValue"),
        ([{"op": "replace", "path": "userName", "value": "no-at-sign"}], "invalidValue"),
        ([{"op": "remove", "path": "displayName"}], "mutability"),
        ([{"op": "frobnicate", "path": "active"}], "invalidValue"),
    ):
        body = {"schemas": [PATCH], "Operations": operations}
        assert_error(directory.patch(f"/Users/{someone}", json=body), 400, scim_type)


def test_filter_by_user_name_and_pages(db: Session, directory: Any) -> None:
    made = []
    for n in range(5):
        body = directory.post("/Users", json=person(f"page{n}@example.com")).get_json()
        made.append(body["id"])
    found = directory.get("/Users", query_string={"filter": 'userName eq "PAGE3@example.com"'})
    body = found.get_json()
    assert body["totalResults"] == 1
    assert [r["id"] for r in body["Resources"]] == [made[3]]
    nothing = directory.get("/Users", query_string={"filter": 'userName eq "nobody@example.com"'})
    assert nothing.get_json()["totalResults"] == 0
    assert nothing.get_json()["Resources"] == [] or "Resources" not in nothing.get_json()

    everyone = directory.get("/Users").get_json()["totalResults"]
    assert everyone == db.scalar(select(func.count()).select_from(User))
    page = directory.get("/Users", query_string={"startIndex": 2, "count": 2}).get_json()
    assert (page["startIndex"], page["itemsPerPage"], page["totalResults"]) == (2, 2, everyone)
    all_ids = [r["id"] for r in directory.get("/Users", query_string={"count": 200}).get_json()[
        "Resources"]]  # fmt: skip
    assert [r["id"] for r in page["Resources"]] == all_ids[1:3]
    below = directory.get("/Users", query_string={"startIndex": 0, "count": -1}).get_json()
    assert (below["startIndex"], below["itemsPerPage"]) == (1, 0)
    only = directory.get("/Users", query_string={"attributes": "userName"}).get_json()
    assert set(only["Resources"][0]) <= {"schemas", "id", "userName"}


# Groups and the reporting line ------------------------------------------------------------


def group(name: str, *member_ids: str) -> dict[str, Any]:
    return {"schemas": [GROUP], "displayName": name, "members": [{"value": i} for i in member_ids]}


def lines_of(db: Session, user_id: int) -> list[tuple[int, bool]]:
    return [
        (line.manager_id, line.ended_at is None)
        for line in db.scalars(
            select(ReportingLine).where(ReportingLine.user_id == user_id).order_by(ReportingLine.id)
        )
    ]


def test_groups_give_roles_and_the_manager_sets_the_reporting_line(
    db: Session, directory: Any
) -> None:
    boss = directory.post("/Users", json=person("boss@example.com")).get_json()["id"]
    lead = directory.post("/Users", json=person("lead@example.com")).get_json()["id"]
    # The rep arrives before the groups: their line waits for the roles to allow it.
    rep = directory.post("/Users", json=with_manager(person("rep@example.com"), lead))
    assert rep.status_code == 201
    rep_id = rep.get_json()["id"]
    assert rep.get_json()[ENTERPRISE]["manager"]["value"] == lead
    rep_user = db.get(User, int(rep_id))
    assert rep_user is not None and rep_user.manager_id is None

    managers = directory.post("/Groups", json=group("Coachapp managers", lead))
    assert managers.status_code == 201
    db.expire_all()
    lead_user = db.get(User, int(lead))
    assert lead_user is not None and lead_user.role == Role.MANAGER
    assert rep_user.manager_id == int(lead)  # applied as soon as the role allowed it
    assert lines_of(db, int(rep_id)) == [(int(lead), True)]

    # The manager's own manager: a director, once in the directors' group.
    directory.patch(f"/Users/{lead}", json=patch(
        {"op": "add", "path": f"{ENTERPRISE}:manager", "value": {"value": boss}}))  # fmt: skip
    directory.post("/Groups", json=group("COACHAPP DIRECTORS", boss))
    db.expire_all()
    assert lead_user.manager_id == int(boss)
    assert db.get(User, int(boss)).role == Role.DIRECTOR  # type: ignore[union-attr]

    # A new manager for the rep: the line moves, its history kept.
    other = directory.post("/Users", json=person("other.lead@example.com")).get_json()["id"]
    directory.patch(f"/Groups/{managers.get_json()['id']}", json=patch(
        {"op": "add", "path": "members", "value": [{"value": other}]}))  # fmt: skip
    moved = directory.put(f"/Users/{rep_id}", json=with_manager(person("rep@example.com"), other))
    assert moved.status_code == 200, moved.get_data(as_text=True)
    db.expire_all()
    assert lines_of(db, int(rep_id)) == [(int(lead), False), (int(other), True)]
    # A PUT without a manager leaves the line; a PATCH that removes it ends it.
    directory.put(f"/Users/{rep_id}", json=person("rep@example.com", displayName="Rep Renamed"))
    db.expire_all()
    assert (rep_user.manager_id, rep_user.name) == (int(other), "Rep Renamed")
    removed = directory.patch(f"/Users/{rep_id}", json=patch(
        {"op": "remove", "path": f"{ENTERPRISE}:manager"}))  # fmt: skip
    assert removed.status_code == 200
    assert ENTERPRISE not in removed.get_json()
    db.expire_all()
    assert rep_user.manager_id is None
    assert lines_of(db, int(rep_id))[-1] == (int(other), False)

    # Out of the managers' group: a rep again, and signed out.
    directory.patch(f"/Groups/{managers.get_json()['id']}", json=patch(
        {"op": "remove", "path": f'members[value eq "{other}"]'}))  # fmt: skip
    db.expire_all()
    assert db.get(User, int(other)).role == Role.REP  # type: ignore[union-attr]
    changes = [
        e.details.get("changes")
        for e in db.scalars(
            select(AuditEvent).where(
                AuditEvent.object_id == int(other), AuditEvent.action == "user.update"
            )
        )
    ]
    assert {"role": ["rep", "manager"]} in changes and {"role": ["manager", "rep"]} in changes


def test_a_group_with_another_name_gives_no_role_and_admins_keep_theirs(
    db: Session, directory: Any, org: Org
) -> None:
    admin = org.people["admin"]
    rep = directory.post("/Users", json=person("plain@example.com")).get_json()["id"]
    answer = directory.post("/Groups", json=group("Sales EMEA", rep))
    assert answer.status_code == 201
    assert answer.get_json()["members"][0]["value"] == rep
    directory.post("/Groups", json=group("Coachapp directors", str(admin.id)))
    db.expire_all()
    assert db.get(User, int(rep)).role == Role.REP  # type: ignore[union-attr]
    assert admin.role == Role.ADMIN
    filtered = directory.get("/Groups", query_string={"filter": 'displayName eq "sales emea"'})
    assert [g["displayName"] for g in filtered.get_json()["Resources"]] == ["Sales EMEA"]
    assert_error(directory.post("/Groups", json=group("Ghosts", "999999")), 400, "invalidValue")


def test_searches_by_post_and_ids_unique_across_types(db: Session, directory: Any) -> None:
    people = [directory.post("/Users", json=person(f"s{n}@example.com")).get_json()["id"]
              for n in range(3)]  # fmt: skip
    made = directory.post("/Groups", json=group("Searchers", *people)).get_json()
    assert made["id"] not in people  # RFC 7643 §3.1: unique across resource types
    found = directory.post(
        "/Users/.search",
        json={"schemas": [SEARCH], "filter": 'userName eq "S1@example.com"',
              "attributes": ["userName"]},
    )  # fmt: skip
    assert found.status_code == 200, found.get_data(as_text=True)
    body = found.get_json()
    assert body["totalResults"] == 1
    assert body["Resources"] == [{"schemas": [USER], "id": people[1], "userName": "s1@example.com"}]
    groups = directory.post("/Groups/.search", json={"schemas": [SEARCH], "count": 1})
    assert [g["id"] for g in groups.get_json()["Resources"]] == [made["id"]]
    everything = directory.post(
        "/.search", json={"schemas": [SEARCH], "filter": 'externalId eq "nothing"'}
    ).get_json()
    assert everything["totalResults"] == 0
    named = directory.post(
        "/.search", json={"schemas": [SEARCH], "filter": 'displayName eq "Searchers"'}
    ).get_json()
    assert [r["id"] for r in named["Resources"]] == [made["id"]]  # people have no such filter
    total = (db.scalar(select(func.count()).select_from(User)) or 0) + 1
    paged = directory.post("/.search", json={"schemas": [SEARCH], "startIndex": total, "count": 5})
    assert paged.get_json()["totalResults"] == total
    assert [r["id"] for r in paged.get_json()["Resources"]] == [made["id"]]
    assert_error(directory.post("/.search", json={"schemas": [SEARCH], "filter": 'title eq "x"'}),
                 400, "invalidFilter")  # fmt: skip
    assert_error(directory.post("/Users/.search", json={"schemas": [SEARCH], "sortBy": "userName"}),
                 400, "invalidValue")  # fmt: skip
    assert_error(directory.post("/Users/.search", json={"schemas": [SEARCH], "count": True}),
                 400, "invalidValue")  # fmt: skip
