"""Accounts' external ids: the CRM's or the data warehouse's id of an account, unique when set

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 01:00:00.000000

One nullable column with a unique index: existing accounts keep every field and have no
external id (NULLs do not collide on SQLite nor PostgreSQL). The actuals import names an
account by it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
    op.create_index("ix_accounts_external_id", "accounts", ["external_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_accounts_external_id", table_name="accounts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("external_id")
