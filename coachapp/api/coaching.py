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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, make_response, request
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from coachapp import policy
from coachapp.api.auth import callers_only
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.coaching import blind, schemas, service, specificity
from coachapp.coaching.cadence import ack_deadline_days, deadline_of
from coachapp.coaching.schemas import SCORE_DESCRIPTION
from coachapp.db import get_session, utcnow
from coachapp.errors import Conflict, NotFound
from coachapp.forms import MAX_ID
from coachapp.models import (
    NOT_OBSERVED_LABEL,
    RATING_SCALE,
    CoachingSession,
    FollowUpStatus,
    GuideStatus,
    GuideVersion,
    PendingSelfAssessment,
    SessionStatus,
    SessionType,
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
    competency_id = fields.Integer(required=True)
    self_score = fields.Integer(required=True)
    manager_score = fields.Integer(required=True)
    gap = fields.Integer(required=True, metadata={"description": "self_score - manager_score"})
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


class SessionOutSchema(Schema):
    id = fields.Integer(required=True)
    client_uuid = fields.UUID(required=True)
    rep_id = fields.Integer(required=True)
    manager_id = fields.Integer(required=True)
    guide_version_id = fields.Integer(required=True)
    type = fields.Enum(
        SessionType,
        by_value=True,
        required=True,
        allow_none=True,
        metadata={"description": "Null only on a draft whose kind is not chosen yet"},
    )
    occurred_on = fields.Date(required=True)
    account_id = fields.Integer(required=True, allow_none=True)
    plan_id = fields.Integer(required=True, allow_none=True)
    ratings = fields.List(fields.Nested(RatingOutSchema), required=True)
    strengths = fields.String(required=True)
    development_focus = fields.String(required=True)
    private_notes = fields.String(
        metadata={"description": "Present for the note's author only; absent for anyone else"}
    )
    follow_ups = fields.List(fields.Nested(FollowUpOutSchema), required=True)
    status = fields.Enum(SessionStatus, by_value=True, required=True)
    version = fields.Integer(required=True)
    shared_at = fields.AwareDateTime(required=True, allow_none=True)
    acknowledgement = fields.Method(
        "_acknowledgement",
        required=True,
        metadata=acknowledgement_metadata("The rep's acknowledgement, or null until they do"),
    )
    addendum = fields.String(required=True, allow_none=True)
    self_assessment = fields.Nested(SelfAssessmentOutSchema, required=True, allow_none=True)
    updated_at = fields.AwareDateTime(required=True)
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
        required=True,
        metadata={"description": "Per competency both scored and the caller may see"},
    )
    acknowledgement_deadline = fields.Nested(
        AckDeadlineSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Null for a draft"},
    )
    seen_as_of = fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "Set for the note's author once the rep no longer reports to them: "
            "the note as it stood at that moment, nothing the rep added since; read-only "
            "(403 on any change, a draft may still be discarded on its page)"
        },
    )

    def _vague_praise(self, session: CoachingSession) -> list[dict[str, Any]]:
        return [VaguePraiseOutSchema().dump(flag) for flag in specificity.note_flags(session)]

    def _acknowledgement(self, session: CoachingSession) -> dict[str, Any] | None:
        return acknowledgement_json(session.ack_comment, session.acknowledged_at)


# Sessions: query ------------------------------------------------------------------------


class SessionListQuerySchema(Schema):
    rep_id = fields.Integer(validate=validate.Range(1, MAX_ID))
    status = fields.Enum(SessionStatus, by_value=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


# Follow-ups ----------------------------------------------------------------------------


class FollowUpListQuerySchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(FOLLOW_UP_FILTERS))


# Helpers ---------------------------------------------------------------------------------


SESSION_DERIVED = ("ratings_hidden", "self_rating", "rating_gaps", "acknowledgement_deadline")
session_for_author = SessionOutSchema(exclude=SESSION_DERIVED)
session_for_others = SessionOutSchema(exclude=("private_notes", "vague_praise", *SESSION_DERIVED))
rating_out = RatingOutSchema(many=True)
self_state_out = SelfRatingStateSchema()
gap_out = RatingGapSchema(many=True)
deadline_out = AckDeadlineSchema()
follow_up_out = FollowUpOutSchema()


@dataclass(frozen=True)
class Reading:
    """What showing notes to one caller takes besides the notes: what they may see of each
    note's ratings, and the acknowledgement deadline."""

    views: dict[int, blind.RatingView]
    deadline_days: int
    now: dt.datetime


def reading_of(sessions: Sequence[CoachingSession], viewer: User) -> Reading:
    db = get_session()
    return Reading(service.rating_views(db, viewer, sessions), ack_deadline_days(db), utcnow())


def session_json(
    session: CoachingSession, viewer: User, reading: Reading | None = None
) -> dict[str, Any]:
    """The session as the viewer may see it: private notes for their author alone; the
    manager's ratings kept back from the rep until their self-rating is settled, and the
    rep's own scores from the author of a draft until they rate those behaviours."""
    reading = reading or reading_of([session], viewer)
    view = reading.views[session.id]
    schema = (
        session_for_author if policy.can_see_private_notes(viewer, session) else session_for_others
    )
    data: dict[str, Any] = schema.dump(session)
    data["ratings"] = rating_out.dump(view.ratings)
    if data["self_assessment"] is not None:
        stored = blind.stored_self_scores(session)
        shown = blind.shown_self_scores(viewer, session, stored)
        data["self_assessment"]["ratings"] = [
            {"competency_id": cid, "score": score} for cid, score in shown.items()
        ]
        data["self_assessment"]["held_back"] = len(stored) - len(shown)
    data["ratings_hidden"] = view.hidden
    data["self_rating"] = self_state_out.dump(
        {"state": view.state, "at": session.self_rated_at or session.self_rating_skipped_at}
    )
    data["rating_gaps"] = gap_out.dump(
        [
            {
                "competency_id": g.competency.id,
                "self_score": g.self_score,
                "manager_score": g.manager_score,
                "gap": g.difference,
                "talking_point": g.talking_point,
            }
            for g in view.gaps
        ]
    )
    deadline = deadline_of(session, reading.deadline_days, reading.now)
    data["acknowledgement_deadline"] = None if deadline is None else deadline_out.dump(deadline)
    return data


