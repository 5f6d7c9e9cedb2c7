"""Nudges by email: each person's email mode, and when a notification went by email

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 14:00:00.000000

notification_preferences.email_mode ("digest" for everyone who saved preferences before;
those who never did get the same default) and notifications.emailed_at (empty: nothing was
emailed before), with a partial index on the notifications email may still tell (unread, not
emailed). Nothing else changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TO_EMAIL = "emailed_at IS NULL AND read_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_mode", sa.String(length=16), nullable=False, server_default="digest")
        )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_notifications_to_email",
            ["created_at"],
            unique=False,
            sqlite_where=sa.text(TO_EMAIL),
            postgresql_where=sa.text(TO_EMAIL),
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_to_email")
        batch_op.drop_column("emailed_at")
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_column("email_mode")
