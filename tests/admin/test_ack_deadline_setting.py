"""An admin sets the organisation's acknowledgement deadline beside its cadence target."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching.cadence import ack_deadline_days
from coachapp.models import AuditEvent, CadenceTarget
from tests.builders import Org
from tests.conftest import HttpsClient

FORM = {"form": "default", "any_coaching_days": "14", "ride_along_days": "30"}


def test_the_organisation_sets_its_deadline(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    page = client.get("/admin/cadence-targets").get_data(as_text=True)
    assert 'id="ack-default" name="ack_deadline_days"' in page and 'value="3"' in page
    assert (
        client.post_form("/admin/cadence-targets", {**FORM, "ack_deadline_days": "5"}).status_code
        == 302
    )
    db.expire_all()
    assert ack_deadline_days(db) == 5
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "cadence_target.save")).one()
    assert event.details["ack_deadline_days"] == [None, 5]
    assert 'value="5"' in client.get("/admin/cadence-targets").get_data(as_text=True)
    # Saved without the field (an older form): the deadline stays.
    assert client.post_form("/admin/cadence-targets", FORM).status_code == 302
    db.expire_all()
    assert ack_deadline_days(db) == 5


def test_a_deadline_off_the_range_is_refused_and_kept_in_the_form(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    for value in ("0", "31", "three"):
        response = client.post_form("/admin/cadence-targets", {**FORM, "ack_deadline_days": value})
        assert response.status_code == 422, value
        page = response.get_data(as_text=True)
        assert "A whole number of days from 1 to 30." in page
        assert f'value="{value}"' in page
    assert db.scalars(select(CadenceTarget)).all() == []


def test_a_teams_form_does_not_touch_the_deadline(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    client.post_form("/admin/cadence-targets", {**FORM, "ack_deadline_days": "4"})
    manager = org.people["manager"]
    team_form = {"form": str(manager.id), "any_coaching_days": "10", "ride_along_days": "20"}
    assert (
        client.post_form(
            "/admin/cadence-targets", {**team_form, "ack_deadline_days": "9"}
        ).status_code
        == 302
    )
    db.expire_all()
    team = db.scalars(
        select(CadenceTarget).where(CadenceTarget.team_manager_id == manager.id)
    ).one()
    assert team.ack_deadline_days is None and ack_deadline_days(db) == 4
