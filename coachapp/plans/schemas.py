"""The shapes of plans and their items: what the HTML forms and the JSON API take, and what the
API gives."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, fields, validate

from coachapp.auth.callers import api_user
from coachapp.forms import Line, Lines, too_long
from coachapp.models import (
    PROFILE_AREAS,
    AccountPlan,
    AccountType,
    ActionStatus,
    ActualSource,
    DecisionRole,
    Function,
    GoalKind,
    GoalStatus,
    InsightStatus,
    PlanGoal,
    PlanStatus,
    Relationship,
)
from coachapp.plans.attainment import Track, attainment_of_plan, goal_attainment
from coachapp.plans.completeness import plan_completeness
from coachapp.plans.impact import GroupBy
from coachapp.plans.quarters import Quarter
from coachapp.timezones import local_today

PERIOD = re.compile(r"^20\d\d-(H1|H2|Q[1-4]|FY)$")
PERIOD_MESSAGE = "Use a period like 2026-H2, 2026-Q3 or 2026-FY."
LONG_TEXT = validate.Length(max=5000)
INSIGHT_MAX = 2000  # characters of one insight
COMMENT_MAX = 2000  # characters of one comment


def _line(max_length: int, required_message: str) -> fields.String:
    """A required line; clearing it when editing gets the same message as leaving it out."""
    return Line(
        required=True,
        validate=[validate.Length(min=1, error=required_message), validate.Length(max=max_length)],
        error_messages={"required": required_message},
    )


class PlanCreateSchema(Schema):
    account_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    account_name = Line(load_default=None, validate=validate.Length(max=200))
    account_type = fields.Enum(AccountType, by_value=True, load_default=AccountType.IDN)
    account_region = Line(load_default="", validate=validate.Length(max=80))
    period = fields.String(
        required=True,
        validate=validate.Regexp(PERIOD, error=PERIOD_MESSAGE),
        error_messages={"required": "Enter the period, e.g. 2026-H2."},
    )
    status = fields.Enum(PlanStatus, by_value=True, load_default=PlanStatus.DRAFT)
    strategic_priorities = Lines(load_default="", validate=LONG_TEXT)


APPROVAL_SETTING = "The owner approves each insight a teammate adds before others see it"


class PlanUpdateSchema(Schema):
    period = fields.String(validate=validate.Regexp(PERIOD, error=PERIOD_MESSAGE))
    status = fields.Enum(PlanStatus, by_value=True)
    insights_need_approval = fields.Boolean(metadata={"description": APPROVAL_SETTING})
    strategic_priorities = Lines(validate=LONG_TEXT)
    profile_business = Lines(validate=LONG_TEXT)
    profile_clinical = Lines(validate=LONG_TEXT)
    profile_operational = Lines(validate=LONG_TEXT)
    profile_reimbursement = Lines(validate=LONG_TEXT)


# Suggestions for a goal's metric; any short label will do.
METRIC_SUGGESTIONS = (
    "Formulary status",
    "Patients on therapy",
    "Share of infusion chairs",
    "Contracted sites",
    "Time to access",
    "New starts",
    "Covered lives",
)
STAGES_MAX = 12
STAGE_MAX = 80
# Bounds of any goal figure: enough for covered lives or net sales, never an overflow.
FIGURE = validate.Range(
    min=-1e12, max=1e12, error="Enter a number between -1,000,000,000,000 and 1,000,000,000,000."
)


class Stages(fields.Field):
    """A stage goal's stages in order: a JSON list of names, or one stage per line (a form's
    text area). Empty lines are dropped; each stage is one line."""

    default_error_messages = {
        "invalid": "List the stages in order, one per line.",
        "too_many": f"Use at most {STAGES_MAX} stages.",
        "too_long": f"Keep each stage to {STAGE_MAX} characters.",
        "control": "Each stage is one line of plain text.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> list[str]:
        if isinstance(value, str):
            items: list[Any] = value.replace("\r\n", "\n").split("\n")
        elif isinstance(value, list):
            items = value
        else:
            raise self.make_error("invalid")
        if not all(isinstance(item, str) for item in items):
            raise self.make_error("invalid")
        stages = [item.strip() for item in items if item.strip()]
        if len(stages) > STAGES_MAX:
            raise self.make_error("too_many")
        if any(len(stage) > STAGE_MAX for stage in stages):
            raise self.make_error("too_long")
        if any(not ch.isprintable() for stage in stages for ch in stage):
            raise self.make_error("control")
        return stages

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kw: Any) -> list[str]:
        return list(value or [])


class GoalSchema(Schema):
    title = _line(200, "Name the goal.")
    measure = Line(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "How success is judged, in the team's words"},
    )
    target_date = fields.Date(load_default=None, allow_none=True)
    status = fields.Enum(GoalStatus, by_value=True, load_default=GoalStatus.ON_TRACK)
    value = Line(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=80),
        metadata={"description": "What reaching the goal is worth (value at stake)"},
    )
    kind = fields.Enum(
        GoalKind,
        by_value=True,
        load_default=GoalKind.NUMERIC,
        metadata={"description": "numeric: a number moves from baseline to target; stages: "
                  "ordered milestones, an actual is the number of the stage reached"},
    )  # fmt: skip
    metric = Line(
        load_default="",
        validate=validate.Length(max=80),
        metadata={"description": "What is counted, e.g. " + ", ".join(METRIC_SUGGESTIONS)},
    )
    unit = Line(load_default="", validate=validate.Length(max=40))
    baseline = fields.Float(load_default=None, allow_none=True, validate=FIGURE)
    baseline_date = fields.Date(load_default=None, allow_none=True)
    target = fields.Float(load_default=None, allow_none=True, validate=FIGURE)
    stages = Stages(
        load_default=list,
        metadata={"type": "array", "items": {"type": "string"}, "maxItems": STAGES_MAX},
    )


class ActionSchema(Schema):
    title = _line(200, "Describe the action.")
    owner_id = fields.Integer(
        required=True, strict=False, error_messages={"required": "Choose who owns it."}
    )
    due_date = fields.Date(load_default=None, allow_none=True)
    status = fields.Enum(ActionStatus, by_value=True, load_default=ActionStatus.OPEN)


class StakeholderSchema(Schema):
    name = _line(120, "Enter the person's name.")
    title = Line(load_default="", validate=validate.Length(max=120))
    decision_role = fields.Enum(DecisionRole, by_value=True, load_default=DecisionRole.INFLUENCER)
    relationship = fields.Enum(Relationship, by_value=True, load_default=Relationship.NEUTRAL)


class TeamMemberSchema(Schema):
    user_id = fields.Integer(
        required=True, strict=False, error_messages={"required": "Choose a colleague."}
    )
    responsibility = Line(load_default="", validate=validate.Length(max=200))


CLIENT_UUID = {"description": "Made by the client; the same value again returns what it made"}


class CommentSchema(Schema):
    client_uuid = fields.UUID(load_default=None, metadata=CLIENT_UUID)
    body = Lines(
        required=True,
        validate=[
            validate.Length(min=1, error="Write a comment."),
            validate.Length(max=COMMENT_MAX, error=too_long(COMMENT_MAX)),
        ],
        error_messages={"required": "Write a comment."},
    )


class InsightSchema(Schema):
    """What a member of the account team learnt about the customer, in one profiling area."""

    client_uuid = fields.UUID(load_default=None, metadata=CLIENT_UUID)
    area = fields.String(
        required=True,
        validate=validate.OneOf(PROFILE_AREAS, error="Choose a profiling area."),
        error_messages={"required": "Choose a profiling area."},
        metadata={"enum": list(PROFILE_AREAS)},
    )
    text = Lines(
        required=True,
        validate=[
            validate.Length(min=1, error="Write the insight."),
            validate.Length(max=INSIGHT_MAX, error=too_long(INSIGHT_MAX)),
        ],
        error_messages={"required": "Write the insight."},
    )


class ActualSchema(Schema):
    """Where a goal stood on a date: the form on the plan page, the API and imports alike."""

    client_uuid = fields.UUID(load_default=None, metadata=CLIENT_UUID)
    measured_on = fields.Date(
        data_key="date",
        required=True,
        error_messages={"required": "Enter the date it was measured.",
                        "invalid": "Enter a date like 2026-03-31."},
    )  # fmt: skip
    value = fields.Float(
        required=True,
        validate=FIGURE,
        error_messages={"required": "Enter the value.", "invalid": "Enter a number."},
        metadata={"description": "In the goal's unit; for a stage goal the number of the "
                  "stage reached (1 = the first)"},
    )  # fmt: skip


class ActualPatchSchema(Schema):
    measured_on = fields.Date(
        data_key="date", error_messages={"invalid": "Enter a date like 2026-03-31."}
    )
    value = fields.Float(validate=FIGURE, error_messages={"invalid": "Enter a number."})


class InsightDecisionSchema(Schema):
    """The plan owner's answer to an insight waiting for approval."""

    decision = fields.String(
        required=True,
        validate=validate.OneOf(("approve", "decline"), error="Approve or decline."),
        error_messages={"required": "Approve or decline."},
        metadata={"enum": ["approve", "decline"]},
    )


