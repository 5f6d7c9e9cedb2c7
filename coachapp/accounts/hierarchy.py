"""The accounts an account belongs to in the CRM's hierarchy (a site's hospital, the hospital's
IDN), read in one query whatever the depth."""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import Session, aliased

from coachapp.models import Account

# The import refuses loops; the bound keeps a loop made some other way from running forever.
MAX_DEPTH = 12


def parent_chain(db: Session, account: Account) -> list[Account]:
    """The accounts above `account`, the top one (the IDN) first; no query without a parent."""
    if account.parent_id is None:
        return []
    chain = (
        select(Account.id, Account.parent_id, literal(1).label("depth"))
        .where(Account.id == account.parent_id)
        .cte("chain", recursive=True)
    )
    above = aliased(Account)
    chain = chain.union_all(
        select(above.id, above.parent_id, chain.c.depth + 1)
        .join(chain, above.id == chain.c.parent_id)
        .where(chain.c.depth < MAX_DEPTH, above.id != account.id)
    )
    query = select(Account).join(chain, Account.id == chain.c.id).order_by(chain.c.depth.desc())
    return list(db.scalars(query))
