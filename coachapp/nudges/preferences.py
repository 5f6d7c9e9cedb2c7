"""Notification preferences: muted kinds, quiet hours in the person's time zone, a cap, email."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.languages import N_
from coachapp.models import Notification, NotificationPreference, User
from coachapp.nudges.kinds import MUTABLE_KINDS
from coachapp.timezones import zone

# How nudges go by email (coachapp.nudges.email), as offered under Notifications.
EMAIL_MODES = {
    "digest": N_("Once a day: what is still unread (a shared coaching note right away)"),
    "each": N_("Each notification as it comes"),
    "off": N_("No email"),
}

DEFAULT_DAILY_CAP = 10
MAX_DAILY_CAP = 100


def default_preferences(user_id: int) -> NotificationPreference:
    """Nothing muted, no quiet hours, 10 a day, a daily email digest (not stored until the user
    saves)."""
    return NotificationPreference(
        user_id=user_id, muted_kinds=[], daily_cap=DEFAULT_DAILY_CAP, email_mode="digest"
    )


def preferences_of(db: Session, user_id: int) -> NotificationPreference:
    """The stored preferences, or the defaults."""
    return db.get(NotificationPreference, user_id) or default_preferences(user_id)


def preferences_for(db: Session, user_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    ids = set(user_ids)
    stored = {
        p.user_id: p
        for p in db.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id.in_(ids))
        )
    }
    return {user_id: stored.get(user_id) or default_preferences(user_id) for user_id in ids}


class PreferencesSchema(Schema):
    muted_kinds = fields.List(
        fields.String(validate=validate.OneOf(MUTABLE_KINDS)), load_default=[]
    )
    quiet_start = fields.Time(allow_none=True, load_default=None, format="%H:%M")
    quiet_end = fields.Time(allow_none=True, load_default=None, format="%H:%M")
    email_mode = fields.String(
        load_default="digest",
        validate=validate.OneOf(tuple(EMAIL_MODES), error="Choose how you want email."),
    )
    daily_cap = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(
            min=1, max=MAX_DAILY_CAP, error=f"Choose between 1 and {MAX_DAILY_CAP} a day."
        ),
        error_messages={"required": "Enter how many notifications a day at most."},
    )

    @validates_schema(skip_on_field_errors=False)
    def _quiet_hours(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            field = "quiet_end" if end is None else "quiet_start"
            raise ValidationError("Give both times, or neither for no quiet hours.", field)
        if start is not None and start == end:
            raise ValidationError(
                "Quiet hours must end at another time than they start.", "quiet_end"
            )


preferences_schema = PreferencesSchema()


def update_preferences(db: Session, user: User, data: dict[str, Any]) -> NotificationPreference:
    prefs = db.get(NotificationPreference, user.id)
    if prefs is None:
        prefs = NotificationPreference(user_id=user.id)
        db.add(prefs)
    prefs.muted_kinds = sorted(set(data["muted_kinds"]))
    prefs.quiet_start = data["quiet_start"]
    prefs.quiet_end = data["quiet_end"]
    prefs.daily_cap = data["daily_cap"]
    prefs.email_mode = data["email_mode"]
    db.commit()
    return prefs


def quiet_until(
    prefs: NotificationPreference, timezone_name: str, now: dt.datetime
) -> dt.datetime | None:
    """When the user's quiet hours end, if they are in them now (UTC), else None.

    Quiet hours may wrap midnight (22:00 to 07:00)."""
    start, end = prefs.quiet_start, prefs.quiet_end
    if start is None or end is None:
        return None
    tz = zone(timezone_name)
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else clock >= start or clock < end
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=tz).astimezone(dt.UTC)


def start_of_local_day(timezone_name: str, now: dt.datetime) -> dt.datetime:
    tz = zone(timezone_name)
    return dt.datetime.combine(now.astimezone(tz).date(), dt.time(), tzinfo=tz).astimezone(dt.UTC)


def pushed_since(db: Session, user_ids: Iterable[int], since: dt.datetime) -> dict[int, int]:
    """Notifications pushed to each user's devices since a time (for the daily cap)."""
    rows = db.execute(
        select(Notification.recipient_id, func.count())
        .where(
            Notification.recipient_id.in_(set(user_ids)),
            Notification.push_count > 0,
            Notification.sent_at >= since,
        )
        .group_by(Notification.recipient_id)
    ).all()
    return {user_id: count for user_id, count in rows}
