"""Coach-the-coach notes over JSON: a director's situation/action/result note to one of their
managers, shared, then acknowledged by the manager with a comment.

Thin views over coachapp.coach_notes.service, the service the pages use. A note is read with
an ETag (its version) and changed with If-Match; creating one is idempotent by client_uuid.
Only the director who wrote it and the manager it is for (once shared) see it; 404 for anyone
else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, make_response, request
from flask.views import MethodView
from marshmallow import RAISE

from coachapp import policy
from coachapp.api import paging
from coachapp.api.auth import callers_only
from coachapp.api.coaching import IF_MATCH, VERSIONED_WRITE_ERRORS, WRITE_ERRORS
from coachapp.api.paging import desc
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.coach_notes import service
from coachapp.coach_notes.schemas import (
    CoachNoteCreateSchema,
    CoachNoteListQuerySchema,
    CoachNoteOutSchema,
    CoachNotePatchSchema,
)
from coachapp.db import get_session
from coachapp.models import CoachTheCoachNote, NoteStatus
from coachapp.versioning import etag, parse_if_match

blp = Blueprint("api_coach_notes", __name__, description="Coach-the-coach notes")
callers_only(blp)

ETAG_HEADER = {"ETag": {"description": "The note's version", "schema": {"type": "string"}}}


note_out = CoachNoteOutSchema()

# A director's drafts first, then the newest first (as coach_notes.service.notes_for).
NOTE_ORDER = [
    desc(CoachTheCoachNote.status == NoteStatus.DRAFT, bool),
    desc(CoachTheCoachNote.created_at, dt.datetime),
    desc(CoachTheCoachNote.id),
]


class CoachNotePageQuerySchema(paging.PageQuerySchema, CoachNoteListQuerySchema):
    pass


def _with_etag(note: CoachTheCoachNote, status: int = 200) -> Response:
    response = make_response(note_out.dump(note), status)
    response.headers["ETag"] = etag(note.version)
    return response


@blp.route("/coach-the-coach-notes")
class CoachNotes(MethodView):
    @blp.arguments(CoachNotePageQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, CoachNoteOutSchema(many=True), headers=paging.LINK_HEADER)
    @authenticated(blp, 422)
    def get(self, query: dict[str, Any]) -> Any:
        """A director's notes to their managers (drafts first, then newest first), or a
        manager's notes from their director once shared; nobody else has any."""
        db, user = get_session(), api_user()
        statement = service.notes_query(user, query.get("status"))
        page = paging.query_page(db, statement, NOTE_ORDER, query)
        return page.map(lambda notes: policy.coach_notes_as_seen_by(db, user, notes)).answer()

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
