"""Writing notifications: in the caller's transaction, each dedupe key at most once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy.orm import Session

from coachapp.db import insert_for, utcnow
from coachapp.languages import gettext
from coachapp.models import Notification, NotificationStatus
from coachapp.nudges.kinds import kind_of

TITLE_MAX = 120


class Pushed(Protocol):
    """What a push says of its notification: a Notification, or the worker's lighter copy."""

    @property
    def id(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def url(self) -> str: ...


def notify(
    db: Session,
    recipient_id: int,
    kind: str,
    title: str,
    url: str,
    dedupe_key: str,
    body: str = "",
    not_before: dt.datetime | None = None,
    subject: str | None = None,
) -> bool:
    """Adds a notification to the caller's transaction unless its key exists; True if added.

    The insert skips a key another transaction already wrote, so rules evaluated by
    several workers at once create each nudge once. The title and body are for the inbox,
    read after sign-in, so they name the person and the account; the push sends its kind's
    generic title instead (payload_for). `subject` (coachapp.nudges.subjects) is the thing
    whose opening or acting on marks the notification read.
    """
    now = utcnow()
    row = _row(recipient_id, kind, title, url, dedupe_key, body, subject, not_before or now, now)
    return bool(_insert_new(db, [row]))


class Nudged(Protocol):
    """A notification to write, as the nudge rules make them."""

    @property
    def recipient_id(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def dedupe_key(self) -> str: ...

    @property
    def body(self) -> str: ...

    @property
    def subject(self) -> str | None: ...


def notify_all(db: Session, nudges: Iterable[Nudged]) -> int:
    """notify for many at once, due now: one statement for them all (the driver sends the
    rows in batches) instead of one each; the number added. A key written already, or twice
    in `nudges`, is added once."""
    now = utcnow()
    rows = [
        _row(n.recipient_id, n.kind, n.title, n.url, n.dedupe_key, n.body, n.subject, now, now)
        for n in nudges
    ]
    return _insert_new(db, rows)


def _row(
    recipient_id: int,
    kind: str,
    title: str,
    url: str,
    dedupe_key: str,
    body: str,
    subject: str | None,
    not_before: dt.datetime,
    now: dt.datetime,
) -> dict[str, Any]:
    return {
        "recipient_id": recipient_id,
        "kind": kind,
        "title": title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…",
        "body": body,
        "url": url,
        "dedupe_key": dedupe_key,
        "subject": subject,
        "not_before": not_before,
        "status": NotificationStatus.PENDING,
        "attempts": 0,
        "push_count": 0,
        "created_at": now,
    }


def _insert_new(db: Session, rows: list[dict[str, Any]]) -> int:
    """Inserts the rows whose key is not written yet; how many were."""
    if not rows:
        return 0
    statement = (
        insert_for(db)(Notification)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id)
    )
    return len(db.execute(statement, rows).all())


def topic_for(notification: Pushed) -> str:
    """RFC 8030 Topic (≤ 32 URL-safe characters): a newer push on one subject replaces an
    undelivered older one."""
    return hashlib.sha256(f"{notification.kind}:{notification.url}".encode()).hexdigest()[:32]


def payload_for(notification: Pushed) -> bytes:
    """What travels through the push service: nothing confidential, a few hundred bytes. The
    title is the kind's, never the notification's own (which names people and accounts), in
    the current language (the sender writes it for the recipient: languages.writing_for)."""
    return json.dumps(
        {
            "id": notification.id,
            "kind": notification.kind,
            "title": gettext(kind_of(notification.kind).push_title),
            "url": notification.url,
            "tag": topic_for(notification),
        },
        separators=(",", ":"),
    ).encode()
