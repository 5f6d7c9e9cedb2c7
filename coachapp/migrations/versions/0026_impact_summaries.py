"""Impact summaries: each team's and region's impact figures, computed once and read many times

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 02:00:00.000000

A new table only: nothing existing changes. impact_summaries holds the impact page's figures
of a team's, a region's or a region's accounts' plans, computed by the worker with the
dashboard's figures. Until it has computed them, the impact page computes its figures as
before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "impact_summaries",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=80), nullable=False),
        sa.Column("division", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "scope IN ('team', 'subtree', 'region')",
            name=op.f("ck_impact_summaries_scope_known"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["users.id"],
            name=op.f("fk_impact_summaries_person_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "person_id", "scope", "region", "division", "as_of", name=op.f("pk_impact_summaries")
        ),
    )


def downgrade() -> None:
    op.drop_table("impact_summaries")
