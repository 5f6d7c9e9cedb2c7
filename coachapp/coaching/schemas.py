"""What a coaching note and what is added to it may hold, and what the API gives of them,
written once: the JSON API loads and dumps these schemas, the note's pages read their forms
into the same shape and load them too (coachapp.forms.FormBody), and a note kept on a phone
is sent as one or the other.

Each limit and message is here once; the pages render the limits into their fields
(`limits`), so the phone says the same before anything is sent. Rules that need the
database or the clock are coachapp.coaching.service's: a competency of the note's guide, a
day not after the author's today, the caps on strengths and focus, who owns a follow-up.
A note's content fields (CONTENT_FIELDS) are read from the change schema: a field added
there is saved, compared and audited by the service, and read from the debrief form.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, ValidationError, fields, post_dump, validate

from coachapp.coaching import blind, specificity
from coachapp.coaching.counts import CHOOSE_TYPE
from coachapp.forms import MAX_ID, FormId, Line, Lines, too_long
from coachapp.languages import N_
from coachapp.models import (
    NOT_OBSERVED_LABEL,
    RATING_SCALE,
    FollowUpStatus,
    GuideStatus,
    GuideVersion,
    NoteStatus,
    NoteType,
)
from coachapp.observations.shapes import AttachedObservationOutSchema

if TYPE_CHECKING:
    from coachapp.coaching.note_view import NoteView

NOTE_TEXT_MAX = 5000  # strengths, development focus, private notes, an addendum
EVIDENCE_MAX = 2000  # what was seen for one rating
COMMENT_MAX = 2000  # the rep's acknowledgement
FOLLOW_UP_TITLE_MAX = 200
FOLLOW_UP_EVIDENCE_MAX = 300  # one line: what shows a follow-up is done
MAX_RATINGS = 100
MAX_FOLLOW_UPS = 50

SCORE_MIN, SCORE_MAX = RATING_SCALE[0][0], RATING_SCALE[-1][0]
SCORE_DESCRIPTION = (
    f"{SCORE_MIN}-{SCORE_MAX} on the guide's scale ("
    + ", ".join(f"{value} {label}" for value, label in RATING_SCALE)
    + f"), or null for {NOT_OBSERVED_LABEL.lower()}"
)

CHOOSE_SCORE = "Choose 1 to 4, or not observed."
ENTER_DATE = "Enter the date of the conversation."
SAY_WHAT = "Say what will be done."
GIVE_DUE_DATE = N_("Give the follow-up a due date.")
WRITE_ADDENDUM = N_("Write the addendum.")


def at_most(limit: int) -> validate.Length:
    return validate.Length(max=limit, error=too_long(limit))


def id_field(**kw: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ID), **kw)


def text_field(limit: int, **kw: Any) -> fields.String:
    """Text of several lines (coachapp.forms.Lines) of at most `limit` characters."""
    return Lines(validate=at_most(limit), **kw)


def line_field(limit: int, **kw: Any) -> fields.String:
    """One line of text (coachapp.forms.Line): a title, a name."""
    return Line(validate=at_most(limit), **kw)


def _written(message: str) -> Any:
    def check(value: str) -> None:
        if not value.strip():
            raise ValidationError(message)

    return check


def required_text(kind: type[fields.String], limit: int, message: str) -> fields.String:
    """Text that must say something (spaces alone do not): `message` when it is left out,
    empty or blank."""
    return kind(
        required=True,
        validate=[_written(message), at_most(limit)],
        error_messages={"required": message, "null": message},
    )


def score_field(**kw: Any) -> fields.Integer:
    return fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(SCORE_MIN, SCORE_MAX, error=CHOOSE_SCORE),
        error_messages={"invalid": CHOOSE_SCORE, "required": CHOOSE_SCORE},
        metadata={"description": SCORE_DESCRIPTION},
        **kw,
    )


def _kind(**kw: Any) -> fields.Enum:
    messages: dict[str, Any] = {"unknown": CHOOSE_TYPE, "null": CHOOSE_TYPE}
    return fields.Enum(NoteType, by_value=True, error_messages=messages, **kw)


def _day(**kw: Any) -> fields.Date:
    return fields.Date(error_messages={"invalid": ENTER_DATE, "null": ENTER_DATE}, **kw)


def _due_date(**kw: Any) -> fields.Date:
    return fields.Date(
        error_messages={"required": GIVE_DUE_DATE, "invalid": GIVE_DUE_DATE, "null": GIVE_DUE_DATE},
        **kw,
    )


def _note_text(**kw: Any) -> fields.String:
    return text_field(NOTE_TEXT_MAX, **kw)


# Ratings and follow-ups ------------------------------------------------------------------


class RatingInSchema(Schema):
    competency_id = id_field(required=True)
    score = score_field(load_default=None)
    evidence = text_field(EVIDENCE_MAX, load_default="")


class FollowUpInSchema(Schema):
    title = required_text(Line, FOLLOW_UP_TITLE_MAX, SAY_WHAT)
    owner_id = id_field(
        load_default=None,
        allow_none=True,
        metadata={"description": "The rep (the default) or the note's author"},
    )
    due_date = _due_date(required=True)
    action_item_id = id_field(
        load_default=None,
        allow_none=True,
        metadata={"description": "A plan action item this follow-up completes with it"},
    )


class FollowUpChangeSchema(FollowUpInSchema):
    """A follow-up in a note's change: with the id of an existing one it is kept (and changed)."""

    id = id_field(metadata={"description": "An existing follow-up of this session"})
    status = fields.Enum(FollowUpStatus, by_value=True)


