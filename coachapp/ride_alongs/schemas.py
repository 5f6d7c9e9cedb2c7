"""What a ride-along day's forms and API bodies may hold, written once: the JSON API loads
these schemas, and the day's pages read their forms into the same shapes and load them too
(coachapp.forms.FormBody), so a field says the same on both.

Rules that need the database or the clock are coachapp.ride_alongs.service's: one of the
rep's plans, one of the day's accounts, a competency of the day's guide, a call's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, validate

from coachapp.coaching.schemas import (
    FOLLOW_UP_EVIDENCE_MAX,
    SCORE_MAX,
    SCORE_MIN,
    FollowUpOutSchema,
    id_field,
    line_field,
    required_text,
    text_field,
)
from coachapp.field_messages import AT_MOST_CALLS
from coachapp.forms import FormId, Line
from coachapp.languages import N_
from coachapp.models import PlannedRideAlong

MAX_STOPS = 8  # accounts planned for one day
HELP_MAX = 1000  # the rep's "What do you want help with?"
OBJECTIVE_MAX = 300  # a call's objective
NAME_MAX = 160  # an account named without a plan
NOTE_MAX = 500  # the manager's planning note
CALL_EVIDENCE_MAX = 500  # what the manager saw on one call
AGREEMENT_EVIDENCE_MAX = FOLLOW_UP_EVIDENCE_MAX  # closes the follow-up: its evidence
MAX_CALL_RATINGS = 100

# What a captured call needs, said the same on the server and on a phone without signal.
# Also said on the page by its script before sending (translated there, gettext).
NEED_ACCOUNT = N_("Pick one of the day's accounts or name the account.")
NEED_SCORE = N_("Give each competency you ticked a rating, or untick it.")
NEED_SOMETHING = N_("Rate a competency you observed or write a line of evidence.")
PICK_DAY = N_("Pick the day of the ride-along.")
TOO_MANY_STOPS = AT_MOST_CALLS % {"max": MAX_STOPS}
SAY_WHAT_SHOWS_DONE = N_("Add a line of evidence: what shows it is done.")


class RideAlongCreateSchema(Schema):
    rep_id = FormId(required=True, error_messages={"required": N_("Choose the rep.")})
    day = fields.Date(
        required=True,
        error_messages={"required": PICK_DAY, "null": PICK_DAY, "invalid": PICK_DAY},
        metadata={"description": "From today to a year ahead, on the manager's calendar"},
    )
    plan_id = id_field(load_default=None, allow_none=True)
    note = line_field(NOTE_MAX, load_default="")


class StopInSchema(Schema):
    plan_id = id_field(
        load_default=None,
        allow_none=True,
        metadata={"description": "One of the rep's account plans (its account names the stop)"},
    )
    name = line_field(
        NAME_MAX, load_default="", metadata={"description": "An account without a plan"}
    )
    objective = line_field(
        OBJECTIVE_MAX, required=True, metadata={"description": "What this call is for"}
    )


class PreparationSchema(Schema):
    help_request = text_field(
        HELP_MAX, metadata={"description": 'Answer to "What do you want help with?"'}
    )
    stops = fields.List(
        fields.Nested(StopInSchema),
        validate=validate.Length(max=MAX_STOPS, error=TOO_MANY_STOPS),
        metadata={"description": "The day's accounts in visiting order; replaces the list"},
    )


class AgreementDoneSchema(Schema):
    evidence = required_text(Line, AGREEMENT_EVIDENCE_MAX, SAY_WHAT_SHOWS_DONE)


class CallRatingInSchema(Schema):
    competency_id = id_field(required=True)
    score = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(SCORE_MIN, SCORE_MAX),
        error_messages={"required": NEED_SCORE, "null": NEED_SCORE},
        metadata={"description": "On the guide's scale: only competencies observed are rated"},
    )


class CallInSchema(Schema):
    client_uuid = fields.UUID(
        load_default=None,
        metadata={"description": "Made on the phone; the same value again returns that call"},
    )
    stop_id = id_field(
        load_default=None, allow_none=True, metadata={"description": "One of the day's accounts"}
    )
    account_name = line_field(
        NAME_MAX, load_default="", metadata={"description": "Another account"}
    )
    guide_version_id = id_field(
        load_default=None,
        allow_none=True,
        metadata={"description": "The guide the ratings are on (fixes the day's at its first)"},
    )
    ratings = fields.List(
        fields.Nested(CallRatingInSchema),
        load_default=list,
        validate=validate.Length(max=MAX_CALL_RATINGS),
    )
    evidence = text_field(CALL_EVIDENCE_MAX, load_default="")
    captured_at = fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "When it was captured on the phone (default: now)"},
    )


ride_along_create_schema = RideAlongCreateSchema()
preparation_schema = PreparationSchema()
agreement_done_schema = AgreementDoneSchema()
call_schema = CallInSchema()


# What the API gives, and its list query --------------------------------------------------

LIST_DAYS_BACK = 30  # a list of ride-alongs starts this many days back by default


class StopOutSchema(Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    plan_id = fields.Integer(required=True, allow_none=True)
    account_id = fields.Integer(required=True, allow_none=True)
    name = fields.String(required=True)
    objective = fields.String(required=True)


class AgreementOutSchema(FollowUpOutSchema):
    completed_at = fields.AwareDateTime(required=True, allow_none=True)


class PreBriefOutSchema(Schema):
    note_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The last shared note"}
    )
    occurred_on = fields.Date(required=True, allow_none=True)
    agreements = fields.List(fields.Nested(AgreementOutSchema), required=True)


class RideAlongOutSchema(Schema):
    id = fields.Integer(required=True)
    manager_id = fields.Integer(required=True)
    rep_id = fields.Integer(required=True)
    day = fields.Date(required=True)
    plan_id = fields.Integer(required=True, allow_none=True)
    note = fields.String(required=True, metadata={"description": "The manager's note on it"})
    cancelled = fields.Method("_cancelled", required=True, metadata={"type": "boolean"})
    help_request = fields.String(
        required=True, metadata={"description": 'The rep\'s "What do you want help with?"'}
    )
    prepared_at = fields.AwareDateTime(required=True, allow_none=True)
    stops = fields.List(
        fields.Nested(StopOutSchema),
        required=True,
        metadata={"description": "The day's accounts, each with a call objective"},
    )
    guide_version_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The guide the calls are rated on; fixed at the first call"},
    )
    session_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The end-of-day note"}
    )
    version = fields.Integer(required=True)

    def _cancelled(self, ride: PlannedRideAlong) -> bool:
        return ride.cancelled_at is not None


class RideAlongDetailOutSchema(RideAlongOutSchema):
    pre_brief = fields.Nested(
        PreBriefOutSchema,
        required=True,
        metadata={"description": "The last shared note's agreements, with their status"},
    )


class CallRatingOutSchema(Schema):
    competency_id = fields.Integer(required=True)
    score = fields.Integer(required=True)


class CallOutSchema(Schema):
    id = fields.Integer(required=True)
    client_uuid = fields.UUID(required=True)
    ride_id = fields.Integer(required=True)
    stop_id = fields.Integer(required=True, allow_none=True)
    account_name = fields.String(required=True)
    ratings = fields.List(fields.Nested(CallRatingOutSchema), required=True)
    evidence = fields.String(required=True)
    captured_at = fields.AwareDateTime(required=True)


class RideAlongListQuerySchema(Schema):
    since = fields.Date(
        metadata={"description": f"From this day on; default {LIST_DAYS_BACK} days ago"}
    )


@dataclass
class RideView:
    """A ride-along with its pre-brief, as the detail schema reads it."""

    ride: PlannedRideAlong
    pre_brief: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ride, name)
