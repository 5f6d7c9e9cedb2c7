"""Attainment snapshots: each goal's attainment at the end of each closed quarter, kept

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 00:00:00.000000

A new table only: nothing existing changes. The worker fills it as quarters close, and
`flask --app coachapp attainment-snapshots` takes the missing ones for past quarters; until
then a closed quarter's figures are computed from today's goals and actuals, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from coachapp.db import UTCDateTime

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attainment_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column(
            "track",
            sa.Enum(
                "on_track",
                "at_risk",
                "no_data",
                "no_timeline",
                name="attainment_track",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("expected", sa.Float(), nullable=True),
        sa.Column("latest_value", sa.Float(), nullable=True),
        sa.Column("latest_on", sa.Date(), nullable=True),
        sa.Column("actuals", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("baseline_date", sa.Date(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("stages", sa.Integer(), nullable=True),
        sa.Column("taken_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "actuals >= 0", name=op.f("ck_attainment_snapshots_actuals_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["plan_goals.id"],
            name=op.f("fk_attainment_snapshots_goal_id_plan_goals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attainment_snapshots")),
        sa.UniqueConstraint(
            "goal_id", "quarter", name=op.f("uq_attainment_snapshots_goal_quarter")
        ),
    )


def downgrade() -> None:
    op.drop_table("attainment_snapshots")
