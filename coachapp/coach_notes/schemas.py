"""What a coach-the-coach note looks like over JSON, and what the API's create, change and list
take. The three parts' rules (CoachNoteSchema) are the service's, shared with the form."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from coachapp.coach_notes.service import CoachNoteSchema
from coachapp.coaching.schemas import acknowledgement_json, acknowledgement_metadata
from coachapp.forms import FormId
from coachapp.models import CoachTheCoachNote, NoteStatus


class PersonOutSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class CoachNoteOutSchema(Schema):
    id = fields.Integer(required=True)
    client_uuid = fields.UUID(required=True)
    director = fields.Nested(PersonOutSchema, required=True)
    manager = fields.Nested(PersonOutSchema, required=True)
    situation = fields.String(required=True)
    action = fields.String(required=True)
    result = fields.String(required=True)
    status = fields.Enum(NoteStatus, by_value=True, required=True)
    shared_at = fields.AwareDateTime(required=True, allow_none=True)
    acknowledgement = fields.Method(
        "_acknowledgement",
        required=True,
        metadata=acknowledgement_metadata("The manager's acknowledgement, or null until they do"),
    )
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    seen_as_of = fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "Set for the director who wrote it once the manager no longer "
            "reports to them: the note as it stood then, read-only (403 on any change)"
        },
    )

    def _acknowledgement(self, note: CoachTheCoachNote) -> dict[str, Any] | None:
        return acknowledgement_json(note.ack_comment, note.acknowledged_at)


class CoachNoteCreateSchema(CoachNoteSchema):
    client_uuid = fields.UUID(
        load_default=None,
        metadata={"description": "Made by the client; the same value again returns that note"},
    )
    manager_id = FormId(
        required=True,
        metadata={"description": "A manager reporting directly to the caller, a director"},
        error_messages={"required": "Choose the manager."},
    )


class CoachNotePatchSchema(CoachNoteSchema):
    """The parts being changed (used with partial=True)."""


class CoachNoteListQuerySchema(Schema):
    status = fields.Enum(NoteStatus, by_value=True)
