"""Blind self-rating, the acknowledgement deadline, and coach-the-coach notes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("self_rated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("self_rating_skipped_at", sa.DateTime(timezone=True), nullable=True)
        )
    # Notes from before blind self-rating: a self-assessment already made counts as made, and
    # a note the rep has already opened stays open to them (they have seen its ratings).
    op.execute(
        "UPDATE coaching_sessions SET self_rated_at = COALESCE(rep_seen_at, shared_at, updated_at)"
        " WHERE self_assessment IS NOT NULL AND status <> 'draft'"
    )
    op.execute(
        "UPDATE coaching_sessions SET self_rating_skipped_at = rep_seen_at"
        " WHERE self_rated_at IS NULL AND rep_seen_at IS NOT NULL AND status <> 'draft'"
    )

    with op.batch_alter_table("cadence_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ack_deadline_days", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "ack_deadline_positive", "ack_deadline_days IS NULL OR ack_deadline_days > 0"
        )

    op.create_table(
        "coach_the_coach_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.Uuid(), nullable=False),
        sa.Column("director_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "shared",
                "acknowledged",
                name="coach_note_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ack_comment", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status <> 'acknowledged' OR acknowledged_at IS NOT NULL",
            name=op.f("ck_coach_the_coach_notes_acknowledged_has_time"),
        ),
        sa.CheckConstraint(
            "status = 'draft' OR shared_at IS NOT NULL",
            name=op.f("ck_coach_the_coach_notes_shared_has_timestamp"),
        ),
        sa.CheckConstraint(
            "director_id <> manager_id", name=op.f("ck_coach_the_coach_notes_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["director_id"], ["users.id"], name=op.f("fk_coach_the_coach_notes_director_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_coach_the_coach_notes_manager_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_the_coach_notes")),
        sa.UniqueConstraint("client_uuid", name=op.f("uq_coach_the_coach_notes_client_uuid")),
    )
    with op.batch_alter_table("coach_the_coach_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coach_the_coach_notes_director_id"), ["director_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_coach_the_coach_notes_manager_id"), ["manager_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("coach_the_coach_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coach_the_coach_notes_manager_id"))
        batch_op.drop_index(batch_op.f("ix_coach_the_coach_notes_director_id"))
    op.drop_table("coach_the_coach_notes")

    with op.batch_alter_table("cadence_targets", schema=None) as batch_op:
        batch_op.drop_constraint("ack_deadline_positive", type_="check")
        batch_op.drop_column("ack_deadline_days")

    with op.batch_alter_table("coaching_sessions", schema=None) as batch_op:
        batch_op.drop_column("self_rating_skipped_at")
        batch_op.drop_column("self_rated_at")
