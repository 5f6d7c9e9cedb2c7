"""A rep's self-assessment before their next coaching note

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 05:32:37.249994
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_self_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("guide_version_id", sa.Integer(), nullable=False),
        sa.Column("ratings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guide_version_id"],
            ["guide_versions.id"],
            name=op.f("fk_pending_self_assessments_guide_version_id_guide_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["users.id"],
            name=op.f("fk_pending_self_assessments_rep_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_self_assessments")),
        sa.UniqueConstraint("rep_id", name=op.f("uq_pending_self_assessments_rep_id")),
    )


def downgrade() -> None:
    op.drop_table("pending_self_assessments")
