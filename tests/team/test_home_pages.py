"""Each role's home: what a manager, a rep, a director and an admin see first."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy.orm import Session

from coachapp.models import CadenceTarget, NoteStatus
from tests.builders import Org, make_note, make_notification, make_user
from tests.conftest import HttpsClient


def test_manager_team_lists_the_team_most_overdue_first(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    p = org.people
    # rep was coached 3 days ago (builders); rep2 never.
    text = login_as("manager").get("/team").get_data(as_text=True)
    assert text.index("Robin Key") < text.index("Riley Rep")
    assert "Not yet coached" in text
    assert "Oli Other" not in text  # manager2's rep
    assert p["rep2"].function_label in text


def test_team_page_shows_function_accounts_and_last_coaching(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    text = login_as("manager").get("/team").get_data(as_text=True)
    plan = org.plans["rep"]
    assert plan.account.name in text  # Riley owns it
    assert "Last coached" in text
    assert re.search(r"\([23] days ago\)", text)  # 3 days ago in UTC; New York may lag a day
    assert "Key account" in text


def test_team_list_is_a_fragment_for_htmx(login_as: Any, org: Org, client: HttpsClient) -> None:
    client = login_as("manager")
    fragment = client.get("/team", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith("<ul")
    boosted = client.get("/team", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<!doctype html>" in boosted.get_data(as_text=True)


def test_cadence_follows_the_team_target(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    p = org.people
    make_note(
        db, p["manager"], p["rep2"], NoteStatus.ACKNOWLEDGED,
        occurred_on=dt.date.today() - dt.timedelta(days=12),
    )  # fmt: skip
    db.add(CadenceTarget(team_manager_id=p["manager"].id, any_coaching_days=10, ride_along_days=30))
    db.commit()
    text = login_as("manager").get("/team").get_data(as_text=True)
    robin = text[text.index("Robin Key") :]
    assert "Overdue" in robin[: robin.index("</li>")]


def test_drafts_count_for_the_author_not_for_cadence(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    text = login_as("manager").get("/today").get_data(as_text=True)
    assert re.search(r'count-figure">1</strong>\s*<span class="count-label">Drafts<', text)


def test_rep_home_shows_own_plans_shared_notes_and_follow_ups(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    text = login_as("rep").get("/my").get_data(as_text=True)
    assert "Hello, Riley" in text
    assert org.plans["rep"].account.name in text
    assert org.plans["other_rep_with_rep"].account.name in text  # on that account team
    assert "Acknowledged" in text and "Shared" in text
    assert ">Draft<" not in text
    assert "Send the formulary dossier" in text
    assert "PRIVATE-NOTE-MARKER" not in text


def test_director_sees_managers_and_their_teams(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    client = login_as("director")
    text = client.get("/org").get_data(as_text=True)
    # Every manager; of the reps, those due next (Robin was never coached).
    for name in ("Morgan Manager", "Mo Manager", "Robin Key"):
        assert name in text
    assert "Fran Far" not in text and "Max Far" not in text
    team = client.get(f"/org/teams/{org.people['manager'].id}").get_data(as_text=True)
    assert "Riley Rep" in team and "Robin Key" in team and "Oli Other" not in team


def test_director_can_open_a_rep_in_the_subtree_but_not_outside(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    client = login_as("director")
    assert client.get(f"/people/{org.people['other_rep'].id}").status_code == 200
    assert client.get(f"/people/{org.people['far_rep'].id}").status_code == 404


def test_inbox_opens_the_page_a_notification_is_about(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    rep = org.people["rep"]
    note = make_notification(db, rep, title="Your note from Morgan", url="/my")
    db.commit()
    client = login_as("rep")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Your note from Morgan" in inbox and "Unread" in inbox
    assert 'aria-label="Inbox, 2 unread"' in inbox
    response = client.post_form(f"/inbox/{note.id}/open")
    assert response.headers["Location"] == "/my"
    assert 'aria-label="Inbox, 1 unread"' in client.get("/inbox").get_data(as_text=True)


def test_inbox_never_redirects_off_site(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    note = make_notification(db, org.people["rep"], url="https://evil.example/")
    db.commit()
    response = login_as("rep").post_form(f"/inbox/{note.id}/open")
    assert response.headers["Location"] == "/inbox"


def test_manager_without_team_sees_a_helpful_empty_state(
    db: Session, client: HttpsClient, org: Org
) -> None:
    from coachapp.models import Role
    from tests.conftest import login

    lonely = make_user(db, role=Role.MANAGER, manager_id=org.people["director"].id)
    db.commit()
    login(client, lonely.email)
    assert "No one reports to you yet" in client.get("/team").get_data(as_text=True)
