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
from marshmallow import RAISE, Schema, fields, post_dump, validate

from coachapp import policy
from coachapp.api.auth import callers_only
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.coaching import blind, schemas, service, specificity
from coachapp.coaching.note_view import NoteView, note_view, note_views
from coachapp.coaching.schemas import SCORE_DESCRIPTION
from coachapp.db import get_session
from coachapp.errors import Conflict, NotFound
from coachapp.forms import MAX_ID
from coachapp.models import (
    NOT_OBSERVED_LABEL,
    RATING_SCALE,
    FollowUpStatus,
    GuideStatus,
    GuideVersion,
    Note,
    NoteStatus,
    NoteType,
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

FOLLOW_UP_FILTERS = ("open", "done", "cancelled", "all")


# Guides ---------------------------------------------------------------------------------


class ScaleValueSchema(Schema):
    value = fields.Integer(required=True)
    label = fields.String(required=True)


class CompetencyOutSchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    name = fields.String(required=True)
    indicators = fields.List(fields.String(), required=True)
    questions = fields.List(fields.String(), required=True)


class GuideSectionOutSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    competencies = fields.List(fields.Nested(CompetencyOutSchema), required=True)


class GuideVersionOutSchema(Schema):
    id = fields.Integer(required=True)
    guide_id = fields.Integer(required=True)
    name = fields.String(required=True, attribute="guide.name")
    version = fields.Integer(required=True, attribute="number")
    status = fields.Enum(GuideStatus, by_value=True, required=True)
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    target_functions = fields.List(
        fields.String(), required=True, attribute="guide.target_functions"
    )
    scale = fields.Method(
        "_scale",
        required=True,
        metadata={
            "description": f"Scores a rating may take; null means {NOT_OBSERVED_LABEL.lower()}",
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"value": {"type": "integer"}, "label": {"type": "string"}},
                "required": ["value", "label"],
            },
        },
    )
    not_observed = fields.Method(
        "_not_observed",
        required=True,
        metadata={
            "description": "A rating of null: the behaviour was not observed",
            "type": "object",
            "properties": {
                "value": {"type": "integer", "nullable": True},
                "label": {"type": "string"},
            },
            "required": ["value", "label"],
        },
    )
    sections = fields.List(fields.Nested(GuideSectionOutSchema), required=True)

    def _scale(self, _version: GuideVersion) -> list[dict[str, Any]]:
        return [{"value": value, "label": label} for value, label in RATING_SCALE]

    def _not_observed(self, _version: GuideVersion) -> dict[str, Any]:
        return {"value": None, "label": NOT_OBSERVED_LABEL}


# Sessions: output -----------------------------------------------------------------------


class RatingOutSchema(Schema):
    competency_id = fields.Integer(required=True)
    score = fields.Integer(
        required=True, allow_none=True, metadata={"description": SCORE_DESCRIPTION}
    )
    evidence = fields.String(required=True)


class FollowUpOutSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    owner_id = fields.Integer(required=True)
    due_date = fields.Date(required=True)
    status = fields.Enum(FollowUpStatus, by_value=True, required=True)
    session_id = fields.Integer(required=True, allow_none=True)
    action_item_id = fields.Integer(required=True, allow_none=True)
    evidence = fields.String(
        required=True, allow_none=True, metadata={"description": "What shows it was done"}
    )


class VaguePraiseOutSchema(Schema):
    field = fields.String(required=True, metadata={"description": "strengths or development_focus"})
    text = fields.String(required=True, metadata={"description": "The point (one line)"})
    prompt = fields.String(required=True, metadata={"description": "What to add"})


class AcknowledgementOutSchema(Schema):
    comment = fields.String(required=True, allow_none=True)
    at = fields.AwareDateTime(required=True)


def acknowledgement_json(comment: str | None, at: dt.datetime | None) -> dict[str, Any] | None:
    """An acknowledgement {comment, at} as the API gives it; None before there is one."""
    if at is None:
        return None
    return AcknowledgementOutSchema().dump({"comment": comment, "at": at})


def acknowledgement_metadata(description: str) -> dict[str, Any]:
    """The OpenAPI description of an acknowledgement {comment, at}, or null before it."""
    return {
        "description": description,
        "type": "object",
        "nullable": True,
        "properties": {
            "comment": {"type": "string", "nullable": True},
            "at": {"type": "string", "format": "date-time"},
        },
        "required": ["comment", "at"],
    }


class SelfRatingOutSchema(Schema):
    competency_id = fields.Integer(required=True)
    score = fields.Integer(
        required=True, allow_none=True, metadata={"description": SCORE_DESCRIPTION}
    )


