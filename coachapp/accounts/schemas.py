"""What the account-team API gives (DESIGN.md: GET /api/v1/accounts/{id}/team). flask-smorest
names each OpenAPI component after its schema class: these class names are published."""

from __future__ import annotations

from marshmallow import Schema, fields

from coachapp.models import Function


class LineManagerOutSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    function = fields.Enum(Function, by_value=True, required=True)


class MemberActionOutSchema(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    title = fields.String(required=True)
    due_date = fields.Date(required=True, allow_none=True)
    overdue = fields.Boolean(required=True)


class AccountTeamMemberOutSchema(Schema):
    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    function = fields.Enum(Function, by_value=True, required=True)
    line_manager_id = fields.Integer(required=True, allow_none=True)
    line_manager = fields.Nested(LineManagerOutSchema, required=True, allow_none=True)
    role_on_account = fields.String(
        required=True,
        metadata={
            "description": "What they are responsible for on the account's live plans "
            "('Plan owner' for an owner), several joined by '; '"
        },
    )
    open_actions = fields.List(
        fields.Nested(MemberActionOutSchema),
        required=True,
        metadata={"description": "Their open actions on the account's live plans, soonest due"},
    )
    function_last_engaged_on = fields.Date(
        required=True,
        allow_none=True,
        metadata={
            "description": "When someone of their function on the team last engaged the "
            "customer, as far as the caller knows: a plan action done, or a ride-along or "
            "virtual call at the account from a coaching note the caller may read"
        },
    )
