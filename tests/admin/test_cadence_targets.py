"""An admin sets how often reps should be coached: for the organisation, and per team."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.admin.cadence_targets import cadence_targets, set_cadence_target
from coachapp.coaching.cadence import (
    DEFAULT_ANY_COACHING_DAYS,
    DEFAULT_RIDE_ALONG_DAYS,
    Target,
    targets_by_manager,
)
from coachapp.errors import InvalidInput
from coachapp.models import AuditEvent, CadenceTarget
from tests.builders import Org
from tests.conftest import HttpsClient


def targets(db: Session) -> dict[int | None, tuple[int, int]]:
    db.expire_all()
    return {
        t.team_manager_id: (t.any_coaching_days, t.ride_along_days)
        for t in db.scalars(select(CadenceTarget))
    }


def test_the_built_in_default_until_the_organisation_saves_its_own(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    page = client.get("/admin/cadence-targets").get_data(as_text=True)
    assert "Not saved yet" in page
    assert f'value="{DEFAULT_ANY_COACHING_DAYS}"' in page
    assert f'value="{DEFAULT_RIDE_ALONG_DAYS}"' in page

    response = client.post_form(
        "/admin/cadence-targets",
        {"form": "default", "any_coaching_days": "21", "ride_along_days": "42"},
    )
    assert response.status_code == 302
    assert targets(db) == {None: (21, 42)}
    # The cadence figures read the same row.
    assert targets_by_manager(db, [])[None] == Target(21, 42)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "cadence_target.save")).one()
    assert event.actor_id == org.people["admin"].id
    assert event.details["after"] == [21, 42]
    page = client.get("/admin/cadence-targets").get_data(as_text=True)
    assert "Not saved yet" not in page and 'value="21"' in page


def test_a_team_gets_its_own_target_then_follows_the_organisation_again(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    manager = org.people["manager"]
    page = client.get("/admin/cadence-targets").get_data(as_text=True)
    assert "Every team follows the organisation" in page
    assert f'<option value="{manager.id}"' in page

    added = client.post_form(
        "/admin/cadence-targets",
        {
            "form": "new",
            "team_manager_id": str(manager.id),
            "any_coaching_days": "7",
            "ride_along_days": "28",
        },
    )
    assert added.status_code == 302
    assert added.headers["Location"].endswith(f"#team-{manager.id}")
    assert targets(db) == {manager.id: (7, 28)}
    assert targets_by_manager(db, [manager.id])[manager.id] == Target(7, 28)
    page = client.get("/admin/cadence-targets").get_data(as_text=True)
    assert f"{manager.name}\u2019s team" in page
    # A manager with a target of their own is no longer offered for a new one.
    assert f'<option value="{manager.id}"' not in page

    edited = client.post_form(
        "/admin/cadence-targets",
        {"form": str(manager.id), "any_coaching_days": "10", "ride_along_days": "30"},
    )
    assert edited.status_code == 302
    assert targets(db) == {manager.id: (10, 30)}

    removed = client.post_form(f"/admin/cadence-targets/{manager.id}/delete")
    assert removed.status_code == 302
    assert targets(db) == {}
    assert manager.id not in targets_by_manager(db, [manager.id])
    again = client.post_form(f"/admin/cadence-targets/{manager.id}/delete")
    assert again.status_code == 302
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "cadence_target")
    ).all()
    assert sorted(actions) == [
        "cadence_target.remove",
        "cadence_target.save",
        "cadence_target.save",
    ]


@pytest.mark.parametrize(
    ("any_days", "ride_days", "field", "message"),
    [
        ("0", "30", "any", "from 1 to 365"),
        ("-3", "30", "any", "from 1 to 365"),
        ("14", "366", "ride", "from 1 to 365"),
        ("fourteen", "30", "any", "from 1 to 365"),
        ("14.5", "30", "any", "from 1 to 365"),
        ("", "30", "any", "Enter how often any coaching is due"),
        ("99999999999999999999", "30", "any", "from 1 to 365"),
        ("30", "14", "ride", "cannot be due more often than any coaching"),
    ],
)
def test_invalid_numbers_are_refused_and_kept_in_the_form(
    any_days: str,
    ride_days: str,
    field: str,
    message: str,
    login_as: Any,
    org: Org,
    db: Session,
    client: HttpsClient,
) -> None:
    login_as("admin")
    response = client.post_form(
        "/admin/cadence-targets",
        {"form": "default", "any_coaching_days": any_days, "ride_along_days": ride_days},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-default-error"' in page
    assert message in page
    assert f'value="{any_days[:20]}"' in page
    assert targets(db) == {}


def test_only_an_active_first_line_manager_has_a_team_target(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    for team_manager_id in (
        str(org.people["rep"].id),
        str(org.people["director"].id),
        "",
        "999999999",
        "99999999999999999999",
    ):
        response = client.post_form(
            "/admin/cadence-targets",
            {
                "form": "new",
                "team_manager_id": team_manager_id,
                "any_coaching_days": "7",
                "ride_along_days": "28",
            },
        )
        assert response.status_code == 422, team_manager_id
        assert "Choose an active first-line manager." in response.get_data(as_text=True)
    assert targets(db) == {}
    with pytest.raises(InvalidInput):
        set_cadence_target(db, org.people["admin"], org.people["rep2"].id, 7, 28)


def test_a_team_target_of_someone_who_left_stays_visible_and_removable(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    manager = org.people["manager3"]
    set_cadence_target(db, org.people["admin"], manager.id, 21, 45)
    manager.active = False
    db.commit()
    (team,) = cadence_targets(db).teams
    assert (team.manager.id, team.any_coaching_days, team.ride_along_days) == (manager.id, 21, 45)
    login_as("admin")
    page = client.get("/admin/cadence-targets").get_data(as_text=True)
    assert "Inactive" in page.split(f'id="team-{manager.id}"')[1]
    edited = client.post_form(
        "/admin/cadence-targets",
        {"form": str(manager.id), "any_coaching_days": "10", "ride_along_days": "20"},
    )
    assert edited.status_code == 422
    assert "Choose an active first-line manager." in edited.get_data(as_text=True)
    client.post_form(f"/admin/cadence-targets/{manager.id}/delete")
    assert targets(db) == {}
