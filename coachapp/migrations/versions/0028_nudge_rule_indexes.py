"""Nudge rule indexes: notes waiting for their acknowledgement, drafts by when last touched

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 09:15:00.000000

Two partial indexes on coaching_sessions, nothing else changes: the worker's nudge rules find
the shared notes past their acknowledgement deadline (by shared_at) and the drafts left for a
day (by updated_at) from them instead of reading every note of the organisation.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_coaching_sessions_waiting",
            ["shared_at"],
            unique=False,
            sqlite_where=sa.text("status = 'shared'"),
            postgresql_where=sa.text("status = 'shared'"),
        )
        batch_op.create_index(
            "ix_coaching_sessions_drafts",
            ["updated_at"],
            unique=False,
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_coaching_sessions_drafts")
        batch_op.drop_index("ix_coaching_sessions_waiting")
