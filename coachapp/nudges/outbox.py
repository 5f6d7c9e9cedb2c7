"""Writing notifications: in the caller's transaction, each dedupe key at most once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy.orm import Session

from coachapp.db import insert_for, utcnow
from coachapp.models import Notification, NotificationStatus

TITLE_MAX = 120


def notify(
    db: Session,
    recipient_id: int,
    kind: str,
    title: str,
    url: str,
    dedupe_key: str,
    body: str = "",
    not_before: dt.datetime | None = None,
) -> bool:
    """Adds a notification to the caller's transaction unless its key exists; True if added.

    The insert skips a key another transaction already wrote, so rules evaluated by
    several workers at once create each nudge once. Titles and bodies stay free of
    confidential content: they may show on a lock screen.
    """
    insert = insert_for(db)
    now = utcnow()
    statement = (
        insert(Notification)
        .values(
            recipient_id=recipient_id,
            kind=kind,
            title=title[:TITLE_MAX],
            body=body,
            url=url,
            dedupe_key=dedupe_key,
            not_before=not_before or now,
            status=NotificationStatus.PENDING,
            attempts=0,
            push_count=0,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id)
    )
    return db.execute(statement).first() is not None


def topic_for(notification: Notification) -> str:
    """RFC 8030 Topic (≤ 32 URL-safe characters): a newer push on one subject replaces an
    undelivered older one."""
    return hashlib.sha256(f"{notification.kind}:{notification.url}".encode()).hexdigest()[:32]


def payload_for(notification: Notification) -> bytes:
    """What travels through the push service: nothing confidential, a few hundred bytes."""
    return json.dumps(
        {
            "id": notification.id,
            "kind": notification.kind,
            "title": notification.title,
            "url": notification.url,
            "tag": topic_for(notification),
        },
        separators=(",", ":"),
    ).encode()
