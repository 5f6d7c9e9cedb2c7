"""The account-team view (page and GET /api/v1/accounts/{id}/team): everyone on an account's
live plans whatever line they report up, seen by the members and each member's line, missing
(404) for everyone else; what each member has open, and when each function last engaged the
customer, without a word of coaching across the medical/commercial wall."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.db import utcnow
from coachapp.models import (
    Account,
    AccountPlan,
    ActionStatus,
    NoteType,
    PlanActionItem,
    PlanStatus,
    User,
)
from coachapp.timezones import local_time
from tests.builders import Lines
from tests.conftest import HttpsClient, login
from tests.test_account_teams import ON_THE_TEAM, SEES_THE_TEAM

UNRELATED = ["crossed_msl", "msl_manager2", "msl2"]
TODAY = dt.date.today()


def the_account(db: Session, lines: Lines) -> Account:
    return db.scalars(select(Account).where(policy.accounts_scope(lines.people["rep"]))).one()


def the_plan(db: Session, account: Account) -> AccountPlan:
    return db.scalars(select(AccountPlan).where(AccountPlan.account_id == account.id)).one()


def visitor(app: Flask, person: User) -> HttpsClient:
    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert login(client, person.email).status_code == 302
    return client


def api_get(app: Flask, person: User, path: str) -> Any:
    from tests.builders import PASSWORD

    client = visitor(app, person)
    answer = client.post("/api/v1/tokens", json={"email": person.email, "password": PASSWORD})
    token = answer.get_json()["token"]
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def page_url(account: Account) -> str:
    return f"/accounts/{account.id}/team"


def api_url(account: Account) -> str:
    return f"/api/v1/accounts/{account.id}/team"


@pytest.mark.parametrize("viewer", sorted(SEES_THE_TEAM))
def test_members_and_their_lines_see_everyone_with_their_line_managers(
    app: Flask, db: Session, lines: Lines, viewer: str
) -> None:
    account = the_account(db, lines)
    page = visitor(app, lines.people[viewer]).get(page_url(account))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for key in ON_THE_TEAM:
        member = lines.people[key]
        manager = db.get(User, member.manager_id)
        assert member.name in html
        assert manager is not None and manager.name in html
    assert "Plan owner" in html
    # Never a word of anyone's coaching, whichever line the viewer is in.
    assert "NOTE-ABOUT" not in html and "PRIVATE-ABOUT" not in html


@pytest.mark.parametrize("viewer", UNRELATED)
def test_unrelated_teams_get_404_on_page_and_api(
    app: Flask, db: Session, lines: Lines, viewer: str
) -> None:
    account = the_account(db, lines)
    assert visitor(app, lines.people[viewer]).get(page_url(account)).status_code == 404
    answer = api_get(app, lines.people[viewer], api_url(account))
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"]


def test_a_missing_account_is_404(app: Flask, lines: Lines) -> None:
    client = visitor(app, lines.people["director"])
    assert client.get("/accounts/999999/team").status_code == 404
    answer = api_get(app, lines.people["director"], "/api/v1/accounts/999999/team")
    assert answer.status_code == 404


def test_an_archived_plan_takes_its_team_view_with_it(
    app: Flask, db: Session, lines: Lines
) -> None:
    account = the_account(db, lines)
    plan = the_plan(db, account)
    plan.status = PlanStatus.ARCHIVED
    db.commit()
    client = visitor(app, lines.people["rep"])
    assert client.get(page_url(account)).status_code == 404
    # The plan itself is still the owner's to read; it no longer links to a team view.
    shown = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert page_url(account) not in shown


def add_actions(db: Session, lines: Lines, plan: AccountPlan) -> dict[str, PlanActionItem]:
    p = lines.people
    actions = {
        "overdue": PlanActionItem(
            title="Send the payer dossier",
            owner_id=p["access_rep"].id,
            due_date=TODAY - dt.timedelta(days=2),
        ),
        "later": PlanActionItem(
            title="Present the RWE to P&T",
            owner_id=p["msl"].id,
            due_date=TODAY + dt.timedelta(days=10),
        ),
        "done": PlanActionItem(
            title="Run the infusion in-service",
            owner_id=p["nurse"].id,
            due_date=TODAY - dt.timedelta(days=5),
            status=ActionStatus.DONE,
            completed_at=utcnow() - dt.timedelta(days=4),
        ),
    }
    plan.action_items.extend(actions.values())
    db.commit()
    return actions


def nurse_action_done_at(db: Session, lines: Lines) -> dt.datetime:
    action = db.scalars(
        select(PlanActionItem).where(PlanActionItem.owner_id == lines.people["nurse"].id)
    ).one()
    assert action.completed_at is not None
    return action.completed_at


def test_the_api_gives_every_member_in_the_contract_shape(
    app: Flask, db: Session, lines: Lines
) -> None:
    account = the_account(db, lines)
    add_actions(db, lines, the_plan(db, account))
    answer = api_get(app, lines.people["access_manager"], api_url(account))
    assert answer.status_code == 200
    members = {m["user_id"]: m for m in answer.get_json()}
    assert set(members) == {lines.people[key].id for key in ON_THE_TEAM}
    for key in ON_THE_TEAM:
        person = lines.people[key]
        member = members[person.id]
        assert {"user_id", "name", "function", "line_manager_id", "role_on_account"} <= set(member)
        assert member["name"] == person.name
        assert member["function"] == person.function.value
        assert member["line_manager_id"] == person.manager_id
        assert member["line_manager"]["id"] == person.manager_id
    owner = members[lines.people["rep"].id]
    assert owner["role_on_account"] == "Plan owner"
    assert members[lines.people["msl"].id]["role_on_account"] == "Account lead"
    access = members[lines.people["access_rep"].id]["open_actions"]
    assert [(a["title"], a["overdue"]) for a in access] == [("Send the payer dossier", True)]
    msl = members[lines.people["msl"].id]["open_actions"]
    assert [(a["title"], a["overdue"]) for a in msl] == [("Present the RWE to P&T", False)]
    # Done actions are not open; they tell when the nurse educators last met the customer.
    nurse = members[lines.people["nurse"].id]
    assert nurse["open_actions"] == []
    # The day the action was done, in the reader's time zone (not the test machine's).
    done = nurse_action_done_at(db, lines)
    reader = lines.people["access_manager"]
    assert nurse["function_last_engaged_on"] == local_time(done, reader.timezone).date().isoformat()


def test_the_page_shows_open_actions_and_flags_the_overdue(
    app: Flask, db: Session, lines: Lines
) -> None:
    account = the_account(db, lines)
    add_actions(db, lines, the_plan(db, account))
    html = visitor(app, lines.people["msl_manager"]).get(page_url(account)).get_data(as_text=True)
    overdue_row = html.split("Send the payer dossier", 1)[1].split("</li>", 1)[0]
    assert "Overdue" in overdue_row
    later_row = html.split("Present the RWE to P&amp;T", 1)[1].split("</li>", 1)[0]
    assert "Overdue" not in later_row
    assert "Run the infusion in-service" in html  # as the nurse educators' last contact
    assert "Action done: Run the infusion in-service" in html


def test_last_contact_from_notes_stays_on_the_viewers_side_of_the_wall(
    app: Flask, db: Session, lines: Lines
) -> None:
    """The MSL's ride-along at the account is medical coaching: its day counts for the MSL's
    own line, never for the commercial line (who see no MSL contact at all here)."""
    account = the_account(db, lines)
    msl_note = lines.notes["msl"]
    msl_note.account_id = account.id
    msl_note.type = NoteType.RIDE_ALONG
    msl_note.occurred_on = TODAY - dt.timedelta(days=6)
    db.commit()
    msl_id = lines.people["msl"].id

    def msl_contact(viewer: str) -> Any:
        answer = api_get(app, lines.people[viewer], api_url(account))
        return next(m for m in answer.get_json() if m["user_id"] == msl_id)[
            "function_last_engaged_on"
        ]

    assert msl_contact("msl_manager") == msl_note.occurred_on.isoformat()
    assert msl_contact("medical_director") == msl_note.occurred_on.isoformat()
    assert msl_contact("msl") == msl_note.occurred_on.isoformat()
    for commercial in ("sales_manager", "director", "access_manager", "rep"):
        assert msl_contact(commercial) is None
    page = visitor(app, lines.people["sales_manager"]).get(page_url(account))
    assert msl_note.occurred_on.isoformat() not in page.get_data(as_text=True)


def person_links(html: str) -> set[str]:
    return {part.split('"', 1)[0] for part in html.split('href="/people/')[1:]}


def test_names_link_to_person_pages_only_where_the_viewer_may_open_them(
    app: Flask, db: Session, lines: Lines
) -> None:
    account = the_account(db, lines)
    p = lines.people

    def links(viewer: str) -> set[str]:
        page = visitor(app, p[viewer]).get(page_url(account))
        return person_links(page.get_data(as_text=True))

    assert links("sales_manager") == {str(p["rep"].id), str(p["sales_manager"].id)}
    assert links("msl_manager") == {str(p["msl"].id), str(p["msl_manager"].id)}
    assert links("msl") == {str(p["msl"].id)}
    # The commercial director: their subtree of the commercial line, not the MSL.
    found = links("director")
    assert str(p["msl"].id) not in found
    assert {str(p["rep"].id), str(p["access_rep"].id), str(p["access_manager"].id)} <= found
    for link in found:
        assert visitor(app, p["director"]).get(f"/people/{link}").status_code == 200


def test_the_plan_links_to_its_account_team(app: Flask, db: Session, lines: Lines) -> None:
    account = the_account(db, lines)
    plan = the_plan(db, account)
    for viewer in ("msl", "access_manager", "rep"):
        shown = visitor(app, lines.people[viewer]).get(f"/plans/{plan.id}")
        assert page_url(account) in shown.get_data(as_text=True)


def test_the_team_page_links_back_to_the_plans_the_viewer_may_open(
    app: Flask, db: Session, lines: Lines
) -> None:
    account = the_account(db, lines)
    plan = the_plan(db, account)
    html = visitor(app, lines.people["nurse"]).get(page_url(account)).get_data(as_text=True)
    assert f'href="/plans/{plan.id}"' in html
