"""When the rep first opened a shared coaching note

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 03:34:53.331348
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rep_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.drop_column("rep_seen_at")
