"""Browsers' push subscriptions: several devices per user, checked before they are kept."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coachapp.errors import Conflict, InvalidInput, NotFound
from coachapp.field_messages import filled_in
from coachapp.languages import N_
from coachapp.models import PushSubscription, User
from coachapp.nudges.endpoints import MAX_ENDPOINT_LENGTH, EndpointRefused, check_endpoint

MAX_SUBSCRIPTIONS_PER_USER = 20
ANOTHER_ACCOUNT = (
    "This browser's notifications go to another account that turned them on here. "
    "Turn notifications off on this device, then on again, to get yours."
)


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


class KeysSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    p256dh = fields.String(required=True, validate=validate.Length(max=200))
    auth = fields.String(required=True, validate=validate.Length(max=64))

    @validates("p256dh")
    def _p256dh(self, value: str, **_: Any) -> None:
        try:
            point = b64url_decode(value)
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("Not a P-256 public key (base64url, 65 bytes).") from exc
        if len(point) != 65:
            raise ValidationError("Not a P-256 public key (base64url, 65 bytes).")

    @validates("auth")
    def _auth(self, value: str, **_: Any) -> None:
        try:
            secret = b64url_decode(value)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("Not an authentication secret (base64url, 16 bytes).") from exc
        if len(secret) != 16:
            raise ValidationError("Not an authentication secret (base64url, 16 bytes).")


class SubscriptionSchema(Schema):
    """The browser's PushSubscription.toJSON()."""

    class Meta:
        unknown = EXCLUDE

    endpoint = fields.String(
        required=True, validate=validate.Length(min=1, max=MAX_ENDPOINT_LENGTH)
    )
    expirationTime = fields.Float(allow_none=True, load_default=None)  # the browser's name
    keys = fields.Nested(KeysSchema, required=True)


class EndpointSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    endpoint = fields.String(
        required=True, validate=validate.Length(min=1, max=MAX_ENDPOINT_LENGTH)
    )


def subscriptions_of(db: Session, user: User) -> Sequence[PushSubscription]:
    return db.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id == user.id)
        .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())
    ).all()


def subscribe(
    db: Session, user: User, data: dict[str, Any], user_agent: str, allow_private: bool
) -> tuple[PushSubscription, bool]:
    """Stores the subscription for the user (True) or refreshes the one they keep (False).

    An endpoint stays with the person who registered it until they remove it or the push
    service says it is gone (404/410): anyone else naming it gets a Conflict and the keeper's
    row and keys stay as they were, so no one can redirect another person's pushes to keys
    of their own. The keeper sending it again (new keys after a rotation) refreshes it."""
    try:
        endpoint = check_endpoint(data["endpoint"], allow_private)
    except EndpointRefused as exc:
        raise InvalidInput(str(exc), fields={"endpoint": [str(exc)]}) from exc
    keys = data["keys"]
    found = db.scalars(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    ).first()
    created = found is None
    if found is None:
        if len(subscriptions_of(db, user)) >= MAX_SUBSCRIPTIONS_PER_USER:
            raise InvalidInput(
                filled_in(
                    N_(
                        "At most %(max)s devices get notifications; turn them off on a device "
                        "you no longer use."
                    ),
                    max=MAX_SUBSCRIPTIONS_PER_USER,
                )
            )
        found = PushSubscription(endpoint=endpoint, user_id=user.id)
        db.add(found)
    elif found.user_id != user.id:
        raise Conflict(ANOTHER_ACCOUNT, {"endpoint": [ANOTHER_ACCOUNT]})
    found.p256dh = keys["p256dh"]
    found.auth = keys["auth"]
    found.user_agent = user_agent[:300]
    found.failures = 0
    try:
        db.commit()
    except IntegrityError:  # the same endpoint stored at the same moment: the first one won
        db.rollback()
        if not created:
            raise
        return subscribe(db, user, data, user_agent, allow_private)
    return found, created


def unsubscribe(db: Session, user: User, endpoint: str) -> None:
    found = db.scalars(
        select(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == user.id
        )
    ).first()
    if found is None:
        raise NotFound("No such subscription.")
    db.delete(found)
    db.commit()


def remove_device(db: Session, user: User, subscription_id: int) -> None:
    found = db.get(PushSubscription, subscription_id)
    if found is None or found.user_id != user.id:
        raise NotFound("No such device.")
    db.delete(found)
    db.commit()
