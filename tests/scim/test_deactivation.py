"""Deactivation, end to end, by the directory (active false, DELETE), through the service an
admin's deactivation uses (tests/admin/test_deactivation.py): sign-ins, API tokens and push
devices end; drafts and open follow-ups go to the person's manager; nothing they wrote is
lost."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import AuditEvent, FollowUpStatus, Note, NoteStatus, User
from tests.admin.test_deactivation import assert_cut_off, equipped, snapshot
from tests.builders import Org, make_follow_up
from tests.conftest import signed_in

pytestmark = pytest.mark.first_backend

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def test_a_manager_deactivated_by_the_directory_hands_drafts_and_follow_ups_to_theirs(
    app: Flask, db: Session, org: Org, directory: Any
) -> None:
    manager, director = org.people["manager"], org.people["director"]
    own = make_follow_up(db, manager, manager, title="Book the QBR room")
    done = make_follow_up(db, manager, manager, title="Done already", status=FollowUpStatus.DONE)
    db.commit()
    browser, token = equipped(app, db, org, "manager")
    draft = org.notes["draft"]
    written = [org.notes["shared"].id, org.notes["acknowledged"].id]
    before = snapshot(db, written)
    draft_version = draft.version

    answer = directory.patch(
        f"/Users/{manager.id}",
        json={"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["active"] is False

    assert_cut_off(app, db, browser, token, manager)
    assert (draft.manager_id, draft.status, draft.private_notes) == (
        director.id, NoteStatus.DRAFT, "PRIVATE-NOTE-MARKER",
    )  # fmt: skip
    assert draft.version == draft_version + 1
    assert (own.owner_id, own.status) == (director.id, FollowUpStatus.OPEN)
    assert done.owner_id == manager.id  # closed ones stay as they were
    assert snapshot(db, written) == before  # what they shared is theirs, unchanged
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user.deactivate", AuditEvent.object_id == manager.id
        )
    ).one()
    assert event.details["source"] == "scim"
    assert event.details["drafts_handed_over"] == 1
    assert event.details["follow_ups_handed_over"] == 1
    assert event.details["handed_to_id"] == director.id
    assert event.details["browsers_signed_out"] >= 1 and event.details["tokens_revoked"] == 1
    assert event.details["devices_removed"] == 1
    handed = db.scalars(
        select(AuditEvent.object_id).where(AuditEvent.action == "session.hand_over")
    ).all()
    assert handed == [draft.id]
    # The director reads the draft handed to them, private notes included, and may discard it.
    page = signed_in(app, org, "director").get(f"/notes/{draft.id}")
    assert page.status_code == 200
    assert "PRIVATE-NOTE-MARKER" in page.get_data(as_text=True)

    # Active again: they sign in anew; what was handed over stays with the director.
    again = directory.patch(
        f"/Users/{manager.id}",
        json={
            "schemas": [PATCH],
            "Operations": [{"op": "replace", "path": "active", "value": True}],
        },
    )
    assert again.get_json()["active"] is True
    db.expire_all()
    assert manager.active and draft.manager_id == director.id


def test_delete_deactivates_hides_and_keeps_everything(
    app: Flask, db: Session, org: Org, directory: Any
) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    browser, token = equipped(app, db, org, "rep")
    follow_ups = [org.follow_ups["rep_shared"], org.follow_ups["rep_draft"]]
    notes = [n.id for n in db.scalars(select(Note).where(Note.rep_id == rep.id))]
    before = snapshot(db, notes)

    assert directory.delete(f"/Users/{rep.id}").status_code == 204
    assert_cut_off(app, db, browser, token, rep)
    assert [f.owner_id for f in follow_ups] == [manager.id, manager.id]
    assert snapshot(db, notes) == before
    assert db.get(User, rep.id) is not None
    assert directory.get(f"/Users/{rep.id}").status_code == 404
    listed = directory.get("/Users", query_string={"filter": f'userName eq "{rep.email}"'})
    assert listed.get_json()["totalResults"] == 0
    assert directory.delete(f"/Users/{rep.id}").status_code == 404

    # The same person provisioned again comes back with the same account and content.
    back = directory.post("/Users", json={"schemas": [USER], "userName": rep.email})
    assert back.status_code == 201, back.get_data(as_text=True)
    assert back.get_json()["id"] == str(rep.id)
    db.expire_all()
    assert rep.active
    assert snapshot(db, notes) == before


def test_someone_without_a_manager_keeps_their_drafts(
    app: Flask, db: Session, org: Org, directory: Any
) -> None:
    director = org.people["director"]
    assert director.manager_id is None
    own = make_follow_up(db, director, director)
    db.commit()
    assert directory.delete(f"/Users/{director.id}").status_code == 204
    db.expire_all()
    assert not director.active and own.owner_id == director.id