class FollowUpPatchSchema(Schema):
    """One follow-up changed on its own: done, cancelled, re-opened, re-dated."""

    status = fields.Enum(FollowUpStatus, by_value=True)
    due_date = _due_date()
    title = Line(
        validate=[_written(SAY_WHAT), at_most(FOLLOW_UP_TITLE_MAX)],
        error_messages={"null": SAY_WHAT},
    )
    evidence = line_field(
        FOLLOW_UP_EVIDENCE_MAX,
        allow_none=True,
        metadata={"description": "One line: what shows it was done"},
    )


# The note --------------------------------------------------------------------------------


class SessionCreateSchema(Schema):
    client_uuid = fields.UUID(
        load_default=None,
        metadata={"description": "Made by the client; the same value again returns that note"},
    )
    rep_id = FormId(required=True, error_messages={"required": "Choose the rep."})
    guide_version_id = id_field(
        load_default=None,
        allow_none=True,
        metadata={"description": "Defaults to the guide for the rep's function"},
    )
    type = _kind(
        load_default=None,
        metadata={
            "description": "The kind of conversation, chosen: never defaulted. Left out, it is "
            "ride_along only when a ride-along with the rep is planned on occurred_on; "
            "otherwise 422 (fields.type)"
        },
    )
    occurred_on = _day(
        load_default=None,
        metadata={
            "description": "The day of the conversation on the manager's calendar (their time "
            "zone): today there when left out; a later day is refused (422)"
        },
    )
    account_id = id_field(load_default=None, allow_none=True)
    plan_id = id_field(load_default=None, allow_none=True)
    ratings = fields.List(
        fields.Nested(RatingInSchema), load_default=list, validate=validate.Length(max=MAX_RATINGS)
    )
    strengths = _note_text(load_default="")
    development_focus = _note_text(load_default="")
    private_notes = _note_text(load_default="")
    follow_ups = fields.List(
        fields.Nested(FollowUpInSchema),
        load_default=list,
        validate=validate.Length(max=MAX_FOLLOW_UPS),
    )


class SessionPatchSchema(Schema):
    """A change to part of a note: what is left out stays as it is."""

    type = _kind()
    occurred_on = _day(metadata={"description": "Not after today on the author's calendar (422)"})
    account_id = id_field(allow_none=True)
    plan_id = id_field(allow_none=True)
    ratings = fields.List(
        fields.Nested(RatingInSchema),
        validate=validate.Length(max=MAX_RATINGS),
        metadata={"description": "Replaces every rating"},
    )
    strengths = _note_text()
    development_focus = _note_text()
    private_notes = _note_text()
    follow_ups = fields.List(
        fields.Nested(FollowUpChangeSchema),
        validate=validate.Length(max=MAX_FOLLOW_UPS),
        metadata={"description": "The note's follow-ups: those left out are removed"},
    )