class SelfAssessmentOutSchema(Schema):
    ratings = fields.List(
        fields.Nested(SelfRatingOutSchema),
        required=True,
        metadata={
            "description": "The rep's own scores the caller may see: the note's author sees a "
            "behaviour's score once they have rated it, or once the note is shared"
        },
    )
    at = fields.String(required=True, metadata={"format": "date-time"})
    before_note = fields.Boolean(
        dump_default=False,
        metadata={"description": "Made before the note was written, and joined it then"},
    )
    held_back = fields.Integer(
        dump_default=0,
        metadata={"description": "The rep's scores not shown yet (double-blind)"},
    )


class SelfRatingStateSchema(Schema):
    state = fields.Enum(
        blind.SelfRatingState,
        by_value=True,
        required=True,
        metadata={
            "description": "pending: the rep has not rated themself on the note yet (the "
            "manager's ratings are hidden from them); submitted; skipped: declined, or "
            "acknowledged without rating"
        },
    )
    at = fields.AwareDateTime(required=True, allow_none=True)


class RatingGapSchema(Schema):
    competency_id = fields.Integer(required=True, attribute="competency.id")
    self_score = fields.Integer(required=True)
    manager_score = fields.Integer(required=True)
    gap = fields.Integer(
        required=True,
        attribute="difference",
        metadata={"description": "self_score - manager_score"},
    )
    talking_point = fields.Boolean(
        required=True, metadata={"description": f"|gap| >= {blind.TALKING_POINT_GAP}"}
    )


class AckDeadlineSchema(Schema):
    due_on = fields.Date(
        required=True,
        metadata={"description": "Acknowledge by the end of this day, on the rep's calendar"},
    )
    days = fields.Integer(required=True, metadata={"description": "Days after sharing"})
    missed = fields.Boolean(
        required=True, metadata={"description": "Unacknowledged and the deadline is gone"}
    )
    acknowledged_late = fields.Boolean(required=True)
    days_over = fields.Integer(
        required=True, metadata={"description": "Days past the deadline (0 when in time)"}
    )


class PendingSelfAssessmentOutSchema(Schema):
    rep_id = fields.Integer(required=True)
    held_back = fields.Integer(
        dump_default=0,
        metadata={
            "description": "Scores saved but not shown to the caller: the manager sees them "
            "on the next note, once they have rated those behaviours (double-blind)"
        },
    )
    guide_version_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "The guide version rated on; with nothing saved, the one to rate on"
            " (null while no guide is published)"
        },
    )
    ratings = fields.List(fields.Nested(SelfRatingOutSchema), required=True)
    updated_at = fields.AwareDateTime(
        required=True, allow_none=True, metadata={"description": "Null: nothing saved"}
    )


AUTHOR_ONLY = ("private_notes", "vague_praise")


