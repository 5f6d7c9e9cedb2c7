"""A push subscription and the server's push key as the API gives them."""

from __future__ import annotations

from marshmallow import Schema, fields


class SubscriptionOutSchema(Schema):
    id = fields.Integer(required=True)
    endpoint = fields.String(required=True)
    user_agent = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    last_success_at = fields.DateTime(allow_none=True)


class PushKeySchema(Schema):
    public_key = fields.String(
        required=True, metadata={"description": "applicationServerKey for pushManager.subscribe"}
    )
