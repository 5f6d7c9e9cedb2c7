"""Observations across reporting lines

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 19:40:00.000000

One table: an observation of an account-team member by a manager or director of another
line, routed to the member's own line manager, who may attach it to a coaching note.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from coachapp.db import UTCDateTime

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = ("account_id", "author_id", "note_id", "routed_to_id", "subject_id")


def upgrade() -> None:
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("routed_to_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.Column("read_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("author_id <> subject_id", name=op.f("ck_observations_not_self")),
        sa.CheckConstraint("routed_to_id <> subject_id", name=op.f("ck_observations_not_to_self")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_observations_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_observations_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_observations_competency_id_competencies"),
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["coaching_sessions.id"],
            name=op.f("fk_observations_note_id_coaching_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["routed_to_id"], ["users.id"], name=op.f("fk_observations_routed_to_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_observations_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observations")),
        sa.UniqueConstraint("author_id", "client_uuid", name="uq_observations_author_client_uuid"),
    )
    with op.batch_alter_table("observations", schema=None) as batch_op:
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f"ix_observations_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("observations", schema=None) as batch_op:
        for column in reversed(INDEXED):
            batch_op.drop_index(batch_op.f(f"ix_observations_{column}"))
    op.drop_table("observations")
