"""Learning journeys: pulses and application exercises per competency, and each rep's way
through one

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 16:40:00.000000

New tables, nothing else changes: journeys (one per competency key) with versions (a draft,
or published and unchanged since) and their steps; a rep's enrolment (one per development
focus), the steps that reached them (released, opened) and their exercise submissions (one
per step, unique by the rep's client_uuid, reviewed by their manager).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competency_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
        sa.UniqueConstraint("competency_key", name=op.f("uq_journeys_competency_key")),
    )
    op.create_table(
        "journey_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "retired",
                name="journey_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["journey_id"], ["journeys.id"], name=op.f("fk_journey_versions_journey_id_journeys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_versions")),
        sa.UniqueConstraint("journey_id", "number", name="uq_journey_versions_number"),
    )
    with op.batch_alter_table("journey_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journey_versions_journey_id"), ["journey_id"], unique=False
        )

    op.create_table(
        "journey_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("focus_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["focus_id"],
            ["development_focuses.id"],
            name=op.f("fk_journey_enrolments_focus_id_development_focuses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["users.id"], name=op.f("fk_journey_enrolments_rep_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["journey_versions.id"],
            name=op.f("fk_journey_enrolments_version_id_journey_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_enrolments")),
        sa.UniqueConstraint("focus_id", name=op.f("uq_journey_enrolments_focus_id")),
    )
    with op.batch_alter_table("journey_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journey_enrolments_rep_id"), ["rep_id"], unique=False)

    op.create_table(
        "journey_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "tip",
                "question",
                "read",
                "link",
                "exercise",
                name="journey_step_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["journey_versions.id"],
            name=op.f("fk_journey_steps_version_id_journey_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_steps")),
    )
    with op.batch_alter_table("journey_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journey_steps_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "journey_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["journey_enrolments.id"],
            name=op.f("fk_journey_progress_enrolment_id_journey_enrolments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["journey_steps.id"],
            name=op.f("fk_journey_progress_step_id_journey_steps"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_progress")),
        sa.UniqueConstraint("enrolment_id", "step_id", name="uq_journey_progress_step"),
    )
    with op.batch_alter_table("journey_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journey_progress_enrolment_id"), ["enrolment_id"], unique=False
        )

    op.create_table(
        "journey_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.Uuid(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("progress_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_journey_submissions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["progress_id"],
            ["journey_progress.id"],
            name=op.f("fk_journey_submissions_progress_id_journey_progress"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["users.id"], name=op.f("fk_journey_submissions_rep_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f("fk_journey_submissions_reviewed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_submissions")),
        sa.UniqueConstraint("progress_id", name=op.f("uq_journey_submissions_progress_id")),
        sa.UniqueConstraint("rep_id", "client_uuid", name="uq_journey_submissions_client_uuid"),
    )
    with op.batch_alter_table("journey_submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journey_submissions_rep_id"), ["rep_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("journey_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journey_submissions_rep_id"))

    op.drop_table("journey_submissions")
    with op.batch_alter_table("journey_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journey_progress_enrolment_id"))

    op.drop_table("journey_progress")
    with op.batch_alter_table("journey_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journey_steps_version_id"))

    op.drop_table("journey_steps")
    with op.batch_alter_table("journey_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journey_enrolments_rep_id"))

    op.drop_table("journey_enrolments")
    with op.batch_alter_table("journey_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journey_versions_journey_id"))

    op.drop_table("journey_versions")
    op.drop_table("journeys")
