"""Retention: the organisation's retention setting, and when each person left and was erased

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 17:00:00.000000

retention_settings (empty: nothing is removed until an admin saves one); users.left_at (for
those already deactivated: the time their row last changed, which their deactivation was or
came before) and users.erased_at (empty). Nothing else changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leaver_content_days", sa.Integer(), nullable=True),
        sa.Column("draft_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "leaver_content_days IS NULL OR leaver_content_days > 0",
            name=op.f("ck_retention_settings_leaver_days_positive"),
        ),
        sa.CheckConstraint(
            "draft_days IS NULL OR draft_days > 0",
            name=op.f("ck_retention_settings_draft_days_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_settings")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    users = sa.table(
        "users",
        sa.column("active", sa.Boolean()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("left_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        users.update().where(users.c.active == sa.false()).values(left_at=users.c.updated_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("left_at")
    op.drop_table("retention_settings")