def _with_etag(session: CoachingSession, status: int = 200) -> Response:
    response = make_response(session_json(session, api_user()), status)
    response.headers["ETag"] = etag(session.version)
    return response


def _list(sessions: Iterable[CoachingSession]) -> Response:
    viewer = api_user()
    notes = list(sessions)
    reading = reading_of(notes, viewer)
    return make_response([session_json(s, viewer, reading) for s in notes], 200)


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
    def get(self, query: dict[str, Any]) -> Response:
        """Sessions visible to the caller, newest first; rep_id narrows them to one rep."""
        statement = policy.visible_sessions(api_user()).options(*service.session_options())
        if query.get("rep_id") is not None:
            statement = statement.where(CoachingSession.rep_id == query["rep_id"])
        if query.get("status") is not None:
            statement = statement.where(CoachingSession.status == query["status"])
        statement = statement.order_by(
            CoachingSession.occurred_on.desc(), CoachingSession.id.desc()
        ).limit(query["limit"])
        db = get_session()
        return _list(policy.as_seen_by(db, api_user(), db.scalars(statement).all()))

    @blp.arguments(schemas.note_create_schema)
    @blp.response(201, SessionOutSchema, headers=ETAG_HEADER)
    @blp.alt_response(
        200,
        schema=SessionOutSchema,
        description="That client_uuid was seen before: the session it made",
        headers=ETAG_HEADER,
    )
    @authenticated(blp, *WRITE_ERRORS)
    def post(self, body: dict[str, Any]) -> Response:
        """Log a conversation as a draft (a rep's manager). Idempotent by client_uuid."""
        session, created = service.create_session(
            get_session(), api_user(), body, require_type=True
        )
        return _with_etag(session, 201 if created else 200)


@blp.route("/coaching-sessions/<int:session_id>")
class SessionResource(MethodView):
    @blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
    @authenticated(blp, *READ_ERRORS)
    def get(self, session_id: int) -> Response:
        """One session, with its ETag (the version) for a later PATCH."""
        return _with_etag(service.get_session(get_session(), api_user(), session_id))

    @blp.arguments(schemas.note_update_schema)
    @blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
    @blp.doc(parameters=IF_MATCH)
    @authenticated(blp, *VERSIONED_WRITE_ERRORS)
    def patch(self, body: dict[str, Any], session_id: int) -> Response:
        """Change a note (its author); 409 once the rep has acknowledged it."""
        session = service.update_session(
            get_session(), api_user(), session_id, body,
            expected_version=_if_match(), require_version=True,
        )  # fmt: skip
        return _with_etag(session)


@blp.post("/coaching-sessions/<int:session_id>/share")
@blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, 403, 404, 422)
def share(session_id: int) -> Response:
    """Share a draft with the rep (its author): draft → shared. Sharing again changes nothing.
    A note is shared when it would count as coaching (coachapp.coaching.counts): its type,
    at least one competency rated 1-4, one or two development focus areas and at most three
    strengths (one per line); otherwise 422 says what is missing, per field (`type`,
    `ratings`, `development_focus`, `strengths`)."""
    return _with_etag(service.share_session(get_session(), api_user(), session_id))


@blp.post("/coaching-sessions/<int:session_id>/acknowledge")
@blp.arguments(schemas.acknowledge_schema)
@blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, *WRITE_ERRORS)
def acknowledge(body: dict[str, Any], session_id: int) -> Response:
    """The rep acknowledges a shared note, optionally with a comment: shared → acknowledged."""
    session = service.acknowledge_session(get_session(), api_user(), session_id, body["comment"])
    return _with_etag(session)


@blp.post("/coaching-sessions/<int:session_id>/addendum")
@blp.arguments(schemas.addendum_schema)
@blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, *WRITE_ERRORS)
def addendum(body: dict[str, Any], session_id: int) -> Response:
    """Append to an acknowledged note (its author); the note itself no longer changes."""
    return _with_etag(service.add_addendum(get_session(), api_user(), session_id, body["text"]))


@blp.put("/coaching-sessions/<int:session_id>/self-assessment")
@blp.arguments(schemas.self_assessment_schema)
@blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, *WRITE_ERRORS)
def self_assessment(body: dict[str, Any], session_id: int) -> Response:
    """The rep rates themself on the note's guide competencies, on the same scale, before
    seeing the manager's ratings (blind); [] declines. Once the manager's ratings are open to
    the rep the self-rating is final: 409."""
    session = service.set_self_assessment(get_session(), api_user(), session_id, body["ratings"])
    return _with_etag(session)


@blp.post("/coaching-sessions/<int:session_id>/skip-self-rating")
@blp.response(200, SessionOutSchema, headers=ETAG_HEADER)
@authenticated(blp, 403, 404)
def skip_self_rating(session_id: int) -> Response:
    """The rep declines to rate themself on the note and reads the manager's ratings. Once
    the self-rating is settled this changes nothing."""
    return _with_etag(service.skip_self_rating(get_session(), api_user(), session_id))


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
