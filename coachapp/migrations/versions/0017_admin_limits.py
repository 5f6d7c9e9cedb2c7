"""Changes that need a second admin, and admin-chosen passwords that expire

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 10:00:00.000000

A password an admin chose already had to be replaced at first sign-in; now it also stops
working 72 hours after it was set. People who still have one when this runs get those 72
hours from now, so nobody is locked out by the upgrade itself.
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEMPORARY_PASSWORD_HOURS = 72


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("temporary_password_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
    users = sa.table(
        "users",
        sa.column("must_change_password", sa.Boolean),
        sa.column("temporary_password_expires_at", sa.DateTime(timezone=True)),
    )
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=TEMPORARY_PASSWORD_HOURS)
    op.get_bind().execute(
        users.update()
        .where(users.c.must_change_password.is_(True))
        .values(temporary_password_expires_at=expires)
    )

    op.create_table(
        "account_change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "declined",
                name="change_request_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_account_change_requests_decided_when_not_pending"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_change_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_account_change_requests_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_account_change_requests_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_change_requests")),
    )
    with op.batch_alter_table("account_change_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_change_requests_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "uq_account_change_requests_pending",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    op.drop_table("account_change_requests")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("temporary_password_expires_at")
