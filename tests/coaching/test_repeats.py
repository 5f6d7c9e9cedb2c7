"""The server answers a repeat with the first result: the same form sent twice (a double tap
that got through, a phone replaying its queue after a lost answer) makes or changes
something once, and the second answer shows what the first one made, never an error page.
The browser side (buttons locked while sending, one client_uuid per form) is
tests/browser/test_exactly_once.py."""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.models import AuditEvent, FollowUpStatus, Note, RideAlongCall
from tests.api.helpers import api_caller
from tests.builders import Org
from tests.coaching.test_pages import debrief, start_note
from tests.conftest import signed_in
from tests.ride_alongs.helpers import plan_day


def audits(db: Session, action: str, object_id: int) -> int:
    return int(
        db.scalar(
            select(func.count()).where(
                AuditEvent.action == action, AuditEvent.object_id == object_id
            )
        )
        or 0
    )


def test_acknowledge_twice_answers_with_the_acknowledged_note(
    app: Flask, db: Session, org: Org
) -> None:
    rep = signed_in(app, org, "rep")
    note = org.notes["shared"]
    form = {"comment": "Agreed, booking the MSL", "client_uuid": str(uuid.uuid4())}
    first = rep.post_form(f"/notes/{note.id}/acknowledge", form)
    again = rep.post_form(f"/notes/{note.id}/acknowledge", {**form, "comment": "Second try"})
    for response in (first, again):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/notes/{note.id}")
    page = rep.get(f"/notes/{note.id}").get_data(as_text=True)
    assert "You acknowledged this note on" in page and "Agreed, booking the MSL" in page
    assert "Second try" not in page
    assert audits(db, "session.acknowledge", note.id) == 1


def test_done_twice_completes_once(app: Flask, db: Session, org: Org) -> None:
    rep = signed_in(app, org, "rep")
    item = org.follow_ups["rep_shared"]
    form = {"action": "done", "client_uuid": str(uuid.uuid4())}
    for _ in range(2):
        assert rep.post_form(f"/follow-ups/{item.id}", form).status_code == 302
    db.expire_all()
    assert item.status == FollowUpStatus.DONE
    assert audits(db, "follow_up.update", item.id) == 1


def test_share_twice_answers_with_the_shared_note_and_keeps_later_changes(
    app: Flask, db: Session, org: Org
) -> None:
    manager = signed_in(app, org, "manager")
    note_id = start_note(manager, org.people["rep"].id)
    form = debrief(db, note_id)
    form["development_focus"] = "Summarise the concern before answering it"
    first = manager.post_form(f"/notes/{note_id}/share", form)
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/notes/{note_id}")
    # Changed after sharing (on another device), then the share is sent again with the form
    # as it was: the same answer, and the change stays.
    note = db.get(Note, note_id)
    assert note is not None
    note.private_notes = "Changed since"
    db.commit()
    again = manager.post_form(f"/notes/{note_id}/share", form)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/notes/{note_id}")
    db.expire_all()
    assert db.get(Note, note_id).private_notes == "Changed since"  # type: ignore[union-attr]
    assert audits(db, "session.share", note_id) == 1


def test_save_call_twice_saves_one_call(app: Flask, db: Session, org: Org) -> None:
    day = plan_day(db, org)
    manager = signed_in(app, org, "manager")
    form = {
        "client_uuid": str(uuid.uuid4()),
        "stop": "",
        "account_name": "Lakeside Infusion Center",
        "evidence": "Asked the nurse manager about the workflow",
        "guide_version_id": "",
    }
    for _ in range(2):
        response = manager.post_form(f"/ride-alongs/{day.ride.id}/calls", form)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    calls = db.scalars(select(RideAlongCall).where(RideAlongCall.ride_id == day.ride.id)).all()
    assert [c.client_uuid for c in calls] == [uuid.UUID(form["client_uuid"])]


def test_a_save_sent_again_is_the_save_already_made(app: Flask, db: Session, org: Org) -> None:
    """The debrief saved, its answer lost, and the same form sent again with the version it
    started from: nothing would change, so it is answered as saved, not as a conflict
    (RFC 9110 §13.1.1: the change requested has already succeeded). Anything else sent
    with that old version is still refused."""
    manager = signed_in(app, org, "manager")
    note_id = start_note(manager, org.people["rep"].id)
    form = debrief(db, note_id)
    for _ in range(2):
        response = manager.post_form(f"/notes/{note_id}/edit", form)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    changed = manager.post_form(f"/notes/{note_id}/edit", {**form, "strengths": "Other"})
    assert changed.status_code == 412
    assert audits(db, "session.update", note_id) == 1


def test_a_patch_sent_again_with_its_if_match_succeeds(app: Flask, db: Session, org: Org) -> None:
    call = api_caller(app, app.test_client(), db, org)  # type: ignore[arg-type]
    url = f"/api/v1/coaching-sessions/{org.notes['draft'].id}"
    body = {"strengths": "Opened with the customer's goals", "private_notes": "Pace"}
    first = call("manager", "PATCH", url, json=body, if_match=1)
    again = call("manager", "PATCH", url, json=body, if_match=1)
    assert first.status_code == again.status_code == 200
    assert again.json["version"] == first.json["version"] == 2
    other = call("manager", "PATCH", url, json={"strengths": "Something else"}, if_match=1)
    assert other.status_code == 412
