"""Every account-team member contributes to the plan: insights per profiling area, comments

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 20:00:00.000000

Plans get the owner's choice to approve insights first (off for every existing plan: nothing
changes until an owner asks for it) and a table of insights. Comments get the client_uuid
that makes sending one twice harmless; each existing comment gets one of its own.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("account_plans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "insights_need_approval", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )

    with op.batch_alter_table("plan_comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_uuid", sa.Uuid(), nullable=True))
    _give_each_comment_a_client_uuid(op.get_bind())
    with op.batch_alter_table("plan_comments", schema=None) as batch_op:
        batch_op.alter_column("client_uuid", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_plan_comments_client_uuid"), ["client_uuid"]
        )

    op.create_table(
        "plan_insights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "declined",
                name="insight_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "area IN ('business', 'clinical', 'operational', 'reimbursement')",
            name=op.f("ck_plan_insights_area"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_plan_insights_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_plan_insights_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["account_plans.id"],
            name=op.f("fk_plan_insights_plan_id_account_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_insights")),
        sa.UniqueConstraint("client_uuid", name=op.f("uq_plan_insights_client_uuid")),
    )
    with op.batch_alter_table("plan_insights", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_insights_author_id"), ["author_id"])
        batch_op.create_index(batch_op.f("ix_plan_insights_plan_id"), ["plan_id"])


def _give_each_comment_a_client_uuid(connection: sa.Connection) -> None:
    comments = sa.table(
        "plan_comments", sa.column("id", sa.Integer), sa.column("client_uuid", sa.Uuid)
    )
    last = 0
    while True:
        ids = connection.scalars(
            sa.select(comments.c.id)
            .where(comments.c.id > last, comments.c.client_uuid.is_(None))
            .order_by(comments.c.id)
            .limit(BATCH)
        ).all()
        if not ids:
            return
        for comment_id in ids:
            connection.execute(
                comments.update()
                .where(comments.c.id == comment_id)
                .values(client_uuid=uuid.uuid4())
            )
        last = ids[-1]


def downgrade() -> None:
    with op.batch_alter_table("plan_insights", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_insights_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_insights_author_id"))
    op.drop_table("plan_insights")
    with op.batch_alter_table("plan_comments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_plan_comments_client_uuid"), type_="unique")
        batch_op.drop_column("client_uuid")
    with op.batch_alter_table("account_plans", schema=None) as batch_op:
        batch_op.drop_column("insights_need_approval")
