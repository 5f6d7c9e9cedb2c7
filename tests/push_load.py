"""Many due notifications, each recipient with one device, written in bulk: for the
concurrency and durability tests of push delivery and for the push benchmark."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.models import (
    Function,
    Notification,
    NotificationStatus,
    PushSubscription,
    Role,
    User,
)


def make_due_pushes(
    db: Session,
    subscription_for: Callable[[str], dict[str, Any]],
    users: int,
    per_user: int,
    kind: str = "follow_up_due",
) -> list[int]:
    """`users` reps with one push subscription each (from `subscription_for(name)`) and
    `per_user` notifications each, due now; commits and returns the notification ids."""
    run = uuid.uuid4().hex[:8]
    now = utcnow()
    past = now - dt.timedelta(minutes=1)
    user_ids = list(
        db.scalars(
            insert(User).returning(User.id),
            [
                {
                    "email": f"load-{run}-{n}@example.com",
                    "name": f"Load Rep {n}",
                    "password_hash": "not-a-real-hash",
                    "role": Role.REP,
                    "function": Function.SALES,
                    "timezone": "America/Chicago",
                    "active": True,
                }
                for n in range(users)
            ],
        )
    )
    subscriptions = []
    for n, user_id in enumerate(user_ids):
        browser = subscription_for(f"{run}-{n}")
        subscriptions.append(
            {
                "user_id": user_id,
                "endpoint": browser["endpoint"],
                "p256dh": browser["keys"]["p256dh"],
                "auth": browser["keys"]["auth"],
                "user_agent": "load test",
            }
        )
    db.execute(insert(PushSubscription), subscriptions)
    notification_ids = list(
        db.scalars(
            insert(Notification).returning(Notification.id),
            [
                {
                    "recipient_id": user_id,
                    "kind": kind,
                    "title": "A follow-up is due tomorrow",
                    "body": "",
                    "url": f"/follow-ups/{n}-{user_id}",
                    "dedupe_key": f"load:{run}:{user_id}:{n}",
                    "not_before": past,
                    "status": NotificationStatus.PENDING,
                    "attempts": 0,
                    "push_count": 0,
                    "created_at": past,
                }
                for user_id in user_ids
                for n in range(per_user)
            ],
        )
    )
    db.commit()
    return notification_ids
