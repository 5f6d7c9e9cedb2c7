"""The ride-along day: the rep's preparation, the calls captured, the note made from them

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows get values for the new NOT NULL columns through server defaults.
    with op.batch_alter_table("planned_ride_alongs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("help_request", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("guide_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.text("CURRENT_TIMESTAMP"),
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_planned_ride_alongs_guide_version_id_guide_versions"),
            "guide_versions",
            ["guide_version_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_planned_ride_alongs_session_id_coaching_sessions"),
            "coaching_sessions",
            ["session_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_planned_ride_alongs_session_id"), ["session_id"]
        )
    with op.batch_alter_table("planned_ride_alongs", schema=None) as batch_op:
        # The defaults were for the rows already there; the app always writes these.
        batch_op.alter_column("help_request", server_default=None)
        batch_op.alter_column("version", server_default=None)
        batch_op.alter_column("updated_at", server_default=None)

    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence", sa.Text(), nullable=True))

    op.create_table(
        "ride_along_stops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ride_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ride_along_stops_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["account_plans.id"],
            name=op.f("fk_ride_along_stops_plan_id_account_plans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ride_id"],
            ["planned_ride_alongs.id"],
            name=op.f("fk_ride_along_stops_ride_id_planned_ride_alongs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ride_along_stops")),
    )
    with op.batch_alter_table("ride_along_stops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ride_along_stops_ride_id"), ["ride_id"], unique=False)

    op.create_table(
        "ride_along_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.Uuid(), nullable=False),
        sa.Column("ride_id", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=True),
        sa.Column("account_name", sa.String(length=160), nullable=False),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ride_id"],
            ["planned_ride_alongs.id"],
            name=op.f("fk_ride_along_calls_ride_id_planned_ride_alongs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["ride_along_stops.id"],
            name=op.f("fk_ride_along_calls_stop_id_ride_along_stops"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ride_along_calls")),
        sa.UniqueConstraint("client_uuid", name=op.f("uq_ride_along_calls_client_uuid")),
    )
    with op.batch_alter_table("ride_along_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ride_along_calls_ride_id"), ["ride_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ride_along_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ride_along_calls_ride_id"))
    op.drop_table("ride_along_calls")
    with op.batch_alter_table("ride_along_stops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ride_along_stops_ride_id"))
    op.drop_table("ride_along_stops")

    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_column("evidence")

    with op.batch_alter_table("planned_ride_alongs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_planned_ride_alongs_session_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_planned_ride_alongs_session_id_coaching_sessions"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_planned_ride_alongs_guide_version_id_guide_versions"),
            type_="foreignkey",
        )
        batch_op.drop_column("updated_at")
        batch_op.drop_column("version")
        batch_op.drop_column("session_id")
        batch_op.drop_column("guide_version_id")
        batch_op.drop_column("prepared_at")
        batch_op.drop_column("help_request")
