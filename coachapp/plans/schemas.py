"""Input shapes for plans and their items, shared by the HTML forms and the JSON API."""

from __future__ import annotations

import re

from marshmallow import Schema, fields, validate

from coachapp.forms import STORABLE_TEXT
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
LONG_TEXT = [validate.Length(max=5000), STORABLE_TEXT]


def _text(max_length: int, required_message: str) -> fields.String:
    """A required text; clearing it when editing gets the same message as leaving it out."""
    return fields.String(
        required=True,
        validate=[
            validate.Length(min=1, error=required_message),
            validate.Length(max=max_length),
            STORABLE_TEXT,
        ],
        error_messages={"required": required_message},
    )


class PlanCreateSchema(Schema):
    account_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    account_name = fields.String(
        load_default=None, validate=[validate.Length(max=200), STORABLE_TEXT]
    )
    account_type = fields.Enum(AccountType, by_value=True, load_default=AccountType.IDN)
    account_region = fields.String(
        load_default="", validate=[validate.Length(max=80), STORABLE_TEXT]
    )
    period = fields.String(
        required=True,
        validate=validate.Regexp(PERIOD, error=PERIOD_MESSAGE),
        error_messages={"required": "Enter the period, e.g. 2026-H2."},
    )
    status = fields.Enum(PlanStatus, by_value=True, load_default=PlanStatus.DRAFT)
    strategic_priorities = fields.String(load_default="", validate=LONG_TEXT)


class PlanUpdateSchema(Schema):
    period = fields.String(validate=validate.Regexp(PERIOD, error=PERIOD_MESSAGE))
    status = fields.Enum(PlanStatus, by_value=True)
    strategic_priorities = fields.String(validate=LONG_TEXT)
    profile_business = fields.String(validate=LONG_TEXT)
    profile_clinical = fields.String(validate=LONG_TEXT)
    profile_operational = fields.String(validate=LONG_TEXT)
    profile_reimbursement = fields.String(validate=LONG_TEXT)


class GoalSchema(Schema):
    title = _text(200, "Name the goal.")
    measure = fields.String(load_default="", validate=[validate.Length(max=200), STORABLE_TEXT])
    target_date = fields.Date(load_default=None, allow_none=True)
    status = fields.Enum(GoalStatus, by_value=True, load_default=GoalStatus.ON_TRACK)
    value = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=80), STORABLE_TEXT]
    )


class ActionSchema(Schema):
    title = _text(200, "Describe the action.")
    owner_id = fields.Integer(
        required=True, strict=False, error_messages={"required": "Choose who owns it."}
    )
    due_date = fields.Date(load_default=None, allow_none=True)
    status = fields.Enum(ActionStatus, by_value=True, load_default=ActionStatus.OPEN)


class StakeholderSchema(Schema):
    name = _text(120, "Enter the person's name.")
    title = fields.String(load_default="", validate=[validate.Length(max=120), STORABLE_TEXT])
    decision_role = fields.Enum(DecisionRole, by_value=True, load_default=DecisionRole.INFLUENCER)
    relationship = fields.Enum(Relationship, by_value=True, load_default=Relationship.NEUTRAL)


class TeamMemberSchema(Schema):
    user_id = fields.Integer(
        required=True, strict=False, error_messages={"required": "Choose a colleague."}
    )
    responsibility = fields.String(
        load_default="", validate=[validate.Length(max=200), STORABLE_TEXT]
    )


class CommentSchema(Schema):
    body = _text(2000, "Write a comment.")


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
