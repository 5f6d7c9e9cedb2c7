"""The inbox over JSON: a notification, a page of them, the page's query, and a mark-read
answer."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from coachapp.ids import MAX_ID


class NotificationOutSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    url = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class InboxOutSchema(Schema):
    items = fields.List(fields.Nested(NotificationOutSchema), required=True)
    unread = fields.Integer(required=True)


class InboxQuerySchema(Schema):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread ones"})
    before = fields.Integer(
        load_default=None,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "Only notifications older than this id"},
    )


class MarkedReadSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "How many were unread"})
    unread = fields.Integer(required=True)
