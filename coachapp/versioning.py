"""Optimistic locking: an edit names the version it started from, and a stale one is refused.

The API passes the version in If-Match (ETag); HTML forms carry it in a hidden field
and, field by field, the text the user started from, so edits to different fields by
two people both land while a real clash is shown instead of silently overwritten.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from coachapp.errors import DomainError


class StaleVersion(DomainError):
    """Someone else changed this since the caller read it."""

    status = 412
    code = "precondition_failed"

    def __init__(self, current_version: int, current: dict[str, Any] | None = None) -> None:
        super().__init__(
            "Someone else changed this while you were editing. Your text is kept; "
            "compare it with the current version and save again."
        )
        self.current_version = current_version
        self.current = current or {}
        self.headers["ETag"] = etag(current_version)


class VersionRequired(DomainError):
    status = 428
    code = "precondition_required"

    def __init__(self) -> None:
        super().__init__("Send If-Match with the version you are changing (from ETag).")


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> int | None:
    """The version in an If-Match header ("3", W/"3" or 3), or None when absent or unusable."""
    if not header:
        return None
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    return int(value) if value.isdigit() and len(value) < 10 else None


def check_version(current_version: int, expected: int | None, current: dict[str, Any]) -> None:
    if expected is not None and expected != current_version:
        raise StaleVersion(current_version, current)


def merge_fields(
    current_version: int,
    current: dict[str, Any],
    changes: dict[str, Any],
    bases: dict[str, Any],
) -> dict[str, Any]:
    """Changes to apply, refusing any field someone else changed since the caller's base.

    A field whose base equals its current value is safe to write; a field already equal
    to the change is a no-op; anything else is a real conflict. Values are compared as
    given, so callers pass them in one comparable form (e.g. text).
    """
    clashes = {
        name: current[name]
        for name, value in changes.items()
        if name in bases and bases[name] != current[name] and value != current[name]
    }
    if clashes:
        raise StaleVersion(current_version, clashes)
    return {name: value for name, value in changes.items() if value != current[name]}


def plain_value(value: Any) -> Any:
    """A field's value as JSON and forms carry it: dates as ISO text, enums as their value."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value


def commit_versioned(db: Session, obj: Any) -> None:
    """Commits a change to a versioned row; a writer who committed between our read and our
    write gets the same answer as a stale If-Match."""
    try:
        db.commit()
    except StaleDataError as exc:
        db.rollback()
        db.refresh(obj)
        raise StaleVersion(obj.version) from exc
