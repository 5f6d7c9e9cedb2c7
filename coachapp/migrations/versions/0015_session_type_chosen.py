"""A coaching note's type is chosen, never defaulted: a draft may have none, a shared note has one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SESSION_TYPE = sa.Enum(
    "ride_along",
    "virtual_call",
    "one_on_one",
    "plan_review",
    name="session_type",
    native_enum=False,
    create_constraint=True,
    length=32,
)


def upgrade() -> None:
    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.alter_column("type", existing_type=SESSION_TYPE, nullable=True)
        batch_op.create_check_constraint(
            batch_op.f("ck_coaching_sessions_shared_has_type"),
            "status = 'draft' OR type IS NOT NULL",
        )


def downgrade() -> None:
    # A draft without a type gets the one it would have had before types were chosen.
    op.execute("UPDATE coaching_sessions SET type = 'ride_along' WHERE type IS NULL")
    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_coaching_sessions_shared_has_type"), type_="check")
        batch_op.alter_column("type", existing_type=SESSION_TYPE, nullable=False)
