"""Measurable goals: metric, unit, baseline and target, or ordered stages; actuals over time

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 21:00:00.000000

Every existing goal is kept as it was: its title, its `measure` (the team's words for how
success is judged), target date, status and `value` (what reaching it is worth) are untouched.
Each becomes a numeric goal with no metric, baseline or target yet, so its attainment reads
"no data" until the team sets them; nothing is guessed from the free text. Actuals are a new
table, one row per date a goal was measured.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from coachapp.db import UTCDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan_goals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "numeric",
                    "stages",
                    name="goal_kind",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=False,
                server_default="numeric",
            )
        )
        batch_op.add_column(
            sa.Column("metric", sa.String(length=80), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("unit", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("baseline", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("baseline_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("target", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("stages", sa.JSON(), nullable=True))
    goals = sa.table("plan_goals", sa.column("stages", sa.JSON))
    op.get_bind().execute(goals.update().values(stages=[]))
    with op.batch_alter_table("plan_goals", schema=None) as batch_op:
        batch_op.alter_column("stages", existing_type=sa.JSON(), nullable=False)

    op.create_table(
        "goal_actuals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "typed",
                "imported",
                "api",
                name="actual_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["plan_goals.id"],
            name=op.f("fk_goal_actuals_goal_id_plan_goals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_goal_actuals_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_actuals")),
        sa.UniqueConstraint("client_uuid", name=op.f("uq_goal_actuals_client_uuid")),
    )
    with op.batch_alter_table("goal_actuals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_actuals_goal_id"), ["goal_id"])
        batch_op.create_index(batch_op.f("ix_goal_actuals_recorded_by_id"), ["recorded_by_id"])


def downgrade() -> None:
    with op.batch_alter_table("goal_actuals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_actuals_recorded_by_id"))
        batch_op.drop_index(batch_op.f("ix_goal_actuals_goal_id"))
    op.drop_table("goal_actuals")
    with op.batch_alter_table("plan_goals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_plan_goals_goal_kind"), type_="check")
        for column in ("stages", "target", "baseline_date", "baseline", "unit", "metric", "kind"):
            batch_op.drop_column(column)
