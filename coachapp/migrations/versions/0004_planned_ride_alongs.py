"""Ride-alongs a manager plans with a rep

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 04:06:40.966939
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "planned_ride_alongs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("uid", sa.Uuid(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_planned_ride_alongs_manager_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["account_plans.id"],
            name=op.f("fk_planned_ride_alongs_plan_id_account_plans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["users.id"], name=op.f("fk_planned_ride_alongs_rep_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_ride_alongs")),
        sa.UniqueConstraint("uid", name=op.f("uq_planned_ride_alongs_uid")),
    )
    with op.batch_alter_table("planned_ride_alongs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_planned_ride_alongs_day"), ["day"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_planned_ride_alongs_manager_id"), ["manager_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_planned_ride_alongs_rep_id"), ["rep_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("planned_ride_alongs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planned_ride_alongs_rep_id"))
        batch_op.drop_index(batch_op.f("ix_planned_ride_alongs_manager_id"))
        batch_op.drop_index(batch_op.f("ix_planned_ride_alongs_day"))

    op.drop_table("planned_ride_alongs")
