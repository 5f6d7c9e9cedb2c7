"""What an account-team review takes and gives, written once: the API loads these schemas, the
review form is read into the same shape and loaded with them (coachapp.forms.FormBody), and
the pages render their limits into the fields.

Rules that need the database or the clock are coachapp.reviews.service's: participants and
owners on the account's team, a day not after the author's today, due dates not before it,
earlier agreements of the same account.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from coachapp import policy
from coachapp.coaching.cadence import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from coachapp.coaching.schemas import (
    ENTER_DATE,
    FOLLOW_UP_TITLE_MAX,
    GIVE_DUE_DATE,
    at_most,
    required_text,
)
from coachapp.forms import FormId, Line, Lines
from coachapp.languages import N_
from coachapp.models import RATING_SCALE, FollowUpStatus, Function
from coachapp.reviews.lines import LINE_OF_FUNCTION, is_cross_functional, lines_of
from coachapp.reviews.lines import Line as OrgLine

# The 3C's in the order a review shows them (keys of coachapp.policy.THREE_C_COMPETENCIES,
# the competencies of the default guide), with the short name a review rates them by.
THREE_CS: tuple[tuple[str, str], ...] = (
    ("cross_functional_collaboration", N_("Collaboration")),
    ("account_team_coordination", N_("Coordination")),
    ("team_communication", N_("Communication")),
)
THREE_C_KEYS = tuple(key for key, _ in THREE_CS)
# For a table's narrow column on a phone.
THREE_C_SHORT = {
    "cross_functional_collaboration": N_("Collab."),
    "account_team_coordination": N_("Coord."),
    "team_communication": N_("Comm."),
}
THREE_C_LABELS = dict(THREE_CS)
THREE_C_HINTS = {
    "cross_functional_collaboration": N_("Works as one account team across functions."),
    "account_team_coordination": N_(
        "Sequences the team's activity so the customer meets one company."
    ),
    "team_communication": N_("Keeps the whole team informed, in time, in few words."),
}

PLAN_PROGRESS_MAX = 2000
EVIDENCE_MAX = 300  # one line: what the team did that shows it
COMMENT_MAX = 1000  # an acknowledgement's comment
MAX_PARTICIPANTS = 100
MAX_AGREEMENTS = 20
MAX_EARLIER_AGREEMENTS = 100

RATE_THE_TEAM = N_("Rate the team 1 to 4.")
RATE_EACH = N_("Rate the team on each of the 3C's: collaboration, coordination, communication.")
SAY_PROGRESS = N_("Say how the plan is progressing.")
SAY_AGREED = N_("Say what was agreed.")
CHOOSE_OWNER = N_("Choose who owns it.")
CHOOSE_PARTICIPANTS = N_("Choose at least one participant.")
CHOOSE_OUTCOME = N_("Choose open or done.")
CARRIED, CLOSED = "open", "done"


class ReviewRatingInSchema(Schema):
    competency_key = fields.String(
        required=True,
        validate=validate.OneOf(THREE_C_KEYS, error=RATE_EACH),
        metadata={"description": "One of " + ", ".join(THREE_C_KEYS)},
    )
    score = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(1, 4, error=RATE_THE_TEAM),
        error_messages={"required": RATE_THE_TEAM, "invalid": RATE_THE_TEAM, "null": RATE_THE_TEAM},
        metadata={"description": "The team as a whole, " + ", ".join(
            f"{value} {label}" for value, label in RATING_SCALE)},
    )  # fmt: skip
    evidence = Line(validate=at_most(EVIDENCE_MAX), load_default="")


class ReviewAgreementInSchema(Schema):
    title = required_text(Line, FOLLOW_UP_TITLE_MAX, SAY_AGREED)
    owner_id = FormId(
        required=True,
        error_messages={"required": CHOOSE_OWNER, "null": CHOOSE_OWNER},
        metadata={"description": "A member of the account's team (any line), or the author"},
    )
    due_date = fields.Date(
        required=True,
        error_messages={"required": GIVE_DUE_DATE, "invalid": GIVE_DUE_DATE, "null": GIVE_DUE_DATE},
        metadata={"description": "Not before the day of the review"},
    )


class ReviewEarlierAgreementInSchema(Schema):
    id = FormId(required=True, metadata={"description": "An open agreement of an earlier review"})
    status = fields.String(
        required=True,
        validate=validate.OneOf((CARRIED, CLOSED), error=CHOOSE_OUTCOME),
        error_messages={"required": CHOOSE_OUTCOME},
        metadata={"description": "open: carried forward; done: marked done at this review"},
    )


def _each_c_once(ratings: list[dict[str, Any]]) -> None:
    """A field validator of the list: it runs only once every rating in it is valid (a
    schema-level hook would run on a half-valid list and mix the list's message with the
    ratings' own, keyed by position)."""
    if sorted(item["competency_key"] for item in ratings) != sorted(THREE_C_KEYS):
        raise ValidationError(RATE_EACH)


class ReviewCreateSchema(Schema):
    """A review as recorded: complete, shared on saving (no drafts, no later changes)."""

    client_uuid = fields.UUID(
        load_default=None,
        metadata={"description": "Made by the client; the same value again returns that review"},
    )
    account_id = FormId(
        required=True,
        metadata={"description": "An account with someone reporting to the caller on its team"},
    )
    held_on = fields.Date(
        load_default=None,
        error_messages={"invalid": ENTER_DATE, "null": ENTER_DATE},
        metadata={
            "description": "The day of the review on the author's calendar: today there when "
            "left out; a later day is refused (422)"
        },
    )
    participant_ids = fields.List(
        FormId(),
        load_default=None,
        validate=validate.Length(min=1, max=MAX_PARTICIPANTS, error=CHOOSE_PARTICIPANTS),
        error_messages={"null": CHOOSE_PARTICIPANTS},
        metadata={"description": "Members of the account's team; left out, all of them"},
    )
    plan_progress = required_text(Lines, PLAN_PROGRESS_MAX, SAY_PROGRESS)
    ratings = fields.List(
        fields.Nested(ReviewRatingInSchema),
        required=True,
        validate=_each_c_once,
        error_messages={"required": RATE_EACH, "null": RATE_EACH},
        metadata={"description": "Exactly one per 3C competency, for the team as a whole"},
    )
    agreements = fields.List(
        fields.Nested(ReviewAgreementInSchema),
        load_default=list,
        validate=validate.Length(
            max=MAX_AGREEMENTS, error=f"Keep to {MAX_AGREEMENTS} agreements at most."
        ),
        metadata={"description": "Cross-functional agreements: follow-ups of their owners"},
    )
    earlier_agreements = fields.List(
        fields.Nested(ReviewEarlierAgreementInSchema),
        load_default=list,
        validate=validate.Length(max=MAX_EARLIER_AGREEMENTS),
        metadata={
            "description": "Open agreements of the account's earlier reviews marked done here "
            "(status done) or carried forward (open, also the default for those left out)"
        },
    )


class ReviewAcknowledgeSchema(Schema):
    comment = Lines(
        load_default="",
        validate=at_most(COMMENT_MAX),
        metadata={"description": "Optional; the first acknowledgement stands"},
    )


review_create_schema = ReviewCreateSchema()
acknowledge_schema = ReviewAcknowledgeSchema()


# Out ----------------------------------------------------------------------------------------


class ReviewPersonOutSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ReviewAccountOutSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ReviewParticipantOutSchema(Schema):
    user_id = fields.Integer(required=True)
    name = fields.String(attribute="user.name", required=True)
    function = fields.Enum(Function, by_value=True, required=True)
    line = fields.Method("_line", required=True, metadata={"description": "Their line"})
    line_manager_id = fields.Integer(attribute="user.manager_id", required=True, allow_none=True)

    def _line(self, participant: Any) -> str:
        return LINE_OF_FUNCTION[participant.function].value


class ReviewRatingOutSchema(Schema):
    competency_key = fields.String(required=True)
    name = fields.Method("_name", required=True)
    score = fields.Integer(required=True)
    evidence = fields.String(required=True)

    def _name(self, rating: Any) -> str:
        return THREE_C_LABELS.get(rating.competency_key, rating.competency_key)


class ReviewAgreementOutSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    owner_id = fields.Integer(required=True)
    owner_name = fields.String(attribute="owner.name", required=True)
    due_date = fields.Date(required=True)
    status = fields.Enum(FollowUpStatus, by_value=True, required=True)


class ReviewEarlierAgreementOutSchema(Schema):
    id = fields.Integer(attribute="follow_up.id", required=True)
    title = fields.String(attribute="follow_up.title", required=True)
    owner_id = fields.Integer(attribute="follow_up.owner_id", required=True)
    owner_name = fields.String(attribute="follow_up.owner.name", required=True)
    due_date = fields.Date(attribute="follow_up.due_date", required=True)
    outcome = fields.String(
        required=True,
        metadata={"description": "At this review: open (carried forward) or done"},
    )
    status = fields.Enum(
        FollowUpStatus,
        by_value=True,
        attribute="follow_up.status",
        required=True,
        metadata={"description": "Now"},
    )


class ReviewAcknowledgementOutSchema(Schema):
    user_id = fields.Integer(required=True)
    name = fields.String(attribute="user.name", required=True)
    at = fields.AwareDateTime(attribute="acknowledged_at", required=True)
    comment = fields.String(required=True, allow_none=True)


class ReviewOutSchema(Schema):
    id = fields.Integer(required=True)
    client_uuid = fields.UUID(required=True)
    account = fields.Nested(ReviewAccountOutSchema, required=True)
    author = fields.Nested(ReviewPersonOutSchema, required=True)
    held_on = fields.Date(required=True)
    plan_progress = fields.String(required=True)
    plan_summary = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "The account's live plans at the review: period, owner, goals "
            "(title, status, target_date) and open actions (title, owner, due_date, overdue)"
        },
    )
    participants = fields.List(fields.Nested(ReviewParticipantOutSchema), required=True)
    lines = fields.Method(
        "_lines",
        required=True,
        metadata={"description": "The participants' lines: " + ", ".join(line for line in OrgLine)},
    )
    cross_functional = fields.Method(
        "_cross_functional",
        required=True,
        metadata={"description": "Participants from two lines or more"},
    )
    ratings = fields.List(fields.Nested(ReviewRatingOutSchema), required=True)
    agreements = fields.List(fields.Nested(ReviewAgreementOutSchema), required=True)
    earlier_agreements = fields.List(fields.Nested(ReviewEarlierAgreementOutSchema), required=True)
    acknowledgements = fields.List(fields.Nested(ReviewAcknowledgementOutSchema), required=True)
    awaiting_acknowledgement = fields.Method(
        "_awaiting",
        required=True,
        metadata={"description": "Ids of participants and line managers yet to acknowledge"},
    )
    created_at = fields.AwareDateTime(required=True)

    def _lines(self, review: Any) -> list[str]:
        return [line.value for line in lines_of(p.function for p in review.participants)]

    def _cross_functional(self, review: Any) -> bool:
        return is_cross_functional(p.function for p in review.participants)

    def _awaiting(self, review: Any) -> list[int]:
        done = {a.user_id for a in review.acknowledgements}
        return sorted(policy.review_acknowledgers(review) - done)