class SessionOutSchema(Schema):
    """A NoteView: the note as the caller may see it (coachapp.coaching.note_view)."""

    id = fields.Integer(attribute="note.id", required=True)
    client_uuid = fields.UUID(attribute="note.client_uuid", required=True)
    rep_id = fields.Integer(attribute="note.rep_id", required=True)
    manager_id = fields.Integer(attribute="note.manager_id", required=True)
    guide_version_id = fields.Integer(attribute="note.guide_version_id", required=True)
    type = fields.Enum(
        NoteType,
        attribute="note.type",
        by_value=True,
        required=True,
        allow_none=True,
        metadata={"description": "Null only on a draft whose kind is not chosen yet"},
    )
    occurred_on = fields.Date(attribute="note.occurred_on", required=True)
    account_id = fields.Integer(attribute="note.account_id", required=True, allow_none=True)
    plan_id = fields.Integer(attribute="note.plan_id", required=True, allow_none=True)
    ratings = fields.List(fields.Nested(RatingOutSchema), required=True)
    strengths = fields.String(attribute="note.strengths", required=True)
    development_focus = fields.String(attribute="note.development_focus", required=True)
    private_notes = fields.String(
        attribute="note.private_notes",
        metadata={"description": "Present for the note's author only; absent for anyone else"},
    )
    follow_ups = fields.List(
        fields.Nested(FollowUpOutSchema), attribute="note.follow_ups", required=True
    )
    status = fields.Enum(NoteStatus, attribute="note.status", by_value=True, required=True)
    version = fields.Integer(attribute="note.version", required=True)
    shared_at = fields.AwareDateTime(attribute="note.shared_at", required=True, allow_none=True)
    acknowledgement = fields.Method(
        "_acknowledgement",
        required=True,
        metadata=acknowledgement_metadata("The rep's acknowledgement, or null until they do"),
    )
    addendum = fields.String(attribute="note.addendum", required=True, allow_none=True)
    self_assessment = fields.Nested(SelfAssessmentOutSchema, required=True, allow_none=True)
    updated_at = fields.AwareDateTime(attribute="note.updated_at", required=True)
    vague_praise = fields.Method(
        "_vague_praise",
        metadata={
            "description": "For the note's author only: strengths and focus points that read "
            "as vague praise (no rated competency named, no example, only general words; or "
            "ready-made chips with nothing specific beside them), with a prompt; never a refusal",
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "text": {"type": "string"},
                    "prompt": {"type": "string"},
                },
                "required": ["field", "text", "prompt"],
            },
        },
    )
    ratings_hidden = fields.Boolean(
        required=True,
        metadata={
            "description": "True for the note's rep until they rate themself on it, skip or "
            "acknowledge it: ratings is [] meanwhile (blind self-rating)"
        },
    )
    self_rating = fields.Nested(SelfRatingStateSchema, required=True)
    rating_gaps = fields.List(
        fields.Nested(RatingGapSchema),
        attribute="gaps",
        required=True,
        metadata={"description": "Per competency both scored and the caller may see"},
    )
    acknowledgement_deadline = fields.Nested(
        AckDeadlineSchema,
        attribute="deadline",
        required=True,
        allow_none=True,
        metadata={"description": "Null for a draft"},
    )
    seen_as_of = fields.AwareDateTime(
        attribute="note.seen_as_of",
        allow_none=True,
        metadata={
            "description": "Set for the note's author once the rep no longer reports to them: "
            "the note as it stood at that moment, nothing the rep added since; read-only "
            "(403 on any change, a draft may still be discarded on its page)"
        },
    )

    def _vague_praise(self, view: NoteView) -> list[dict[str, Any]]:
        return [VaguePraiseOutSchema().dump(flag) for flag in specificity.note_flags(view.note)]

    def _acknowledgement(self, view: NoteView) -> dict[str, Any] | None:
        return acknowledgement_json(view.note.ack_comment, view.note.acknowledged_at)

    @post_dump(pass_original=True)
    def _author_only(self, data: dict[str, Any], view: NoteView, **_: Any) -> dict[str, Any]:
        """Private notes and the vague-praise prompts are for the note's author alone: for
        anyone else the keys are absent."""
        if not view.sees_private_notes:
            for key in AUTHOR_ONLY:
                data.pop(key, None)
        return data


# Sessions: query ------------------------------------------------------------------------


class SessionListQuerySchema(Schema):
    rep_id = fields.Integer(validate=validate.Range(1, MAX_ID))
    status = fields.Enum(NoteStatus, by_value=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


# Follow-ups ----------------------------------------------------------------------------


class FollowUpListQuerySchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(FOLLOW_UP_FILTERS))


# Helpers ---------------------------------------------------------------------------------


NoteAnswer = tuple[NoteView, int, dict[str, str]]


def note_answer(note: Note, status: int = 200) -> NoteAnswer:
    """A note's answer: the note as the caller may see it, for @blp.response to dump with
    SessionOutSchema, and its version as the ETag."""
    return note_view(get_session(), api_user(), note), status, {"ETag": etag(note.version)}


def _if_match() -> IfMatch | None:
    return parse_if_match(request.headers.get("If-Match"))


# Guides ---------------------------------------------------------------------------------


@blp.get("/guides")
@blp.response(200, GuideVersionOutSchema(many=True))
@authenticated(blp)
def guides() -> Any:
    """The newest published version of every coaching guide, with its competencies.

    Ratings use the scale 1 Developing, 2 Building, 3 Proficient, 4 Role model; a score of
    null means "not observed".
    """
    return service.published_versions(get_session())


@blp.get("/guides/<int:version_id>")
@blp.response(200, GuideVersionOutSchema)
@authenticated(blp, *READ_ERRORS)
def guide_version(version_id: int) -> Any:
    """One published (or retired) guide version, e.g. the one an older session used."""
    version = service.guide_version_or_404(get_session(), version_id)
    if version.status == GuideStatus.DRAFT:
        raise NotFound()
    return version


# Sessions ---------------------------------------------------------------------------------


