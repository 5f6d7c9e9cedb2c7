"""Creation a phone may replay: each new note, call or coach-the-coach note carries the
client's `client_uuid`, unique in its table, so the same request sent again (an outbox
replaying its queue, a retry after a lost answer) finds what the first one made instead of
making a second. The services of coaching notes, ride-along calls and coach-the-coach notes
all create through here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coachapp.errors import Conflict

T = TypeVar("T")


def client_uuid_of(value: str | None) -> uuid.UUID | None:
    """The client_uuid a form carried (made when the form was rendered or opened, kept
    across its retries); None when there is none or it is not a UUID, and the service makes
    one."""
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


def made_before(
    db: Session,
    model: type[T],
    client_uuid: uuid.UUID,
    owned: Callable[[T], bool],
    conflict: str,
    *options: Any,
) -> T | None:
    """What an earlier request with this client_uuid made (None: this is the first); a
    Conflict with `conflict` when it is not the caller's (`owned` says whose it is)."""
    found = db.scalars(
        select(model).where(model.client_uuid == client_uuid).options(*options)  # type: ignore[attr-defined]
    ).first()
    if found is not None and not owned(found):
        raise Conflict(conflict)
    return found


def add_new(
    db: Session, row: T, owned: Callable[[T], bool], conflict: str, *options: Any
) -> T | None:
    """Adds and flushes a new row: None once it is in. When a replay of the same client_uuid
    raced this one and stored its row first (the unique index refuses this one), the
    transaction is rolled back and that row is returned, if it is the caller's."""
    client_uuid: uuid.UUID = row.client_uuid  # type: ignore[attr-defined]
    db.add(row)
    try:
        db.flush()
    except IntegrityError as exc:
        db.rollback()
        found = made_before(db, type(row), client_uuid, owned, conflict, *options)
        if found is None:
            raise Conflict(conflict) from exc
        return found
    return None
