"""Coach the coach: a director's short note to one of their managers on how they coach.

Situation, action, result — what the director saw, what the manager did, what came of it —
each required and short. The director above the manager drafts it and shares it; the manager
is told (inbox and push, kind coach_note_shared) and acknowledges it with a comment, as a rep
does a coaching note; from then on it never changes. Everything after the draft is audited.
Only that director and that manager ever see it (coachapp.policy.coach_notes_scope); anyone
else gets 404. Pages and the API both come here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select
from sqlalchemy.orm import Session, joinedload

from coachapp import audit, policy, replay
from coachapp.db import utcnow
from coachapp.errors import Conflict, NotFound, PermissionDenied
from coachapp.forms import Lines
from coachapp.inbox.service import mark_read_about
from coachapp.languages import N_, gettext, writing_for
from coachapp.links import path_for
from coachapp.models import CoachTheCoachNote, NoteStatus, User
from coachapp.nudges import subjects, wording
from coachapp.nudges.outbox import notify
from coachapp.versioning import (
    ExpectedVersion,
    VersionRequired,
    check_version,
    commit_versioned,
    plain_value,
)

# Short on purpose: one situation, one action, one result a manager reads in a minute.
TEXT_LIMIT = 600
ANOTHER_NOTE = "That client_uuid belongs to another note."
COMMENT_LIMIT = 2000
PARTS = ("situation", "action", "result")
PART_LABELS = {
    "situation": N_("Situation"),
    "action": N_("Action"),
    "result": N_("Result"),
}
PART_HINTS = {
    "situation": N_("What you saw: the ride-along, the note, the team meeting."),
    "action": N_("What the manager did there, in a sentence or two."),
    "result": N_("What came of it, and what to keep or change."),
}


def _part(name: str) -> fields.String:
    message = f"Write the {name} in a sentence or two."
    return Lines(
        required=True,
        validate=[
            validate.Length(min=1, error=message),
            validate.Length(max=TEXT_LIMIT, error=f"Keep it to {TEXT_LIMIT} characters."),
        ],
        error_messages={"required": message},
    )


class CoachNoteSchema(Schema):
    """The three parts, required and short: the form and the API validate with this."""

    situation = _part("situation")
    action = _part("action")
    result = _part("result")


class CoachNoteAcknowledgeSchema(Schema):
    """The manager's comment on acknowledging, optional: the form and the API alike."""

    comment = Lines(
        load_default="",
        validate=validate.Length(
            max=COMMENT_LIMIT, error=f"Keep it to {COMMENT_LIMIT:,} characters."
        ),
    )


note_schema = CoachNoteSchema()
note_changes_schema = CoachNoteSchema(partial=True)
acknowledge_schema = CoachNoteAcknowledgeSchema()


def _options() -> list[Any]:
    return [joinedload(CoachTheCoachNote.director), joinedload(CoachTheCoachNote.manager)]


def notes_for(
    db: Session, viewer: User, status: NoteStatus | None = None, limit: int = 100
) -> Sequence[CoachTheCoachNote]:
    """The viewer's notes (in one status, if given): a director's drafts first, then newest
    first."""
    return policy.coach_notes_as_seen_by(
        db,
        viewer,
        db.scalars(
            notes_query(viewer, status)
            .order_by(
                (CoachTheCoachNote.status == NoteStatus.DRAFT).desc(),
                CoachTheCoachNote.created_at.desc(),
                CoachTheCoachNote.id.desc(),
            )
            .limit(limit)
        ).all(),
    )


def notes_query(viewer: User, status: NoteStatus | None = None) -> Select[CoachTheCoachNote]:
    """The viewer's notes (in one status, if given) with their director and manager, in no
    order; read them through policy.coach_notes_as_seen_by."""
    query = policy.visible_coach_notes(viewer).options(*_options())
    if status is not None:
        query = query.where(CoachTheCoachNote.status == status)
    return query


def unacknowledged_for(db: Session, manager: User) -> Sequence[CoachTheCoachNote]:
    """Notes shared with the manager that wait for their acknowledgement."""
    return db.scalars(
        policy.visible_coach_notes(manager)
        .where(
            CoachTheCoachNote.manager_id == manager.id,
            CoachTheCoachNote.status == NoteStatus.SHARED,
        )
        .options(*_options())
        .order_by(CoachTheCoachNote.shared_at.desc())
    ).all()


def get_note(db: Session, viewer: User, note_id: int) -> CoachTheCoachNote:
    found = db.scalars(
        policy.visible_coach_notes(viewer)
        .where(CoachTheCoachNote.id == note_id)
        .options(*_options())
    ).first()
    if found is None:
        raise NotFound()
    policy.coach_notes_as_seen_by(db, viewer, [found])
    return found


