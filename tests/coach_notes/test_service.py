"""A director writes a short situation-action-result note to one of their managers, shares it,
and the manager acknowledges it with a comment; only the two of them ever see it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coach_notes import service
from coachapp.errors import Conflict, NotFound, PermissionDenied
from coachapp.models import AuditEvent, CoachTheCoachNote, NoteStatus, Notification
from coachapp.versioning import StaleVersion
from tests.builders import Org

# Services called directly write notifications, whose links need the app.
pytestmark = pytest.mark.usefixtures("app_context")

TEXT = {
    "situation": "Ride-along debrief with Riley on 3 March, in the car park.",
    "action": "You asked Riley to rate the call first, then gave two specific examples.",
    "result": "Riley named the next step himself; keep asking before telling.",
}


def write(db: Session, org: Org, to: str = "manager", **kw: object) -> CoachTheCoachNote:
    note, created = service.create_note(
        db, org.people["director"], {"manager_id": org.people[to].id, **TEXT, **kw}
    )
    assert created
    return note


def notifications(db: Session, kind: str) -> list[Notification]:
    return list(db.scalars(select(Notification).where(Notification.kind == kind)).all())


def test_write_share_acknowledge(db: Session, org: Org) -> None:
    director, manager = org.people["director"], org.people["manager"]
    note = write(db, org)
    assert note.status == NoteStatus.DRAFT and note.manager_id == manager.id
    # A draft is the director's alone.
    with pytest.raises(NotFound):
        service.get_note(db, manager, note.id)
    assert note.id not in {n.id for n in service.notes_for(db, manager)}

    service.share_note(db, director, note.id)
    [told] = notifications(db, "coach_note_shared")
    assert told.recipient_id == manager.id and told.url == f"/coach-the-coach/{note.id}"
    for text in TEXT.values():  # a push may show on a lock screen: nothing of the note
        assert text not in f"{told.title} {told.body}"
    assert note.id in {n.id for n in service.unacknowledged_for(db, manager)}

    acknowledged = service.acknowledge_note(db, manager, note.id, "  Will ask first from now on. ")
    assert acknowledged.status == NoteStatus.ACKNOWLEDGED
    assert acknowledged.ack_comment == "Will ask first from now on."
    [reply] = notifications(db, "coach_note_acknowledged")
    assert reply.recipient_id == director.id and "ask first" not in reply.title
    assert note.id not in {n.id for n in service.unacknowledged_for(db, manager)}
    # Acknowledged: final. Acknowledging again changes nothing.
    with pytest.raises(Conflict):
        service.update_note(db, director, note.id, {"result": "Changed"})
    again = service.acknowledge_note(db, manager, note.id, "Another comment")
    assert again.ack_comment == "Will ask first from now on."
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "coach_note", AuditEvent.object_id == note.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["coach_note.create", "coach_note.share", "coach_note.acknowledge"]


def test_acknowledging_without_a_comment_tells_nobody(db: Session, org: Org) -> None:
    note = write(db, org)
    service.share_note(db, org.people["director"], note.id)
    service.acknowledge_note(db, org.people["manager"], note.id)
    assert notifications(db, "coach_note_acknowledged") == []


def test_only_the_director_above_the_manager_writes_to_them(db: Session, org: Org) -> None:
    for to in ("manager3", "rep", "director", "admin"):
        with pytest.raises(NotFound):
            write(db, org, to=to)
    for author in ("director2", "manager", "rep", "admin"):
        with pytest.raises(NotFound):
            service.create_note(
                db, org.people[author], {"manager_id": org.people["manager"].id, **TEXT}
            )
    write(db, org, to="manager2")  # the director's other manager


def test_nobody_else_sees_or_touches_it(db: Session, org: Org) -> None:
    note = write(db, org)
    service.share_note(db, org.people["director"], note.id)
    for who in ("manager2", "manager3", "director2", "rep", "rep2", "admin"):
        person = org.people[who]
        with pytest.raises(NotFound):
            service.get_note(db, person, note.id)
        with pytest.raises(NotFound):
            service.acknowledge_note(db, person, note.id, "Mine")
        with pytest.raises(NotFound):
            service.update_note(db, person, note.id, {"result": "Mine"})
        assert service.notes_for(db, person) == []
    # Each of the two does only their own part.
    with pytest.raises(PermissionDenied):
        service.acknowledge_note(db, org.people["director"], note.id)
    with pytest.raises(PermissionDenied):
        service.update_note(db, org.people["manager"], note.id, {"result": "Mine"})
    with pytest.raises(PermissionDenied):
        service.share_note(db, org.people["manager"], note.id)


def test_edits_after_sharing_are_audited_and_stale_ones_refused(db: Session, org: Org) -> None:
    director = org.people["director"]
    note = write(db, org)
    note = service.update_note(db, director, note.id, {"result": "Keep asking first."})
    service.share_note(db, director, note.id)
    db.expire_all()
    current = service.get_note(db, director, note.id)
    with pytest.raises(StaleVersion):
        service.update_note(
            db, director, note.id, {"action": "x"}, expected_version=current.version - 1
        )
    service.update_note(
        db, director, note.id, {"action": "You asked first."}, expected_version=current.version
    )
    [event] = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "coach_note.edit_after_share")
    ).all()
    assert event.details["changes"]["action"] == [TEXT["action"], "You asked first."]


def test_the_same_client_uuid_again_is_the_same_note(db: Session, org: Org) -> None:
    client_uuid = uuid.uuid4()
    first = write(db, org, client_uuid=client_uuid)
    again, created = service.create_note(
        db, org.people["director"],
        {"manager_id": org.people["manager2"].id, "client_uuid": client_uuid, **TEXT},
    )  # fmt: skip
    assert not created and again.id == first.id and again.manager_id == first.manager_id
    with pytest.raises(Conflict):
        service.create_note(
            db, org.people["director2"],
            {"manager_id": org.people["manager3"].id, "client_uuid": client_uuid, **TEXT},
        )  # fmt: skip


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**TEXT, "situation": ""}, "situation"),
        ({"action": TEXT["action"], "result": TEXT["result"]}, "situation"),
        ({**TEXT, "action": "x" * (service.TEXT_LIMIT + 1)}, "action"),
        ({**TEXT, "result": "nul\x00"}, "result"),
    ],
)
def test_three_parts_required_and_short(data: dict[str, str], field: str) -> None:
    errors = service.note_schema.validate(data)
    assert set(errors) == {field}
    assert service.note_schema.validate(TEXT) == {}
    assert service.note_changes_schema.validate({"action": "Short"}) == {}


def test_each_is_told_in_their_own_language(db: Session, org: Org) -> None:
    """The manager reads Spanish, the director left it to the browser: each inbox row is
    written in its recipient's language, whoever acted."""
    director, manager = org.people["director"], org.people["manager"]
    manager.language = "es"
    db.commit()
    note = write(db, org)
    service.share_note(db, director, note.id)
    [told] = notifications(db, "coach_note_shared")
    assert told.title == f"Nota de {director.first_name} sobre tu coaching"
    service.acknowledge_note(db, manager, note.id, "Lo haré.")
    [reply] = notifications(db, "coach_note_acknowledged")
    assert reply.title == f"{manager.first_name} replied to your note on their coaching"
