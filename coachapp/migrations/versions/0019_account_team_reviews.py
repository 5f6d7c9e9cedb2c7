"""Account-team reviews: a manager reviews an account with its whole team, across lines

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 19:36:24.185749

A review's participants (with the function each held then), the 3C's rated for the team as a
whole, acknowledgements (one per person), the earlier agreements it carried forward or closed;
its own agreements are follow-ups with review_id (never on a note as well).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coachapp.db

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("plan_progress", sa.Text(), nullable=False),
        sa.Column("plan_summary", sa.JSON(), nullable=False),
        sa.Column("created_at", coachapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_reviews_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_account_reviews_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_reviews")),
        sa.UniqueConstraint("client_uuid", name=op.f("uq_account_reviews_client_uuid")),
    )
    with op.batch_alter_table("account_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_reviews_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_account_reviews_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_account_reviews_held_on"), ["held_on"], unique=False)

    op.create_table(
        "review_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", coachapp.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["account_reviews.id"],
            name=op.f("fk_review_acknowledgements_review_id_account_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_acknowledgements_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_acknowledgements")),
        sa.UniqueConstraint("review_id", "user_id", name="uq_review_acknowledgements_person"),
    )
    with op.batch_alter_table("review_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_acknowledgements_review_id"), ["review_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_acknowledgements_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "review_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "function",
            sa.Enum(
                "sales",
                "key_account",
                "msl",
                "market_access",
                "reimbursement",
                "nurse_educator",
                "other",
                name="participant_function",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["account_reviews.id"],
            name=op.f("fk_review_participants_review_id_account_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_participants_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_participants")),
        sa.UniqueConstraint("review_id", "user_id", name="uq_review_participants_person"),
    )
    with op.batch_alter_table("review_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_participants_review_id"), ["review_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_participants_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "review_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("competency_key", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.CheckConstraint("score >= 1 AND score <= 4", name=op.f("ck_review_ratings_score_range")),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["account_reviews.id"],
            name=op.f("fk_review_ratings_review_id_account_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_ratings")),
        sa.UniqueConstraint("review_id", "competency_key", name="uq_review_ratings_competency"),
    )
    with op.batch_alter_table("review_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_ratings_review_id"), ["review_id"], unique=False
        )

    op.create_table(
        "review_earlier_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('open', 'done')", name=op.f("ck_review_earlier_agreements_outcome_known")
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["follow_ups.id"],
            name=op.f("fk_review_earlier_agreements_follow_up_id_follow_ups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["account_reviews.id"],
            name=op.f("fk_review_earlier_agreements_review_id_account_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_earlier_agreements")),
        sa.UniqueConstraint("review_id", "follow_up_id", name="uq_review_earlier_agreements_item"),
    )
    with op.batch_alter_table("review_earlier_agreements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_earlier_agreements_follow_up_id"), ["follow_up_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_earlier_agreements_review_id"), ["review_id"], unique=False
        )

    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_follow_ups_review_id"), ["review_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_follow_ups_review_id_account_reviews"),
            "account_reviews",
            ["review_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_follow_ups_one_source"), "session_id IS NULL OR review_id IS NULL"
        )


def downgrade() -> None:
    # A review's agreements go with it, as they would if it were deleted.
    op.execute("DELETE FROM follow_ups WHERE review_id IS NOT NULL")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_follow_ups_one_source"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_follow_ups_review_id_account_reviews"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_follow_ups_review_id"))
        batch_op.drop_column("review_id")

    with op.batch_alter_table("review_earlier_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_earlier_agreements_review_id"))
        batch_op.drop_index(batch_op.f("ix_review_earlier_agreements_follow_up_id"))

    op.drop_table("review_earlier_agreements")
    with op.batch_alter_table("review_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_ratings_review_id"))

    op.drop_table("review_ratings")
    with op.batch_alter_table("review_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_participants_user_id"))
        batch_op.drop_index(batch_op.f("ix_review_participants_review_id"))

    op.drop_table("review_participants")
    with op.batch_alter_table("review_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_acknowledgements_user_id"))
        batch_op.drop_index(batch_op.f("ix_review_acknowledgements_review_id"))

    op.drop_table("review_acknowledgements")
    with op.batch_alter_table("account_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_reviews_held_on"))
        batch_op.drop_index(batch_op.f("ix_account_reviews_author_id"))
        batch_op.drop_index(batch_op.f("ix_account_reviews_account_id"))

    op.drop_table("account_reviews")
