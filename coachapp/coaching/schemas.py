"""What a coaching note and what is added to it may hold, written once: the JSON API loads
these schemas, the note's pages read their forms into the same shape and load them too
(coachapp.forms.FormBody), and a note kept on a phone is sent as one or the other.

Each limit and message is here once; the pages render the limits into their fields
(`limits`), so the phone says the same before anything is sent. Rules that need the
database or the clock are coachapp.coaching.service's: a competency of the note's guide, a
day not after the author's today, the caps on strengths and focus, who owns a follow-up.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from coachapp.coaching.counts import CHOOSE_TYPE
from coachapp.forms import MAX_ID, FormId, Line, Lines, too_long
from coachapp.models import NOT_OBSERVED_LABEL, RATING_SCALE, FollowUpStatus, NoteType

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
GIVE_DUE_DATE = "Give the follow-up a due date."
WRITE_ADDENDUM = "Write the addendum."


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


# Ratings and follow-ups --------------------------------------------------------------------


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


# The note ---------------------------------------------------------------------------------


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


# After sharing ----------------------------------------------------------------------------


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
    "strengths": max_length(note_update_schema.fields["strengths"]),
    "development_focus": max_length(note_update_schema.fields["development_focus"]),
    "private_notes": max_length(note_update_schema.fields["private_notes"]),
    "evidence": max_length(RatingInSchema().fields["evidence"]),
    "follow_up_title": max_length(follow_up_schema.fields["title"]),
    "comment": max_length(acknowledge_schema.fields["comment"]),
    "addendum": max_length(addendum_schema.fields["text"]),
}
TOO_LONG = {name: too_long(limit) for name, limit in LIMITS.items()}