plan_create_schema = PlanCreateSchema()
plan_update_schema = PlanUpdateSchema(partial=True)
goal_schema = GoalSchema()
goal_update_schema = GoalSchema(partial=True)
action_schema = ActionSchema()
action_update_schema = ActionSchema(partial=True)
stakeholder_schema = StakeholderSchema()
stakeholder_update_schema = StakeholderSchema(partial=True)
team_member_schema = TeamMemberSchema()
comment_schema = CommentSchema()
insight_schema = InsightSchema()
insight_decision_schema = InsightDecisionSchema()
actual_schema = ActualSchema()


# What the API gives (DESIGN.md "account plan"), its plan change and list query. flask-smorest
# names each OpenAPI component after its schema class: these class names are published.


class AccountOutSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    type = fields.Enum(AccountType, by_value=True, required=True)
    region = fields.String(required=True)
    external_id = fields.String(required=True, allow_none=True)


class ActualOutSchema(Schema):
    id = fields.Integer(required=True)
    client_uuid = fields.UUID(required=True)
    goal_id = fields.Integer(required=True)
    date = fields.Date(required=True, attribute="measured_on")
    value = fields.Float(
        required=True,
        metadata={"description": "In the goal's unit; for a stage goal the stage reached (1 = "
                  "the first)"},
    )  # fmt: skip
    source = fields.Enum(ActualSource, by_value=True, required=True)
    recorded_by_id = fields.Integer(required=True, allow_none=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)


