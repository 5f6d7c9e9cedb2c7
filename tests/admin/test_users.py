"""An admin sets up the organisation: adding people, changing roles and managers, deactivating."""

from __future__ import annotations

import html
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import ApiToken, AuditEvent, User
from tests.builders import Org
from tests.conftest import HttpsClient, login


def new_person(**overrides: Any) -> dict[str, Any]:
    data = {
        "email": "casey.newhire@example.com",
        "name": "Casey Newhire",
        "role": "rep",
        "function": "reimbursement",
        "manager_id": "",
        "timezone": "America/Denver",
        "password": "first day on the job",
    }
    data.update(overrides)
    return data


def test_admin_adds_a_rep_who_can_then_sign_in(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    form = new_person(manager_id=str(org.people["manager"].id))
    response = client.post_form("/admin/users/new", form)
    assert response.status_code == 302
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "Casey Newhire" in listing
    created = db.scalars(select(User).where(User.email == "casey.newhire@example.com")).one()
    assert created.function.value == "reimbursement"
    client.post_form("/logout")
    assert login(client, "casey.newhire@example.com", "first day on the job").status_code == 302


def test_invalid_new_user_keeps_what_was_typed(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    login_as("admin")
    form = new_person(email="not an email", password="short", name="Casey Keepme")
    response = client.post_form("/admin/users/new", form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Enter a valid email." in text
    assert "at least 8 characters" in text
    assert 'value="Casey Keepme"' in text
    assert 'value="not an email"' in text
    assert "short" not in text.split('id="password"')[1].split(">")[0]


@pytest.mark.parametrize(
    "email",
    [
        "=cmd|'/ccalc'!a0@example.com",
        "+1-800@example.com",
        "-x@example.com",
        "a+@b@example.com",
        "a|b@example.com",
        '"quoted"@example.com',
    ],
)
def test_admin_cannot_give_someone_an_address_a_spreadsheet_would_run(
    login_as: Any, org: Org, db: Session, client: HttpsClient, email: str
) -> None:
    login_as("admin")
    form = new_person(email=email, manager_id=str(org.people["manager"].id))
    response = client.post_form("/admin/users/new", form)
    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    assert "starts with a letter or digit" in text or "Enter a valid email." in text
    assert db.scalars(select(User).where(User.name == "Casey Newhire")).first() is None


@pytest.mark.parametrize(
    "email", ["o'brien@example.com", "mei.chen+work@example.com", "jürgen_2@example.de"]
)
def test_work_addresses_are_accepted(
    login_as: Any, org: Org, db: Session, client: HttpsClient, email: str
) -> None:
    login_as("admin")
    form = new_person(email=email, manager_id=str(org.people["manager"].id))
    assert client.post_form("/admin/users/new", form).status_code == 302
    assert db.scalars(select(User).where(User.email == email)).one().name == "Casey Newhire"


def test_the_command_line_refuses_the_same_addresses(runner: Any, org: Org) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "=cmd|'/ccalc'!a0@example.com",
            "--name",
            "Casey",
            "--role",
            "admin",
            "--password",
            "first day on the job",
        ]
    )
    assert result.exit_code != 0
    assert "starts with a letter or digit" in result.output


def test_rep_needs_a_manager_and_a_manager_reports_to_a_director(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    login_as("admin")
    no_manager = client.post_form("/admin/users/new", new_person())
    assert no_manager.status_code == 422
    assert "Choose a manager." in no_manager.get_data(as_text=True)
    rep_under_director = client.post_form(
        "/admin/users/new", new_person(manager_id=str(org.people["director"].id))
    )
    assert rep_under_director.status_code == 422
    assert "reports to an active manager" in rep_under_director.get_data(as_text=True)


def test_common_and_duplicate_choices_are_refused(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    login_as("admin")
    manager_id = str(org.people["manager"].id)
    common = client.post_form(
        "/admin/users/new", new_person(password="password123", manager_id=manager_id)
    )
    assert "too common" in common.get_data(as_text=True)
    duplicate = client.post_form(
        "/admin/users/new",
        new_person(email=org.people["rep"].email.upper(), manager_id=manager_id),
    )
    assert duplicate.status_code == 422
    assert "already used" in duplicate.get_data(as_text=True)


def test_moving_a_rep_to_another_manager_is_audited(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    rep = org.people["rep"]
    response = client.post_form(
        f"/admin/users/{rep.id}",
        {
            "name": rep.name,
            "role": "rep",
            "function": "key_account",
            "manager_id": str(org.people["manager2"].id),
            "timezone": "Europe/London",
        },
    )
    assert response.status_code == 302
    db.expire_all()
    moved = db.get(User, rep.id)
    assert moved is not None
    assert moved.manager_id == org.people["manager2"].id
    assert moved.timezone == "Europe/London"
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.object_id == rep.id, AuditEvent.action == "user.update")
    ).one()
    assert event.actor_id == org.people["admin"].id
    assert event.details["changes"]["manager_id"] == [
        str(org.people["manager"].id),
        str(org.people["manager2"].id),
    ]


def test_admin_sets_and_clears_a_region_shown_on_the_form_and_the_list(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    rep = org.people["rep"]
    form = {
        "name": rep.name,
        "role": "rep",
        "function": "sales",
        "manager_id": str(org.people["manager"].id),
        "timezone": rep.timezone,
        "region": "  Northeast ",
    }
    assert client.post_form(f"/admin/users/{rep.id}", form).status_code == 302
    db.expire_all()
    assert db.get(User, rep.id).region == "Northeast"  # type: ignore[union-attr]
    page = client.get(f"/admin/users/{rep.id}").get_data(as_text=True)
    assert 'name="region" type="text" value="Northeast"' in page
    assert '<option value="Northeast">' in page  # suggested for the next person
    assert "· Northeast" in client.get("/admin/users").get_data(as_text=True)
    too_long = client.post_form(f"/admin/users/{rep.id}", {**form, "region": "x" * 81})
    assert too_long.status_code == 422
    assert client.post_form(f"/admin/users/{rep.id}", {**form, "region": ""}).status_code == 302
    db.expire_all()
    assert db.get(User, rep.id).region == ""  # type: ignore[union-attr]
    new = new_person(manager_id=str(org.people["manager"].id), region="West")
    assert client.post_form("/admin/users/new", new).status_code == 302
    created = db.scalars(select(User).where(User.email == new["email"])).one()
    assert created.region == "West"


def test_a_manager_cannot_report_to_their_own_team(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    login_as("admin")
    director = org.people["director"]
    response = client.post_form(
        f"/admin/users/{director.id}",
        {
            "name": director.name,
            "role": "director",
            "function": "sales",
            "manager_id": str(org.people["director"].id),
            "timezone": "UTC",
        },
    )
    assert response.status_code == 422
    assert "themself or to their own team" in response.get_data(as_text=True)


def test_deactivation_signs_the_person_out_everywhere(
    app: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    rep = org.people["rep"]
    rep_browser = app.test_client()
    login(rep_browser, rep.email)
    assert rep_browser.get("/my").status_code == 200
    token = client.post(
        "/api/v1/tokens", json={"email": rep.email, "password": "correct horse battery"}
    ).get_json()["token"]

    login(client, org.people["admin"].email)
    response = client.post_form(f"/admin/users/{rep.id}/active", {"active": "0"})
    assert response.status_code == 302

    assert rep_browser.get("/my").status_code == 302
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    assert db.scalars(select(ApiToken).where(ApiToken.user_id == rep.id)).one().revoked_at
    assert login(app.test_client(), rep.email).status_code == 401

    client.post_form(f"/admin/users/{rep.id}/active", {"active": "1"})
    assert login(app.test_client(), rep.email).status_code == 302


def test_admin_cannot_deactivate_themself(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    admin = org.people["admin"]
    response = client.post_form(f"/admin/users/{admin.id}/active", {"active": "0"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, admin.id).active  # type: ignore[union-attr]


def test_search_and_role_filter(login_as: Any, org: Org, client: HttpsClient) -> None:
    login_as("admin")
    text = client.get("/admin/users?q=riley").get_data(as_text=True)
    assert 'list-title">Riley Rep' in text
    assert 'list-title">Morgan Manager' not in text
    managers = client.get("/admin/users?role=manager").get_data(as_text=True)
    assert 'list-title">Morgan Manager' in managers
    assert 'list-title">Riley Rep' not in managers


def test_unknown_user_id_is_404(login_as: Any, org: Org, client: HttpsClient) -> None:
    login_as("admin")
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post_form("/admin/users/999999/active", {"active": "0"}).status_code == 404


def test_changes_need_a_fresh_sign_in(login_as: Any, org: Org, client: HttpsClient) -> None:
    """A session restored from "remember me" may read but must confirm the password to change."""
    login_as("admin")
    rep = org.people["rep"]
    token = client.csrf_token("/admin/users")
    with client.session_transaction() as session:
        session["_fresh"] = False
    assert client.get("/admin/users").status_code == 200
    response = client.post(
        f"/admin/users/{rep.id}/active", data={"active": "0", "csrf_token": token}
    )
    assert response.status_code == 200
    assert "Confirm your password" in response.get_data(as_text=True)
    # Confirming the password on that form makes the change and the session fresh again.
    confirm = client.post(
        f"/admin/users/{rep.id}/active",
        data={
            "active": "0",
            "confirm_password": "correct horse battery",
            "csrf_token": client.csrf_token("/admin/users"),
        },
    )
    assert confirm.headers["Location"] == "/admin/users"
    changed = client.post_form(f"/admin/users/{rep.id}/active", {"active": "1"})
    assert changed.headers["Location"] == "/admin/users"


def test_admin_edits_profiling_questions_that_plans_then_show(
    login_as: Any, org: Org, client: HttpsClient, app: Any
) -> None:
    login_as("admin")
    saved = client.post_form(
        "/admin/profiling",
        {
            "area": "reimbursement",
            "title": "Access and reimbursement",
            "questions": "Which payers require step therapy?\n\nWho owns PA appeals?",
        },
    )
    assert saved.status_code == 302
    empty = client.post_form(
        "/admin/profiling", {"area": "clinical", "title": "Clinical", "questions": "  "}
    )
    assert empty.status_code == 422 and "Write at least one question." in empty.get_data(
        as_text=True
    )
    rep = app.test_client()
    login(rep, org.people["rep"].email)
    page = rep.get(f"/plans/{org.plans['rep'].id}").get_data(as_text=True)
    assert "Access and reimbursement" in page and "Who owns PA appeals?" in page
