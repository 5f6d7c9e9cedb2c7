"""What each notification is about, so acting on that thing marks it read

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:00:00.000000

Existing notifications get their subject from their dedupe key, which has named the rule and
the subject since the first nudge ("note_shared:12", "follow_up_overdue:5:2026-03-02").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rule in a dedupe key -> the kind of thing its next part is the id of.
SUBJECT_OF_RULE = {
    "note_shared": "coaching_session",
    "note_unacknowledged": "coaching_session",
    "note_acknowledged": "coaching_session",
    "draft_unfinished": "coaching_session",
    "follow_up_due": "follow_up",
    "follow_up_overdue": "follow_up",
    "follow_up_overdue_manager": "follow_up",
    "ride_along_tomorrow": "ride_along",
    "cadence_overdue": "user",
    "coach_note_shared": "coach_note",
    "coach_note_acknowledged": "coach_note",
}
BATCH = 1000


def subject_from(dedupe_key: str) -> str | None:
    rule, _, rest = dedupe_key.partition(":")
    subject_id = rest.split(":", 1)[0]
    if rule not in SUBJECT_OF_RULE or not subject_id.isdigit():
        return None
    return f"{SUBJECT_OF_RULE[rule]}:{int(subject_id)}"


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=80), nullable=True))
        batch_op.create_index("ix_notifications_subject", ["subject"], unique=False)
    notifications = sa.table(
        "notifications",
        sa.column("id", sa.Integer),
        sa.column("dedupe_key", sa.String),
        sa.column("subject", sa.String),
    )
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(notifications.c.id, notifications.c.dedupe_key)
            .where(notifications.c.id > last)
            .order_by(notifications.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        found = [
            {"row_id": row.id, "found": subject}
            for row in rows
            if (subject := subject_from(row.dedupe_key)) is not None
        ]
        if found:
            connection.execute(
                notifications.update()
                .where(notifications.c.id == sa.bindparam("row_id"))
                .values(subject=sa.bindparam("found")),
                found,
            )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_subject")
        batch_op.drop_column("subject")
