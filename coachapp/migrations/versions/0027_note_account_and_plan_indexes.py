"""Notes found by their account or plan: an index on each

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 09:10:00.000000

Indexes only: no row changes. An account's team page and a plan's notes find the notes about
one account or plan; without these indexes PostgreSQL read every note in a director's scope
to keep a few (30 ms for a national director's account page at --scale 50, 3 ms with them).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_coaching_sessions_account_id"), "coaching_sessions", ["account_id"])
    op.create_index(op.f("ix_coaching_sessions_plan_id"), "coaching_sessions", ["plan_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_coaching_sessions_plan_id"), table_name="coaching_sessions")
    op.drop_index(op.f("ix_coaching_sessions_account_id"), table_name="coaching_sessions")
