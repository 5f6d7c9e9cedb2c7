"""Guide and journey versions in another language: the text enablement gives them

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 19:30:00.000000

New tables, nothing else changes: guide_translations and journey_translations, one row per
version and language, holding the translated texts keyed by the version's parts; deleted
with their version.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (("guide_translations", "guide_versions"), ("journey_translations", "journey_versions"))


def upgrade() -> None:
    for table, versions in TABLES:
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("version_id", sa.Integer(), nullable=False),
            sa.Column("language", sa.String(length=8), nullable=False),
            sa.Column("texts", sa.JSON(), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["version_id"],
                [f"{versions}.id"],
                name=op.f(f"fk_{table}_version_id_{versions}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("version_id", "language", name=f"uq_{table}_version_language"),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f(f"ix_{table}_version_id"), ["version_id"], unique=False
            )


def downgrade() -> None:
    for table, _versions in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_version_id"))
        op.drop_table(table)
