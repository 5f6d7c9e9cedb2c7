"""Notifications that named a draft's follow-up to someone other than the draft's author go

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 15:00:00.000000

The follow-up reminders used to be written for every open follow-up, so the owner of one on
a draft not shared yet (the rep) found its title in their inbox ("Follow-up overdue: ...").
Those rows go, read or not, and so do the reminders about follow-ups that no longer exist (a
draft discarded, a follow-up removed: their titles stayed in the inbox, their links answered
"not found"). The draft's author keeps the reminders about their own draft's follow-ups. No
other row changes; the rules write a follow-up's reminders again once its note is shared.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

notifications = sa.table(
    "notifications",
    sa.column("id", sa.Integer),
    sa.column("recipient_id", sa.Integer),
    sa.column("subject", sa.String),
)
follow_ups = sa.table(
    "follow_ups", sa.column("id", sa.Integer), sa.column("session_id", sa.Integer)
)
sessions = sa.table(
    "coaching_sessions",
    sa.column("id", sa.Integer),
    sa.column("manager_id", sa.Integer),
    sa.column("status", sa.String),
)


BATCH = 1000
PREFIX = "follow_up:"


def forget_draft_follow_up_nudges(connection: sa.Connection) -> int:
    """Deletes the notifications about follow-ups that are gone, or on a draft their
    recipient did not write, a batch at a time; the number deleted."""
    deleted, last = 0, 0
    while True:
        rows = connection.execute(
            sa.select(notifications.c.id, notifications.c.recipient_id, notifications.c.subject)
            .where(notifications.c.id > last, notifications.c.subject.like(PREFIX + "%"))
            .order_by(notifications.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return deleted
        last = rows[-1].id
        about = {row.id: _follow_up_id(row.subject) for row in rows}
        found = {
            follow_up_id: (status, author_id)
            for follow_up_id, status, author_id in connection.execute(
                sa.select(follow_ups.c.id, sessions.c.status, sessions.c.manager_id)
                .outerjoin(sessions, sessions.c.id == follow_ups.c.session_id)
                .where(follow_ups.c.id.in_({i for i in about.values() if i is not None}))
            )
        }
        gone = [row.id for row in rows if _forgotten(about[row.id], row.recipient_id, found)]
        if gone:
            connection.execute(notifications.delete().where(notifications.c.id.in_(gone)))
            deleted += len(gone)


def _forgotten(
    follow_up_id: int | None, recipient_id: int, found: dict[int, tuple[str | None, int | None]]
) -> bool:
    """Whether a notification about this follow-up goes: the follow-up is gone, or on a draft
    someone other than the recipient wrote."""
    if follow_up_id is None:
        return False
    if follow_up_id not in found:
        return True
    status, author_id = found[follow_up_id]
    return status == "draft" and author_id != recipient_id


def _follow_up_id(subject: str) -> int | None:
    rest = subject[len(PREFIX) :]
    return int(rest) if rest.isdigit() else None


def upgrade() -> None:
    forget_draft_follow_up_nudges(op.get_bind())


def downgrade() -> None:
    # What was deleted named what its recipients were never to see: nothing to restore.
    pass
