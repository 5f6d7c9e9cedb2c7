"""Reporting lines: who someone reported to, from when to when

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 15:00:00.000000

Everyone with a manager gets one open line. It starts when the audit trail last saw their
manager change (the people pages and the org import have recorded every change), else when
the person was added: a former manager's view of their old notes stops there.
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from coachapp.db import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Audited acts that may change a manager (an update, or a change a second admin approved),
# and what a change of manager is called in them: by id on the people pages, by email in the
# org import.
MANAGER_CHANGES = ("user.update", "user.change_approved")
MANAGER_FIELDS = ("manager_id", "manager_email")
BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "reporting_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at",
            name=op.f("ck_reporting_lines_ends_after_start"),
        ),
        sa.CheckConstraint(
            "manager_id <> user_id", name=op.f("ck_reporting_lines_not_own_manager")
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["users.id"],
            name=op.f("fk_reporting_lines_manager_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reporting_lines_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_lines")),
    )
    with op.batch_alter_table("reporting_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reporting_lines_manager_id"), ["manager_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reporting_lines_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_reporting_lines_open",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
    _back_fill(op.get_bind())


def _back_fill(connection: sa.Connection) -> None:
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("manager_id", sa.Integer),
        sa.column("created_at", UTCDateTime()),
    )
    lines = sa.table(
        "reporting_lines",
        sa.column("user_id", sa.Integer),
        sa.column("manager_id", sa.Integer),
        sa.column("started_at", UTCDateTime()),
    )
    moved = _last_audited_moves(connection)
    rows = [
        {
            "user_id": row.id,
            "manager_id": row.manager_id,
            "started_at": max(moved.get(row.id, row.created_at), row.created_at),
        }
        for row in connection.execute(
            sa.select(users.c.id, users.c.manager_id, users.c.created_at).where(
                users.c.manager_id.is_not(None)
            )
        )
    ]
    for start in range(0, len(rows), BATCH):
        connection.execute(lines.insert(), rows[start : start + BATCH])


def _last_audited_moves(connection: sa.Connection) -> dict[int, Any]:
    """Per person, when an audited update last changed their manager."""
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer),
        sa.column("at", UTCDateTime()),
        sa.column("action", sa.String),
        sa.column("object_type", sa.String),
        sa.column("object_id", sa.Integer),
        sa.column("details", sa.JSON),
    )
    moved: dict[int, Any] = {}
    last = 0
    while True:
        rows = connection.execute(
            sa.select(events.c.id, events.c.at, events.c.object_id, events.c.details)
            .where(
                events.c.id > last,
                events.c.action.in_(MANAGER_CHANGES),
                events.c.object_type == "user",
                events.c.object_id.is_not(None),
            )
            .order_by(events.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return moved
        last = rows[-1].id
        for row in rows:
            details = json.loads(row.details) if isinstance(row.details, str) else row.details
            changes = (details or {}).get("changes") or {}
            changed = any(name in changes for name in MANAGER_FIELDS)
            if changed and (row.object_id not in moved or row.at > moved[row.object_id]):
                moved[row.object_id] = row.at


def downgrade() -> None:
    with op.batch_alter_table("reporting_lines", schema=None) as batch_op:
        batch_op.drop_index("uq_reporting_lines_open")
        batch_op.drop_index(batch_op.f("ix_reporting_lines_user_id"))
        batch_op.drop_index(batch_op.f("ix_reporting_lines_manager_id"))
    op.drop_table("reporting_lines")