@blp.route("/coaching-sessions")
class Sessions(MethodView):
    @blp.arguments(SessionListQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, SessionOutSchema(many=True))
    @authenticated(blp, *LIST_ERRORS)
    def get(self, query: dict[str, Any]) -> list[NoteView]:
        """Sessions visible to the caller, newest first; rep_id narrows them to one rep."""
        statement = policy.visible_notes(api_user()).options(*service.note_options())
        if query.get("rep_id") is not None:
            statement = statement.where(Note.rep_id == query["rep_id"])
        if query.get("status") is not None:
            statement = statement.where(Note.status == query["status"])
        statement = statement.order_by(Note.occurred_on.desc(), Note.id.desc()).limit(
            query["limit"]
        )
        db = get_session()
        notes = policy.as_seen_by(db, api_user(), db.scalars(statement).all())
        return note_views(db, api_user(), notes)

    @blp.arguments(schemas.note_create_schema)
    @blp.response(201, SessionOutSchema, headers=ETAG_HEADER)
    @blp.alt_response(
        200,
        schema=SessionOutSchema,
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
    @blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
    @authenticated(blp, *READ_ERRORS)
    def get(self, session_id: int) -> NoteAnswer:
        """One session, with its ETag (the version) for a later PATCH."""
        return note_answer(service.get_note(get_session(), api_user(), session_id))

    @blp.arguments(schemas.note_update_schema)
    @blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
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
@blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
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
@blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, *WRITE_ERRORS)
def acknowledge(body: dict[str, Any], session_id: int) -> NoteAnswer:
    """The rep acknowledges a shared note, optionally with a comment: shared → acknowledged."""
    note = service.acknowledge_note(get_session(), api_user(), session_id, body["comment"])
    return note_answer(note)


@blp.post("/coaching-sessions/<int:session_id>/addendum")
@blp.arguments(schemas.addendum_schema)
@blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, *WRITE_ERRORS)
def addendum(body: dict[str, Any], session_id: int) -> NoteAnswer:
    """Append to an acknowledged note (its author); the note itself no longer changes."""
    return note_answer(service.add_addendum(get_session(), api_user(), session_id, body["text"]))


@blp.put("/coaching-sessions/<int:session_id>/self-assessment")
@blp.arguments(schemas.self_assessment_schema)
@blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, *WRITE_ERRORS)
def self_assessment(body: dict[str, Any], session_id: int) -> NoteAnswer:
    """The rep rates themself on the note's guide competencies, on the same scale, before
    seeing the manager's ratings (blind); [] declines. Once the manager's ratings are open to
    the rep the self-rating is final: 409."""
    note = service.set_self_assessment(get_session(), api_user(), session_id, body["ratings"])
    return note_answer(note)


@blp.post("/coaching-sessions/<int:session_id>/skip-self-rating")
@blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, 403, 404)
def skip_self_rating(session_id: int) -> NoteAnswer:
    """The rep declines to rate themself on the note and reads the manager's ratings. Once
    the self-rating is settled this changes nothing."""
    return note_answer(service.skip_self_rating(get_session(), api_user(), session_id))


# A rep's self-assessment before the next note -------------------------------------------


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
    @blp.response(200, PendingSelfAssessmentOutSchema)
    @authenticated(blp, *READ_ERRORS)
    def get(self, rep_id: int) -> Any:
        """The rep's self-assessment before their next coaching note (the rep and their
        manager; 404 for anyone else). The next note the manager logs takes it over. The
        manager gets no scores (held_back counts them): they see each on that note once they
        have rated the behaviour themself (double-blind)."""
        pending = service.pending_self_assessment(get_session(), api_user(), rep_id)
        return _pending_json(rep_id, pending)

    @blp.arguments(schemas.pending_self_assessment_schema)
    @blp.response(200, PendingSelfAssessmentOutSchema)
    @authenticated(blp, *WRITE_ERRORS)
    def put(self, body: dict[str, Any], rep_id: int) -> Any:
        """The rep rates themself before their next coaching (the rep only; replaces any
        earlier one). Scores and competencies must be on the guide version's."""
        pending = service.save_pending_self_assessment(
            get_session(), api_user(), rep_id, body["ratings"], body["guide_version_id"]
        )
        return _pending_json(rep_id, pending)


# Follow-ups --------------------------------------------------------------------------------


@blp.get("/follow-ups")
@blp.arguments(FollowUpListQuerySchema, location="query", unknown=RAISE)
@blp.response(200, FollowUpOutSchema(many=True))
@authenticated(blp, *LIST_ERRORS)
def follow_ups(query: dict[str, Any]) -> Any:
    """The caller's visible follow-ups by due date: status open (default), done, cancelled
    or all."""
    status = None if query["status"] == "all" else FollowUpStatus(query["status"])
    return service.follow_ups_for(get_session(), api_user(), status)


@blp.patch("/follow-ups/<int:follow_up_id>")
@blp.arguments(schemas.follow_up_update_schema)
@blp.response(200, FollowUpOutSchema)
@authenticated(blp, *WRITE_ERRORS)
def update_follow_up(body: dict[str, Any], follow_up_id: int) -> Any:
    """Complete, cancel, re-open or re-date a follow-up (its owner or the note's author); a
    linked plan action follows its status."""
    return service.update_follow_up(get_session(), api_user(), follow_up_id, body)
