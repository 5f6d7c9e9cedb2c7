"""How much of their write rate each person has used (coachapp.write_limit)."""

from __future__ import annotations

from sqlalchemy import Double, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from coachapp.db import Base


class WriteAllowance(Base):
    """One row per person who wrote: each write moves `busy_until` one interval further
    (60 / WRITE_RATE_PER_MINUTE seconds, starting from now when it lies in the past); a write
    is refused while `busy_until` is more than WRITE_BURST intervals ahead of now.

    Seconds since the epoch as a float, not a timestamp: a single upsert does the arithmetic
    on SQLite and PostgreSQL alike, so gunicorn's processes share the limit exactly.
    """

    __tablename__ = "write_allowances"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    busy_until: Mapped[float] = mapped_column(Double)
