"""The language a reset link was asked for in

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-08 10:00:00.000000

password_reset_requests.language: the language of the page the ask came from, so that the
worker writes the link's email in it to someone who left their language to the browser.
Empty for the asks so far, which means English, as they were written.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("password_reset_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("password_reset_requests", schema=None) as batch_op:
        batch_op.drop_column("language")
