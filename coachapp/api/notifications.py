"""Push subscriptions and the caller's inbox over JSON (DESIGN.md "Stable contract")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, current_app, make_response, request
from marshmallow import RAISE

from coachapp.api import paging
from coachapp.api.auth import callers_only
from coachapp.api.paging import desc
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.db import get_session
from coachapp.inbox import service as inbox
from coachapp.inbox.schemas import (
    InboxOutSchema,
    InboxQuerySchema,
    MarkedReadSchema,
    NotificationOutSchema,
)
from coachapp.models import Notification, PushSubscription
from coachapp.nudges import subscriptions
from coachapp.nudges.schemas import PushKeySchema, SubscriptionOutSchema
from coachapp.nudges.vapid import public_key_of

blp = Blueprint("api_notifications", __name__, description="Notifications and push subscriptions")
callers_only(blp)

WRITE_ERRORS = (400, 404, 413, 415, 422)

# The orders the lists are paged in (coachapp.api.paging): the newest first.
DEVICE_ORDER = [
    desc(lambda device: device.created_at, dt.datetime),
    desc(lambda device: device.id),
]
INBOX_ORDER = [desc(Notification.id)]


class InboxPageQuerySchema(paging.PageQuerySchema, InboxQuerySchema):
    pass


class InboxPageSchema(InboxOutSchema):
    next = paging.next_field()


@blp.get("/push-subscriptions/key")
@blp.response(200, PushKeySchema)
@authenticated(blp)
def push_key() -> Any:
    """The server's VAPID public key (base64url of the uncompressed P-256 point)."""
    return {"public_key": public_key_of(current_app)}


@blp.get("/push-subscriptions")
@blp.arguments(paging.PageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, SubscriptionOutSchema(many=True), headers=paging.LINK_HEADER)
@authenticated(blp, 422)
def list_subscriptions(query: dict[str, Any]) -> Any:
    """The caller's devices that get push notifications, the newest first."""
    devices = subscriptions.subscriptions_of(get_session(), api_user())
    return paging.list_page(devices, DEVICE_ORDER, query).answer()


@blp.post("/push-subscriptions")
@blp.arguments(subscriptions.SubscriptionSchema)
@blp.response(201, SubscriptionOutSchema)
@blp.alt_response(200, schema=SubscriptionOutSchema, description="Already kept; refreshed")
@authenticated(blp, *WRITE_ERRORS, 409)
def subscribe(body: dict[str, Any]) -> Response:
    """Keeps the browser's PushSubscription.toJSON() for the caller (one per device).

    The caller sending an endpoint they keep again refreshes its keys (200). An endpoint
    another account keeps is refused with 409 and stays theirs, keys and all, until they
    remove it or the push service reports it gone."""
    found, created = subscriptions.subscribe(
        get_session(),
        api_user(),
        body,
        user_agent=request.user_agent.string,
        allow_private=bool(current_app.config.get("PUSH_ALLOW_PRIVATE_ENDPOINTS")),
    )
    return _subscription(found, 201 if created else 200)


@blp.delete("/push-subscriptions")
@blp.arguments(subscriptions.EndpointSchema)
@blp.response(204)
@authenticated(blp, *WRITE_ERRORS)
def unsubscribe(body: dict[str, Any]) -> None:
    """Stops pushing to the endpoint (the body may be the whole PushSubscription.toJSON());
    404 unless the caller keeps it."""
    subscriptions.unsubscribe(get_session(), api_user(), body["endpoint"])


@blp.get("/notifications")
@blp.arguments(InboxPageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, InboxPageSchema, headers=paging.LINK_HEADER)
@authenticated(blp, 422)
def notifications(query: dict[str, Any]) -> Any:
    """The caller's inbox, newest first, with the number unread."""
    db, user = get_session(), api_user()
    statement = inbox.inbox_query(user, unread_only=query["unread"], before=query["before"])
    page = paging.query_page(db, statement, INBOX_ORDER, query)
    body = {"items": page.items, "unread": inbox.unread_count(db, user), "next": page.next_url}
    return body, 200, page.headers


@blp.post("/notifications/<int:notification_id>/read")
@blp.response(200, NotificationOutSchema)
@authenticated(blp, 404)
def mark_read(notification_id: int) -> Any:
    """Marks one of the caller's notifications read."""
    return inbox.mark_read(get_session(), api_user(), notification_id)


@blp.post("/notifications/read-all")
@blp.response(200, MarkedReadSchema)
@authenticated(blp)
def mark_all_read() -> Any:
    """Marks every notification of the caller read ("Mark all read")."""
    db, user = get_session(), api_user()
    marked = inbox.mark_all_read(db, user)
    return {"marked": marked, "unread": inbox.unread_count(db, user)}


def _subscription(found: PushSubscription, status: int) -> Response:
    return make_response(SubscriptionOutSchema().dump(found), status)
