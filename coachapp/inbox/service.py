"""Reading one's own notifications."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.errors import NotFound
from coachapp.models import Notification, User

PAGE_SIZE = 50


def inbox_of(
    db: Session,
    user: User,
    limit: int = PAGE_SIZE,
    unread_only: bool = False,
    before: int | None = None,
) -> list[Notification]:
    query = select(Notification).where(
        Notification.recipient_id == user.id, Notification.not_before <= utcnow()
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before is not None:
        query = query.where(Notification.id < before)
    return list(
        db.scalars(query.order_by(Notification.id.desc()).limit(min(limit, PAGE_SIZE))).all()
    )


def unread_count(db: Session, user: User) -> int:
    return int(
        db.scalar(
            select(func.count()).where(
                Notification.recipient_id == user.id,
                Notification.read_at.is_(None),
                Notification.not_before <= utcnow(),
            )
        )
        or 0
    )


def mark_read(db: Session, user: User, notification_id: int) -> Notification:
    """Marks the user's own notification read; anyone else's is not found."""
    found = db.scalars(
        select(Notification).where(
            Notification.id == notification_id,
            Notification.recipient_id == user.id,
            Notification.not_before <= utcnow(),
        )
    ).first()
    if found is None:
        raise NotFound()
    if found.read_at is None:
        found.read_at = utcnow()
        db.commit()
    return found
