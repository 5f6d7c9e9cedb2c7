"""Coach the coach on the pages: the director writes to one of their managers from the
dashboard, shares, the manager finds it on Today, reads and acknowledges it with a comment."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import CoachTheCoachNote, NoteStatus, Notification
from tests.builders import Org
from tests.conftest import signed_in

TEXT = {
    "situation": "Riley's ride-along debrief on 3 March, in the car park.",
    "action": "You asked Riley to rate the call before giving your view.",
    "result": "Riley named the next step himself; keep asking first.",
}


def test_write_share_read_acknowledge(app: Flask, db: Session, org: Org) -> None:
    director, manager = signed_in(app, org, "director"), signed_in(app, org, "manager")
    manager_id = org.people["manager"].id
    board = director.get("/org").get_data(as_text=True)
    assert f"/coach-the-coach/new?manager_id={manager_id}" in board
    form = director.get(f"/coach-the-coach/new?manager_id={manager_id}").get_data(as_text=True)
    assert f'<option value="{manager_id}" selected>' in form
    assert "Situation" in form and "Action" in form and "Result" in form

    # A missing part is refused, and what was typed stays.
    refused = director.post_form(
        "/coach-the-coach", {"manager_id": str(manager_id), **TEXT, "result": ""}
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Write the result in a sentence or two." in body and TEXT["action"] in body

    shared = director.post_form(
        "/coach-the-coach", {"manager_id": str(manager_id), **TEXT, "share": "1"}
    )
    assert shared.status_code == 302
    note = db.scalars(
        select(CoachTheCoachNote).where(CoachTheCoachNote.situation == TEXT["situation"])
    ).one()
    assert note.status == NoteStatus.SHARED
    assert (
        db.scalars(select(Notification).where(Notification.kind == "coach_note_shared"))
        .one()
        .recipient_id
        == manager_id
    )

    today = manager.get("/today").get_data(as_text=True)
    assert "From your director" in today and f"/coach-the-coach/{note.id}" in today
    page = manager.get(f"/coach-the-coach/{note.id}").get_data(as_text=True)
    assert TEXT["action"] in page and "Acknowledge" in page
    acked = manager.post_form(f"/coach-the-coach/{note.id}/acknowledge", {"comment": "Will do."})
    assert acked.status_code == 302
    seen = director.get(f"/coach-the-coach/{note.id}").get_data(as_text=True)
    assert "Acknowledged" in seen and "Will do." in seen and "Save changes" not in seen
    # Final: an edit is refused with a message, the text unchanged.
    refused = director.post_form(
        f"/coach-the-coach/{note.id}", {**TEXT, "result": "Changed", "version": "99"},
        follow_redirects=True,
    )  # fmt: skip
    assert "no longer changes" in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(CoachTheCoachNote, note.id).result == TEXT["result"]  # type: ignore[union-attr]
    assert f"/coach-the-coach/{note.id}" not in manager.get("/today").get_data(as_text=True)


def test_a_draft_edited_then_shared_and_a_stale_edit(app: Flask, db: Session, org: Org) -> None:
    director = signed_in(app, org, "director")
    draft = org.coach_notes["draft"]
    page = director.get(f"/coach-the-coach/{draft.id}").get_data(as_text=True)
    assert "Share with manager" in page and "Only you can see this draft." in page
    stale = director.post_form(
        f"/coach-the-coach/{draft.id}", {**TEXT, "version": str(draft.version + 5)}
    )
    kept = stale.get_data(as_text=True)
    assert stale.status_code == 412 and TEXT["action"] in kept and "changed elsewhere" in kept
    saved = director.post_form(
        f"/coach-the-coach/{draft.id}", {**TEXT, "version": str(draft.version), "share": "1"}
    )
    assert saved.status_code == 302
    db.expire_all()
    note = db.get(CoachTheCoachNote, draft.id)
    assert note is not None and note.status == NoteStatus.SHARED
    assert note.action == TEXT["action"]


def test_only_the_two_of_them(app: Flask, org: Org) -> None:
    note = org.coach_notes["shared"]
    for who in ("manager2", "director2", "rep", "admin"):
        assert signed_in(app, org, who).get(f"/coach-the-coach/{note.id}").status_code == 404
    # Another director writes only to their own managers.
    other = signed_in(app, org, "director2")
    refused = other.post_form(
        "/coach-the-coach", {"manager_id": str(org.people["manager"].id), **TEXT}
    )
    assert refused.status_code == 422
    assert "Choose one of the managers reporting to you." in refused.get_data(as_text=True)
    manager_id = org.people["manager"].id
    assert f"/coach-the-coach/new?manager_id={manager_id}" not in other.get("/org").get_data(
        as_text=True
    )