class AttainmentOutSchema(Schema):
    track = fields.Enum(
        Track,
        by_value=True,
        required=True,
        metadata={"description": "on_track / at_risk by the straight line from the baseline "
                  "date to the target date; no_data without actuals or figures; no_timeline "
                  "without both dates"},
    )  # fmt: skip
    progress = fields.Float(
        required=True, allow_none=True, metadata={"description": "0..1 from baseline to target"}
    )
    expected = fields.Float(required=True, allow_none=True)
    latest_value = fields.Float(required=True, allow_none=True)
    latest_on = fields.Date(required=True, allow_none=True)
    actuals = fields.Integer(required=True)


class GoalOutSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    measure = fields.String(required=True)
    target_date = fields.Date(required=True, allow_none=True)
    status = fields.Enum(GoalStatus, by_value=True, required=True)
    value = fields.String(required=True, allow_none=True)
    kind = fields.Enum(GoalKind, by_value=True, required=True)
    metric = fields.String(required=True)
    unit = fields.String(required=True)
    baseline = fields.Float(required=True, allow_none=True)
    baseline_date = fields.Date(required=True, allow_none=True)
    target = fields.Float(required=True, allow_none=True)
    stages = fields.List(fields.String(), required=True)
    actuals = fields.List(fields.Nested(ActualOutSchema), required=True)
    attainment = fields.Nested(AttainmentOutSchema, required=True)
    version = fields.Integer(required=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "attainment" and isinstance(obj, PlanGoal):
            return goal_attainment(obj, obj.actuals, local_today(api_user().timezone))
        return super().get_attribute(obj, attr, default)


class ActionOutSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    owner_id = fields.Integer(required=True)
    due_date = fields.Date(required=True, allow_none=True)
    status = fields.Enum(ActionStatus, by_value=True, required=True)
    version = fields.Integer(required=True)


class StakeholderOutSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    title = fields.String(required=True)
    decision_role = fields.Enum(DecisionRole, by_value=True, required=True)
    relationship = fields.Enum(
        Relationship, by_value=True, required=True, attribute="relationship_strength"
    )
    version = fields.Integer(required=True)


class TeamMemberOutSchema(Schema):
    user_id = fields.Integer(required=True)
    name = fields.String(required=True, attribute="user.name")
    function = fields.Enum(Function, by_value=True, required=True, attribute="user.function")
    responsibility = fields.String(required=True)


class ProfileSchema(Schema):
    business = Lines(validate=LONG_TEXT)
    clinical = Lines(validate=LONG_TEXT)
    operational = Lines(validate=LONG_TEXT)
    reimbursement = Lines(validate=LONG_TEXT)


class AuthorOutSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    function = fields.Enum(Function, by_value=True, required=True)


class InsightOutSchema(Schema):
    id = fields.Integer(required=True)
    client_uuid = fields.UUID(required=True)
    plan_id = fields.Integer(required=True)
    author = fields.Nested(AuthorOutSchema, required=True)
    area = fields.String(required=True, metadata={"enum": list(PROFILE_AREAS)})
    text = fields.String(required=True)
    status = fields.Enum(
        InsightStatus,
        by_value=True,
        required=True,
        metadata={
            "description": "pending: waits for the plan owner (seen by its author and the "
            "owner only); approved: seen by everyone who sees the plan; declined: by its author "
            "and the owner"
        },
    )
    created_at = fields.AwareDateTime(required=True)
    decided_at = fields.AwareDateTime(required=True, allow_none=True)


class CommentOutSchema(Schema):
    id = fields.Integer(required=True)
    client_uuid = fields.UUID(required=True)
    plan_id = fields.Integer(required=True)
    author = fields.Nested(AuthorOutSchema, required=True)
    body = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class CompletenessSchema(Schema):
    score = fields.Integer(required=True, validate=validate.Range(0, 100))
    missing = fields.List(fields.String(), required=True)


class PlanAttainmentOutSchema(Schema):
    progress = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "Mean progress (0..1) of the goals with data; null if none"},
    )
    goals_with_data = fields.Integer(
        required=True, metadata={"description": "How many goals the mean rests on"}
    )
    goals = fields.Integer(required=True)
    on_track = fields.Integer(required=True)
    at_risk = fields.Integer(required=True)