class ReviewListQuerySchema(Schema):
    account_id = FormId(metadata={"description": "Only the reviews of this account"})


# The account teams' figures (coachapp.reviews.figures) --------------------------------------


class AccountTeamsQuerySchema(Schema):
    window_days = fields.Integer(
        load_default=DEFAULT_WINDOW_DAYS,
        validate=validate.Range(1, MAX_WINDOW_DAYS),
        metadata={"description": "Days, ending with the caller's today, whose reviews count"},
    )
    region = Line(
        validate=validate.Length(max=80), metadata={"description": "Only accounts in this region"}
    )


class ThreeCFigureSchema(Schema):
    competency_key = fields.String(attribute="key", required=True)
    name = fields.String(required=True)
    average = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "Mean score (1-4) of the reviews in the period; null: none"},
    )
    reviews = fields.Integer(required=True, metadata={"description": "Reviews it rests on"})


class AccountTeamFiguresSchema(Schema):
    account_id = fields.Integer(attribute="account.id", required=True)
    name = fields.String(attribute="account.name", required=True)
    region = fields.String(attribute="account.region", required=True)
    reviews = fields.Integer(required=True, metadata={"description": "Held in the period"})
    cross_functional_reviews = fields.Integer(
        required=True, metadata={"description": "Of those, with participants of 2+ lines"}
    )
    had_cross_functional_review = fields.Boolean(required=True)
    last_review_on = fields.Date(required=True, allow_none=True)
    three_cs = fields.List(fields.Nested(ThreeCFigureSchema), required=True)


class AccountTeamsSchema(Schema):
    window_days = fields.Integer(required=True)
    start = fields.Date(data_key="from", required=True, metadata={"description": "First day"})
    end = fields.Date(data_key="to", required=True, metadata={"description": "Last day: today"})
    accounts_total = fields.Integer(
        required=True, metadata={"description": "Account teams in the caller's scope"}
    )
    accounts_with_cross_functional_review = fields.Integer(
        required=True, metadata={"description": "Of those, with a cross-functional review held"}
    )
    reviews = fields.Integer(required=True, metadata={"description": "Reviews held in the period"})
    three_cs = fields.List(
        fields.Nested(ThreeCFigureSchema),
        required=True,
        metadata={"description": "Every review in the period, all accounts together"},
    )
    accounts = fields.List(fields.Nested(AccountTeamFiguresSchema), required=True)
