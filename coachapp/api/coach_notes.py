"""Coach-the-coach notes over JSON: a director's situation/action/result note to one of their
managers, shared, then acknowledged by the manager with a comment.

Thin views over coachapp.coach_notes.service, the service the pages use. A note is read with
an ETag (its version) and changed with If-Match; creating one is idempotent by client_uuid.
Only the director who wrote it and the manager it is for (once shared) see it; 404 for anyone
else.
"""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, request
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields

from coachapp.api.auth import callers_only
from coachapp.api.coaching import (
    IF_MATCH,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    acknowledgement_json,
    acknowledgement_metadata,
)
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.coach_notes import service
from coachapp.coach_notes.service import CoachNoteSchema
from coachapp.db import get_session
from coachapp.forms import FormId
from coachapp.models import CoachTheCoachNote, NoteStatus
from coachapp.versioning import etag, parse_if_match

blp = Blueprint("api_coach_notes", __name__, description="Coach-the-coach notes")
callers_only(blp)

ETAG_HEADER = {"ETag": {"description": "The note's version", "schema": {"type": "string"}}}


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


note_out = CoachNoteOutSchema()


def _with_etag(note: CoachTheCoachNote, status: int = 200) -> Response:
    response = make_response(note_out.dump(note), status)
    response.headers["ETag"] = etag(note.version)
    return response


@blp.route("/coach-the-coach-notes")
class CoachNotes(MethodView):
    @blp.arguments(CoachNoteListQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, CoachNoteOutSchema(many=True))
    @authenticated(blp, 422)
    def get(self, query: dict[str, Any]) -> Any:
        """A director's notes to their managers (drafts first), or a manager's notes from
        their director once shared; nobody else has any."""
        return service.notes_for(get_session(), api_user(), query.get("status"))

    @blp.arguments(CoachNoteCreateSchema)
    @blp.response(201, CoachNoteOutSchema, headers=ETAG_HEADER)
    @blp.alt_response(
        200,
        schema=CoachNoteOutSchema,
        description="That client_uuid was seen before: the note it made",
        headers=ETAG_HEADER,
    )
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any]) -> Response:
        """A director drafts a note to one of their managers: situation, action and result,
        each required, at most 600 characters. Idempotent by client_uuid."""
        note, created = service.create_note(get_session(), api_user(), body)
        return _with_etag(note, 201 if created else 200)


@blp.route("/coach-the-coach-notes/<int:note_id>")
class CoachNoteResource(MethodView):
    @blp.response(200, CoachNoteOutSchema, headers=ETAG_HEADER)
    @authenticated(blp, 404)
    def get(self, note_id: int) -> Response:
        """One note, with its ETag (the version) for a later PATCH."""
        return _with_etag(service.get_note(get_session(), api_user(), note_id))

    @blp.arguments(CoachNotePatchSchema(partial=True))
    @blp.response(200, CoachNoteOutSchema, headers=ETAG_HEADER)
    @blp.doc(parameters=IF_MATCH)
    @authenticated(blp, *VERSIONED_WRITE_ERRORS)
    def patch(self, body: dict[str, Any], note_id: int) -> Response:
        """The director changes the note until the manager acknowledges it (409 after);
        changes after sharing are audited."""
        note = service.update_note(
            get_session(), api_user(), note_id, body,
            expected_version=parse_if_match(request.headers.get("If-Match")),
            require_version=True,
        )  # fmt: skip
        return _with_etag(note)


@blp.post("/coach-the-coach-notes/<int:note_id>/share")
@blp.response(200, CoachNoteOutSchema, headers=ETAG_HEADER)
@authenticated(blp, 403, 404)
def share(note_id: int) -> Response:
    """The director shares the draft with the manager, who is notified. Sharing again
    changes nothing."""
    return _with_etag(service.share_note(get_session(), api_user(), note_id))


@blp.post("/coach-the-coach-notes/<int:note_id>/acknowledge")
@blp.arguments(service.acknowledge_schema)
@blp.response(200, CoachNoteOutSchema, headers=ETAG_HEADER)
@authenticated(blp, *WRITE_ERRORS)
def acknowledge(body: dict[str, Any], note_id: int) -> Response:
    """The manager acknowledges the note, optionally with a comment: shared → acknowledged,
    and final. The director is notified of a comment."""
    return _with_etag(service.acknowledge_note(get_session(), api_user(), note_id, body["comment"]))