class PlanOutSchema(Schema):
    id = fields.Integer(required=True)
    account = fields.Nested(AccountOutSchema, required=True)
    period = fields.String(required=True)
    owner_id = fields.Integer(required=True)
    status = fields.Enum(PlanStatus, by_value=True, required=True)
    strategic_priorities = fields.String(required=True)
    profile = fields.Method(
        "_profile",
        required=True,
        metadata={"type": "object", "properties": {a: {"type": "string"} for a in PROFILE_AREAS}},
    )
    goals = fields.List(fields.Nested(GoalOutSchema), required=True)
    action_items = fields.List(fields.Nested(ActionOutSchema), required=True)
    stakeholders = fields.List(fields.Nested(StakeholderOutSchema), required=True)
    team = fields.List(fields.Nested(TeamMemberOutSchema), required=True)
    completeness = fields.Method(
        "_completeness",
        required=True,
        metadata={
            "type": "object",
            "properties": {
                "score": {"type": "integer", "minimum": 0, "maximum": 100},
                "missing": {"type": "array", "items": {"type": "string"}},
            },
        },
    )
    insights_need_approval = fields.Boolean(
        required=True, metadata={"description": APPROVAL_SETTING}
    )
    attainment = fields.Nested(PlanAttainmentOutSchema, required=True)
    version = fields.Integer(required=True)
    updated_at = fields.AwareDateTime(required=True, attribute="last_activity_at")

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "attainment" and isinstance(obj, AccountPlan):
            return attainment_of_plan(obj.goals, local_today(api_user().timezone))
        return super().get_attribute(obj, attr, default)

    def _profile(self, plan: AccountPlan) -> dict[str, str]:
        return {area: getattr(plan, f"profile_{area}") for area in PROFILE_AREAS}

    def _completeness(self, plan: AccountPlan) -> dict[str, Any]:
        result = plan_completeness(plan, local_today(api_user().timezone))
        return {"score": result.score, "missing": result.missing}


class PlanPatchSchema(Schema):
    period = fields.String(validate=validate.Regexp(PERIOD, error=PERIOD_MESSAGE))
    status = fields.Enum(PlanStatus, by_value=True)
    insights_need_approval = fields.Boolean(metadata={"description": APPROVAL_SETTING})
    strategic_priorities = Lines(validate=LONG_TEXT)
    profile = fields.Nested(ProfileSchema)


class PlanListQuerySchema(Schema):
    region = Line(validate=validate.Length(max=80))
    function = fields.Enum(Function, by_value=True)
    status = fields.Enum(PlanStatus, by_value=True)


# Partial copies for PATCH, named apart so the OpenAPI document keeps one schema per name.
class GoalPatchSchema(GoalSchema):
    pass


class ActionItemPatchSchema(ActionSchema):
    pass


class StakeholderPatchSchema(StakeholderSchema):
    pass


class QuarterField(fields.Field):
    """A calendar quarter as `YYYY-Qn` (coachapp.plans.quarters)."""

    default_error_messages = {"invalid": "Give a quarter as YYYY-Qn, e.g. 2026-Q3."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Quarter:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            return Quarter.parse(value)
        except ValueError as error:
            raise self.make_error("invalid") from error

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kw: Any) -> str | None:
        return None if value is None else str(value)


class ImpactArgsSchema(Schema):
    """What the impact page and GET /api/v1/impact are asked: how to group, which quarter."""

    group_by = fields.Enum(GroupBy, by_value=True, load_default=GroupBy.TEAM)
    period = QuarterField(
        metadata={
            "description": "A quarter, YYYY-Qn, up to the current one: attainment at its last "
            "day (today while it runs), coaching in its days",
            "type": "string",
            "pattern": r"^\d{4}-Q[1-4]$",
            "example": "2026-Q3",
        }
    )


impact_args_schema = ImpactArgsSchema()

# Pages of rows the impact page offers at most (30 rows a page).
MAX_IMPACT_PAGE = 100_000


class ImpactPageArgsSchema(ImpactArgsSchema):
    """The impact page's: which page of rows, when the groups are rows of a table (past the
    last: the last)."""

    page = fields.Integer(strict=False, validate=validate.Range(1, MAX_IMPACT_PAGE))


impact_page_args_schema = ImpactPageArgsSchema()
