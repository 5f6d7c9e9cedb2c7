"""Coaching guides, coaching sessions and follow-ups over JSON (DESIGN.md "Stable contract").

Thin views over coachapp.coaching.service, the same service the pages use. A session is
read with an ETag (its version) and changed with If-Match; creating one is idempotent by
client_uuid (an offline phone replaying its queue). Private notes are in a session's JSON
for its author only: for anyone else the key is absent.

Blind self-rating (coachapp.coaching.blind): until the rep has rated themself on a note,
declined or acknowledged it, their JSON of it has "ratings": [] and "ratings_hidden": true;
the keys stay, so clients built on the stable contract keep working.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import RAISE

from coachapp import policy
from coachapp.api import paging
from coachapp.api.auth import callers_only
from coachapp.api.paging import asc, desc
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.coaching import blind, schemas, service
from coachapp.coaching.note_view import NoteView, note_view, note_views
from coachapp.db import get_session
from coachapp.errors import Conflict, NotFound
from coachapp.models import (
    FollowUp,
    FollowUpStatus,
    GuideStatus,
    Note,
    PendingSelfAssessment,
    User,
)
from coachapp.versioning import IfMatch, etag, parse_if_match

blp = Blueprint("api_coaching", __name__, description="Coaching guides, sessions and follow-ups")
callers_only(blp)

READ_ERRORS = (404,)
LIST_ERRORS = (422,)
WRITE_ERRORS = (400, 403, 404, 409, 413, 415, 422)
VERSIONED_WRITE_ERRORS = (*WRITE_ERRORS, 412, 428)
ETAG_HEADER = {"ETag": {"description": "The session's version", "schema": {"type": "string"}}}
IF_MATCH = [
    {
        "in": "header",
        "name": "If-Match",
        "required": True,
        "description": (
            "The ETag of the version being changed (428 without it or with *; 412 when it "
            "matches no current version)"
        ),
        "schema": {"type": "string"},
    }
]


# The orders the lists are paged in (coachapp.api.paging).
GUIDE_ORDER = [asc(lambda version: version.guide_id), asc(lambda version: version.id)]
SESSION_ORDER = [desc(Note.occurred_on, dt.date), desc(Note.id)]
FOLLOW_UP_ORDER = [asc(FollowUp.due_date, dt.date), asc(FollowUp.id)]


class SessionPageQuerySchema(paging.PageQuerySchema, schemas.SessionListQuerySchema):
    pass


class FollowUpPageQuerySchema(paging.PageQuerySchema, schemas.FollowUpListQuerySchema):
    pass


# Helpers ---------------------------------------------------------------------------------


NoteAnswer = tuple[NoteView, int, dict[str, str]]


def note_answer(note: Note, status: int = 200) -> NoteAnswer:
    """A note's answer: the note as the caller may see it, for @blp.response to dump with
    schemas.SessionOutSchema, and its version as the ETag."""
    return note_view(get_session(), api_user(), note), status, {"ETag": etag(note.version)}


def _if_match() -> IfMatch | None:
    return parse_if_match(request.headers.get("If-Match"))


# Guides ----------------------------------------------------------------------------------


@blp.get("/guides")
@blp.arguments(paging.PageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, schemas.GuideVersionOutSchema(many=True), headers=paging.LINK_HEADER)
@authenticated(blp, *LIST_ERRORS)
def guides(query: dict[str, Any]) -> Any:
    """The newest published version of every coaching guide, with its competencies.

    Ratings use the scale 1 Developing, 2 Building, 3 Proficient, 4 Role model; a score of
    null means "not observed".
    """
    versions = service.published_versions(get_session())
    return paging.list_page(versions, GUIDE_ORDER, query).answer()


@blp.get("/guides/<int:version_id>")
@blp.response(200, schemas.GuideVersionOutSchema)
@authenticated(blp, *READ_ERRORS)
def guide_version(version_id: int) -> Any:
    """One published (or retired) guide version, e.g. the one an older session used."""
    version = service.guide_version_or_404(get_session(), version_id)
    if version.status == GuideStatus.DRAFT:
        raise NotFound()
    return version


# Sessions --------------------------------------------------------------------------------


@blp.route("/coaching-sessions")
class Sessions(MethodView):
    @blp.arguments(SessionPageQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, schemas.SessionOutSchema(many=True), headers=paging.LINK_HEADER)
    @authenticated(blp, *LIST_ERRORS)
    def get(self, query: dict[str, Any]) -> Any:
        """Sessions visible to the caller, newest first; rep_id narrows them to one rep."""
        statement = policy.visible_notes(api_user()).options(*service.note_options())
        if query.get("rep_id") is not None:
            statement = statement.where(Note.rep_id == query["rep_id"])
        if query.get("status") is not None:
            statement = statement.where(Note.status == query["status"])
        db, user = get_session(), api_user()
        page = paging.query_page(db, statement, SESSION_ORDER, query)
        return page.map(
            lambda notes: note_views(db, user, policy.as_seen_by(db, user, notes))
        ).answer()

    @blp.arguments(schemas.note_create_schema)
    @blp.response(201, schemas.SessionOutSchema, headers=ETAG_HEADER)
    @blp.alt_response(
        200,
        schema=schemas.SessionOutSchema,
        description="That client_uuid was seen before: the session it made",
        headers=ETAG_HEADER,
    )
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any]) -> NoteAnswer:
        """Log a conversation as a draft (a rep's manager). Idempotent by client_uuid."""
        note, created = service.create_note(get_session(), api_user(), body, require_type=True)
        return note_answer(note, 201 if created else 200)


@blp.route("/coaching-sessions/<int:session_id>")
class SessionResource(MethodView):
    @blp.response(200, schemas.SessionOutSchema, headers=ETAG_HEADER)
    @authenticated(blp, *READ_ERRORS)
    def get(self, session_id: int) -> NoteAnswer:
        """One session, with its ETag (the version) for a later PATCH."""
        return note_answer(service.get_note(get_session(), api_user(), session_id))

    @blp.arguments(schemas.note_update_schema)
    @blp.response(200, schemas.SessionOutSchema, headers=ETAG_HEADER)
    @blp.doc(parameters=IF_MATCH)
    @authenticated(blp, *VERSIONED_WRITE_ERRORS)
    def patch(self, body: dict[str, Any], session_id: int) -> NoteAnswer:
        """Change a note (its author); 409 once the rep has acknowledged it."""
        note = service.update_note(
            get_session(), api_user(), session_id, body,
            expected_version=_if_match(), require_version=True,
        )  # fmt: skip
        return note_answer(note)


@blp.post("/coaching-sessions/<int:session_id>/share")
@blp.response(200, schemas.SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, 403, 404, 422)
def share(session_id: int) -> NoteAnswer:
    """Share a draft with the rep (its author): draft → shared. Sharing again changes nothing.
    A note is shared when it would count as coaching (coachapp.coaching.counts): its type,
    at least one competency rated 1-4, one or two development focus areas and at most three
    strengths (one per line); otherwise 422 says what is missing, per field (`type`,
    `ratings`, `development_focus`, `strengths`)."""
    return note_answer(service.share_note(get_session(), api_user(), session_id))


@blp.post("/coaching-sessions/<int:session_id>/acknowledge")
@blp.arguments(schemas.acknowledge_schema)
@blp.response(200, schemas.SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, *WRITE_ERRORS)
def acknowledge(body: dict[str, Any], session_id: int) -> NoteAnswer:
    """The rep acknowledges a shared note, optionally with a comment: shared → acknowledged."""
    note = service.acknowledge_note(get_session(), api_user(), session_id, body["comment"])
    return note_answer(note)


@blp.post("/coaching-sessions/<int:session_id>/addendum")
@blp.arguments(schemas.addendum_schema)
@blp.response(200, schemas.SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, *WRITE_ERRORS)
def addendum(body: dict[str, Any], session_id: int) -> NoteAnswer:
    """Append to an acknowledged note (its author); the note itself no longer changes."""
    return note_answer(service.add_addendum(get_session(), api_user(), session_id, body["text"]))


@blp.put("/coaching-sessions/<int:session_id>/self-assessment")
@blp.arguments(schemas.self_assessment_schema)
@blp.response(200, schemas.SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, *WRITE_ERRORS)
def self_assessment(body: dict[str, Any], session_id: int) -> NoteAnswer:
    """The rep rates themself on the note's guide competencies, on the same scale, before
    seeing the manager's ratings (blind); [] declines. Once the manager's ratings are open to
    the rep the self-rating is final: 409."""
    note = service.set_self_assessment(get_session(), api_user(), session_id, body["ratings"])
    return note_answer(note)


@blp.post("/coaching-sessions/<int:session_id>/skip-self-rating")
@blp.response(200, schemas.SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, 403, 404)
def skip_self_rating(session_id: int) -> NoteAnswer:
    """The rep declines to rate themself on the note and reads the manager's ratings. Once
    the self-rating is settled this changes nothing."""
    return note_answer(service.skip_self_rating(get_session(), api_user(), session_id))


# A rep's self-assessment before the next note --------------------------------------------


def _pending_json(rep_id: int, pending: PendingSelfAssessment | None) -> dict[str, Any]:
    if pending is not None:
        shown = blind.pending_ratings_shown(api_user(), pending)
        return {
            "rep_id": rep_id,
            "guide_version_id": pending.guide_version_id,
            "ratings": shown,
            "held_back": len(pending.ratings) - len(shown),
            "updated_at": pending.updated_at,
        }
    db = get_session()
    rep = db.get(User, rep_id)
    try:
        version_id: int | None = service.guide_for(db, rep).id if rep else None
    except Conflict:
        version_id = None  # no guide published yet
    return {"rep_id": rep_id, "guide_version_id": version_id, "ratings": [], "updated_at": None}


@blp.route("/reps/<int:rep_id>/self-assessment")
class RepSelfAssessment(MethodView):
    @blp.response(200, schemas.PendingSelfAssessmentOutSchema)
    @authenticated(blp, *READ_ERRORS)
    def get(self, rep_id: int) -> Any:
        """The rep's self-assessment before their next coaching note (the rep and their
        manager; 404 for anyone else). The next note the manager logs takes it over. The
        manager gets no scores (held_back counts them): they see each on that note once they
        have rated the behaviour themself (double-blind)."""
        pending = service.pending_self_assessment(get_session(), api_user(), rep_id)
        return _pending_json(rep_id, pending)

    @blp.arguments(schemas.pending_self_assessment_schema)
    @blp.response(200, schemas.PendingSelfAssessmentOutSchema)
    @authenticated(blp, *WRITE_ERRORS)
    def put(self, body: dict[str, Any], rep_id: int) -> Any:
        """The rep rates themself before their next coaching (the rep only; replaces any
        earlier one). Scores and competencies must be on the guide version's."""
        pending = service.save_pending_self_assessment(
            get_session(), api_user(), rep_id, body["ratings"], body["guide_version_id"]
        )
        return _pending_json(rep_id, pending)


# Follow-ups ------------------------------------------------------------------------------


@blp.get("/follow-ups")
@blp.arguments(FollowUpPageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, schemas.FollowUpOutSchema(many=True), headers=paging.LINK_HEADER)
@authenticated(blp, *LIST_ERRORS)
def follow_ups(query: dict[str, Any]) -> Any:
    """The caller's visible follow-ups by due date: status open (default), done, cancelled
    or all."""
    status = None if query["status"] == "all" else FollowUpStatus(query["status"])
    statement = service.follow_ups_query(api_user(), status)
    return paging.query_page(get_session(), statement, FOLLOW_UP_ORDER, query).answer()


@blp.patch("/follow-ups/<int:follow_up_id>")
@blp.arguments(schemas.follow_up_update_schema)
@blp.response(200, schemas.FollowUpOutSchema)
@authenticated(blp, *WRITE_ERRORS)
def update_follow_up(body: dict[str, Any], follow_up_id: int) -> Any:
    """Complete, cancel, re-open or re-date a follow-up (its owner or the note's author); a
    linked plan action follows its status."""
    return service.update_follow_up(get_session(), api_user(), follow_up_id, body)
