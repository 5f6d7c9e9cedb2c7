"""Reading one's own notifications, and marking them read: one by one, all at once, or by
what they are about when that is opened or acted on; forgetting those about a thing deleted."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import Select, bindparam, delete, func, select, update
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
    query = inbox_query(user, unread_only, before)
    return list(
        db.scalars(query.order_by(Notification.id.desc()).limit(min(limit, PAGE_SIZE))).all()
    )


def inbox_query(
    user: User, unread_only: bool = False, before: int | None = None
) -> Select[Notification]:
    """The user's inbox (unread only, older than a notification), in no order."""
    query = select(Notification).where(
        Notification.recipient_id == user.id, Notification.not_before <= utcnow()
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before is not None:
        query = query.where(Notification.id < before)
    return query


# The badge on every page's Inbox tab: built once, only the person and the time bound.
_UNREAD = select(func.count()).where(
    Notification.recipient_id == bindparam("person"),
    Notification.read_at.is_(None),
    Notification.not_before <= bindparam("now"),
)


def unread_count(db: Session, user: User) -> int:
    return int(db.scalar(_UNREAD, {"person": user.id, "now": utcnow()}) or 0)


def notification_of(db: Session, user: User, notification_id: int) -> Notification:
    """The user's own notification (one in their inbox already); anyone else's is not found."""
    found = db.scalars(
        select(Notification).where(
            Notification.id == notification_id,
            Notification.recipient_id == user.id,
            Notification.not_before <= utcnow(),
        )
    ).first()
    if found is None:
        raise NotFound()
    return found


def mark_read(db: Session, user: User, notification_id: int) -> Notification:
    """Marks the user's own notification read; anyone else's is not found."""
    found = notification_of(db, user, notification_id)
    if found.read_at is None:
        found.read_at = utcnow()
        db.commit()
    return found


def mark_all_read(db: Session, user: User) -> int:
    """Marks every notification the user can see read; the number that were unread."""
    result = db.execute(
        update(Notification)
        .where(
            Notification.recipient_id == user.id,
            Notification.read_at.is_(None),
            Notification.not_before <= utcnow(),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_read_about(
    db: Session,
    subject: str,
    recipient: User | None = None,
    *,
    recipients: Collection[int] | None = None,
) -> None:
    """In the caller's transaction: the notifications about `subject` are read — the
    recipient's when they open it, everyone's when it is settled (a note acknowledged, a
    follow-up done), since a reminder about something settled has nothing left to ask.
    `recipients` narrows "everyone" to those who still follow the subject: a manager a rep
    has moved away from learns nothing of it, not even from their inbox."""
    query = update(Notification).where(
        Notification.subject == subject, Notification.read_at.is_(None)
    )
    if recipient is not None:
        query = query.where(Notification.recipient_id == recipient.id)
    if recipients is not None:
        query = query.where(Notification.recipient_id.in_(recipients))
    db.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))


def opened(db: Session, user: User, subject: str) -> None:
    """The user opened the page of `subject`: their notifications about it are read."""
    mark_read_about(db, subject, user)
    db.commit()


def forget_about(db: Session, subjects: Iterable[str]) -> None:
    """In the caller's transaction: the notifications about these things go, read or not,
    pushed or waiting, because the things are deleted (a draft discarded, a follow-up
    removed): no inbox keeps a title naming them, no push is still sent for them, and no
    link is left that would answer "not found"."""
    about = list(subjects)
    if about:
        db.execute(
            delete(Notification)
            .where(Notification.subject.in_(about))
            .execution_options(synchronize_session=False)
        )
