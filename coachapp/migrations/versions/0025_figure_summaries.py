"""Figure summaries: each team's and region's dashboard figures, computed once and read many times

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 02:00:00.000000

New tables only: nothing existing changes. figure_summaries holds the figures a dashboard
shows for a team or a region, figure_refreshes when they were computed, figure_changes what
changed since. Until the worker (or `flask --app coachapp refresh-figures`) has computed
them, the dashboard computes its figures as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from coachapp.db import UTCDateTime

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "figure_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_changes")),
    )
    op.create_table(
        "figure_refreshes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("computed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("zones", sa.JSON(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_figure_refreshes_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_refreshes")),
    )
    op.create_table(
        "figure_summaries",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("division", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "scope IN ('team', 'subtree')", name=op.f("ck_figure_summaries_scope_known")
        ),
        sa.CheckConstraint("window_days > 0", name=op.f("ck_figure_summaries_window_positive")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["users.id"],
            name=op.f("fk_figure_summaries_person_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "person_id",
            "scope",
            "window_days",
            "division",
            "as_of",
            name=op.f("pk_figure_summaries"),
        ),
    )


def downgrade() -> None:
    op.drop_table("figure_summaries")
    op.drop_table("figure_refreshes")
    op.drop_table("figure_changes")