def create_note(
    db: Session, director: User, data: dict[str, Any]
) -> tuple[CoachTheCoachNote, bool]:
    """A draft to one of the director's managers; the same client_uuid again returns the
    same note (a replay): (note, created). `data` is validated by CoachNoteSchema."""
    client_uuid = data.get("client_uuid") or uuid.uuid4()

    def mine(found: CoachTheCoachNote) -> bool:
        return found.director_id == director.id

    existing = replay.made_before(db, CoachTheCoachNote, client_uuid, mine, ANOTHER_NOTE)
    if existing is not None:
        return get_note(db, director, existing.id), False
    manager = policy.coached_manager_or_404(db, director, data["manager_id"])
    note = CoachTheCoachNote(
        client_uuid=client_uuid,
        director_id=director.id,
        manager_id=manager.id,
        situation=data["situation"].strip(),
        action=data["action"].strip(),
        result=data["result"].strip(),
        status=NoteStatus.DRAFT,
    )
    raced = replay.add_new(db, note, mine, ANOTHER_NOTE)
    if raced is not None:
        return get_note(db, director, raced.id), False
    audit.record(db, director, "coach_note.create", "coach_note", note.id, manager_id=manager.id)
    db.commit()
    return get_note(db, director, note.id), True


def _authored(db: Session, viewer: User, note_id: int) -> CoachTheCoachNote:
    note = get_note(db, viewer, note_id)
    if note.director_id != viewer.id:
        raise PermissionDenied("Only the director who wrote the note changes it.")
    if not policy.can_edit_coach_note(viewer, note):
        raise PermissionDenied(moved_on_message(note))
    return note


def moved_on_message(note: CoachTheCoachNote) -> str:
    """Why the director changes nothing on a note to a manager who has left their team."""
    first = note.manager.first_name
    what = "draft cannot be shared" if note.status == NoteStatus.DRAFT else "note cannot change"
    return f"{first} no longer reports to you, so this {what}. You can still read it."


def update_note(
    db: Session,
    viewer: User,
    note_id: int,
    changes: dict[str, Any],
    *,
    expected_version: ExpectedVersion = None,
    require_version: bool = False,
) -> CoachTheCoachNote:
    """The director edits the three parts until the manager acknowledges; after sharing,
    each change is audited with its before and after."""
    note = _authored(db, viewer, note_id)
    if note.status == NoteStatus.ACKNOWLEDGED:
        raise Conflict("The manager has acknowledged this note; it no longer changes.")
    if expected_version is None and require_version:
        raise VersionRequired()
    check_version(note.version, expected_version, {})
    before = {name: plain_value(getattr(note, name)) for name in PARTS}
    for name in PARTS:
        if name in changes:
            setattr(note, name, changes[name].strip())
    diff = {n: [before[n], getattr(note, n)] for n in PARTS if before[n] != getattr(note, n)}
    if diff:
        action = (
            "coach_note.edit_after_share"
            if note.status == NoteStatus.SHARED
            else "coach_note.update"
        )
        audit.record(db, viewer, action, "coach_note", note.id, changes=diff)
        note.updated_at = utcnow()
    commit_versioned(db, note)
    return note


def share_note(db: Session, viewer: User, note_id: int) -> CoachTheCoachNote:
    """Draft → shared; the manager is told. Sharing again changes nothing."""
    note = _authored(db, viewer, note_id)
    if note.status != NoteStatus.DRAFT:
        return note
    note.status = NoteStatus.SHARED
    note.shared_at = utcnow()
    audit.record(db, viewer, "coach_note.share", "coach_note", note.id, manager_id=note.manager_id)
    # The push says only its kind's title (a lock screen); the inbox names the director.
    with writing_for(note.manager):
        title = gettext("Note from %(name)s on your coaching", name=note.director.first_name)
    notify(
        db, note.manager_id, "coach_note_shared", title,
        path_for("coach_notes.show", note_id=note.id), f"coach_note_shared:{note.id}",
        subject=subjects.coach_note(note.id),
    )  # fmt: skip
    commit_versioned(db, note)
    return note


def acknowledge_note(
    db: Session, viewer: User, note_id: int, comment: str = ""
) -> CoachTheCoachNote:
    """The manager acknowledges, optionally with a comment: shared → acknowledged, and the
    note is final. The director hears of a comment."""
    note = get_note(db, viewer, note_id)
    if note.manager_id != viewer.id:
        raise PermissionDenied("Only the manager the note is for acknowledges it.")
    if note.status == NoteStatus.ACKNOWLEDGED:
        return note
    note.status = NoteStatus.ACKNOWLEDGED
    note.acknowledged_at = utcnow()
    note.ack_comment = comment.strip() or None
    audit.record(
        db, viewer, "coach_note.acknowledge", "coach_note", note.id,
        with_comment=bool(note.ack_comment),
    )  # fmt: skip
    # Acknowledged: nothing left to ask. A director the manager has moved away from hears
    # nothing of it (coachapp.policy, "A team move").
    holds = policy.coach_note_line_holds(note)
    mark_read_about(db, subjects.coach_note(note.id), recipients=None if holds else {viewer.id})
    if note.ack_comment and holds:
        with writing_for(note.director):
            title = gettext(
                "%(name)s replied to your note on their coaching", name=note.manager.first_name
            )
        notify(
            db, note.director_id, "coach_note_acknowledged", title,
            path_for("coach_notes.show", note_id=note.id), f"coach_note_acknowledged:{note.id}",
            body=wording.excerpt(note.ack_comment), subject=subjects.coach_note(note.id),
        )  # fmt: skip
    commit_versioned(db, note)
    return note
