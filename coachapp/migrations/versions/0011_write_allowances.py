"""Each person's write allowance: the per-person limit on writes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "write_allowances",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("busy_until", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_write_allowances_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_write_allowances")),
    )


def downgrade() -> None:
    op.drop_table("write_allowances")