# After sharing ---------------------------------------------------------------------------


class AcknowledgeSchema(Schema):
    comment = text_field(COMMENT_MAX, load_default="")


class AddendumSchema(Schema):
    text = required_text(Lines, NOTE_TEXT_MAX, WRITE_ADDENDUM)


class SelfRatingInSchema(Schema):
    competency_id = id_field(required=True)
    score = score_field(required=True)


class SelfAssessmentInSchema(Schema):
    ratings = fields.List(
        fields.Nested(SelfRatingInSchema),
        load_default=list,
        validate=validate.Length(max=MAX_RATINGS),
        metadata={"description": "Replaces the rep's earlier self-assessment; [] clears it"},
    )


class PendingSelfAssessmentInSchema(Schema):
    guide_version_id = id_field(
        load_default=None,
        allow_none=True,
        metadata={"description": "A published guide version; defaults to the rep's guide"},
    )
    ratings = fields.List(
        fields.Nested(SelfRatingInSchema),
        load_default=list,
        validate=validate.Length(max=MAX_RATINGS),
        metadata={"description": "Replaces the waiting self-assessment; [] clears it"},
    )


# The note's own columns a change sets as given (ratings and follow-ups are rows of their
# own): the service saves, compares and audits exactly these.
CONTENT_FIELDS = tuple(
    name for name in SessionPatchSchema._declared_fields if name not in ("ratings", "follow_ups")
)

note_create_schema = SessionCreateSchema()
note_update_schema = SessionPatchSchema()
follow_up_schema = FollowUpInSchema()
follow_up_update_schema = FollowUpPatchSchema()
acknowledge_schema = AcknowledgeSchema()
addendum_schema = AddendumSchema()
self_assessment_schema = SelfAssessmentInSchema()
pending_self_assessment_schema = PendingSelfAssessmentInSchema()


def max_length(field: fields.Field) -> int:
    """The most characters a field takes, as its Length validator says."""
    for check in field.validators:
        if isinstance(check, validate.Length) and check.max is not None:
            return check.max
    raise LookupError(f"{field!r} has no maximum length")


# The limits the note's forms show on their fields (maxlength, and the message the phone
# gives before sending), read from the schemas above.
LIMITS = {
    **{
        name: max_length(field)
        for name, field in note_update_schema.fields.items()
        if isinstance(field, fields.String)
    },
    "evidence": max_length(RatingInSchema().fields["evidence"]),
    "follow_up_title": max_length(follow_up_schema.fields["title"]),
    "comment": max_length(acknowledge_schema.fields["comment"]),
    "addendum": max_length(addendum_schema.fields["text"]),
}
TOO_LONG = {name: too_long(limit) for name, limit in LIMITS.items()}


# What the API gives, and its queries: flask-smorest names each OpenAPI component after its
# schema class, so these class names are part of the published document.

FOLLOW_UP_FILTERS = ("open", "done", "cancelled", "all")


# Guides ----------------------------------------------------------------------------------


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


# The note as the API gives it ------------------------------------------------------------


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
    observations = fields.List(
        fields.Nested(AttachedObservationOutSchema),
        required=True,
        metadata={
            "description": "Observations from the account team (colleagues of other lines "
            "on a shared account) attached to the note by its author: for the author, and "
            "for the rep once the note is shared"
        },
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


# Lists of notes --------------------------------------------------------------------------


class SessionListQuerySchema(Schema):
    rep_id = fields.Integer(validate=validate.Range(1, MAX_ID))
    status = fields.Enum(NoteStatus, by_value=True)


# Follow-ups ------------------------------------------------------------------------------


class FollowUpListQuerySchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(FOLLOW_UP_FILTERS))
