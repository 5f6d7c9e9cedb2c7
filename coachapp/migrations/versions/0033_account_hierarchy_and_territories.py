"""Account hierarchy, territories and addresses, for the CRM account import

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 13:50:00.000000

Every existing account is kept as it was: it has no parent, no territory and an empty
address. Two account types join the list (hospital, clinic) so the IDN → hospital → site
hierarchy of a CRM can be loaded; existing types keep their values. Territories are a new
table, and user_territories aligns people to them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from coachapp.db import UTCDateTime

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TYPES = ("idn", "health_system", "medical_group", "academic_center", "payer", "other")
NEW_TYPES = (
    "idn",
    "health_system",
    "hospital",
    "medical_group",
    "clinic",
    "academic_center",
    "payer",
    "other",
)
ADDRESS = (
    ("street", 200),
    ("city", 100),
    ("address_region", 100),
    ("postal_code", 20),
    ("country", 60),
)


def _type_check(types: Sequence[str]) -> str:
    return "type IN (" + ", ".join(f"'{t}'" for t in types) + ")"


def upgrade() -> None:
    op.create_table(
        "territories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territories")),
        sa.UniqueConstraint("code", name=op.f("uq_territories_code")),
    )
    op.create_table(
        "user_territories",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_territories_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_user_territories_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "territory_id", name=op.f("pk_user_territories")),
    )
    op.create_index(op.f("ix_user_territories_territory_id"), "user_territories", ["territory_id"])
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("territory_id", sa.Integer(), nullable=True))
        for name, length in ADDRESS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
        batch_op.create_foreign_key(
            batch_op.f("fk_accounts_parent_id_accounts"),
            "accounts",
            ["parent_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_accounts_territory_id_territories"),
            "territories",
            ["territory_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_accounts_parent_id"), ["parent_id"])
        batch_op.create_index(batch_op.f("ix_accounts_territory_id"), ["territory_id"])
        batch_op.drop_constraint(batch_op.f("ck_accounts_account_type"), type_="check")
        batch_op.create_check_constraint("account_type", _type_check(NEW_TYPES))


def downgrade() -> None:
    accounts = sa.table("accounts", sa.column("type", sa.String))
    # The two new types have no older equivalent closer than these.
    op.get_bind().execute(
        accounts.update().where(accounts.c.type == "hospital").values(type="health_system")
    )
    op.get_bind().execute(
        accounts.update().where(accounts.c.type == "clinic").values(type="medical_group")
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_accounts_account_type"), type_="check")
        batch_op.create_check_constraint("account_type", _type_check(OLD_TYPES))
        batch_op.drop_index(batch_op.f("ix_accounts_territory_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_parent_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_accounts_territory_id_territories"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_accounts_parent_id_accounts"), type_="foreignkey")
        for name, _ in reversed(ADDRESS):
            batch_op.drop_column(name)
        batch_op.drop_column("territory_id")
        batch_op.drop_column("parent_id")
    op.drop_index(op.f("ix_user_territories_territory_id"), table_name="user_territories")
    op.drop_table("user_territories")
    op.drop_table("territories")
