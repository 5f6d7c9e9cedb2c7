"""Input shapes for plans and their items, shared by the HTML forms and the JSON API."""

from __future__ import annotations

import re

from marshmallow import Schema, fields, validate

from coachapp.forms import Line, Lines
from coachapp.models import (
    AccountType,
    ActionStatus,
    DecisionRole,
    GoalStatus,
    PlanStatus,
    Relationship,
)

PERIOD = re.compile(r"^20\d\d-(H1|H2|Q[1-4]|FY)$")
PERIOD_MESSAGE = "Use a period like 2026-H2, 2026-Q3 or 2026-FY."
LONG_TEXT = validate.Length(max=5000)


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


class PlanUpdateSchema(Schema):
    period = fields.String(validate=validate.Regexp(PERIOD, error=PERIOD_MESSAGE))
    status = fields.Enum(PlanStatus, by_value=True)
    strategic_priorities = Lines(validate=LONG_TEXT)
    profile_business = Lines(validate=LONG_TEXT)
    profile_clinical = Lines(validate=LONG_TEXT)
    profile_operational = Lines(validate=LONG_TEXT)
    profile_reimbursement = Lines(validate=LONG_TEXT)


class GoalSchema(Schema):
    title = _line(200, "Name the goal.")
    measure = Line(load_default="", validate=validate.Length(max=200))
    target_date = fields.Date(load_default=None, allow_none=True)
    status = fields.Enum(GoalStatus, by_value=True, load_default=GoalStatus.ON_TRACK)
    value = Line(load_default=None, allow_none=True, validate=validate.Length(max=80))


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


class CommentSchema(Schema):
    body = Lines(
        required=True,
        validate=[validate.Length(min=1, error="Write a comment."), validate.Length(max=2000)],
        error_messages={"required": "Write a comment."},
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
