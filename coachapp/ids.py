"""Every id column is a 32-bit integer: a larger id names nothing, and must not reach the
database (PostgreSQL refuses to compare one)."""

from __future__ import annotations

MAX_ID = 2**31 - 1


def typed_id(value: str) -> int | None:
    """An id typed into a form or a query string, or None when it cannot name a row."""
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    return None
