"""Each person's language

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 17:00:00.000000

users.language: the language the person chose; empty for everyone so far, which means their
browser's (English when it asks for none Coachapp speaks), as before: pages were English.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")
