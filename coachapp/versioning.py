"""Optimistic locking: an edit names the version it started from, and a stale one is refused.

The API passes the version in If-Match (ETag); HTML forms carry it in a hidden field
and, field by field, the text the user started from, so edits to different fields by
two people both land while a real clash is shown instead of silently overwritten.

If-Match is read as RFC 9110 §13.1.1 says: a list of entity-tags, and the change goes ahead
only when one of them is the current version's ETag. One that matches no current version —
an older version, a tag we never gave out, or a value that is not an entity-tag at all (it
matches nothing either) — answers 412 with the current ETag. A versioned change without
If-Match answers 428 (RFC 6585), and so does ``If-Match: *``: it names no version, so it
cannot stop a lost update, which is what the precondition is required for. Two leniencies: a
weak tag (W/"3") is compared by its version, since a proxy that compresses responses weakens
our ETags on the way out, and so is the tag of a compressed answer ("3:br", "3:gzip": the
app's own compression names the coding in the tag, coachapp.compression); either way the
number still names exactly one version.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from coachapp.compression import uncompressed_tag
from coachapp.errors import DomainError


class StaleVersion(DomainError):
    """Someone else changed this since the caller read it."""

    status = 412
    code = "precondition_failed"

    def __init__(
        self,
        current_version: int,
        current: dict[str, Any] | None = None,
        message: str = (
            "Someone else changed this while you were editing. Your text is kept; "
            "compare it with the current version and save again."
        ),
    ) -> None:
        super().__init__(message)
        self.current_version = current_version
        self.current = current or {}
        self.headers["ETag"] = etag(current_version)


class VersionRequired(DomainError):
    status = 428
    code = "precondition_required"

    def __init__(self) -> None:
        super().__init__(
            "Send If-Match with the ETag of the version you are changing, as a GET gives it "
            '(e.g. "3"); "*" names no version.'
        )


def etag(version: int) -> str:
    return f'"{version}"'


@dataclass(frozen=True)
class IfMatch:
    """A change's precondition: the versions it may apply to (none: it matches nothing)."""

    versions: frozenset[int]
    given: str = ""  # as the client sent it, for the message

    def matches(self, version: int) -> bool:
        return version in self.versions


# RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text
ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"')
VERSION_DIGITS = 9  # a version fits an INTEGER column


def parse_if_match(header: str | None) -> IfMatch | None:
    """The versions an If-Match header names; None when it is absent or "*" (no version)."""
    if header is None or not header.strip() or header.strip() == "*":
        return None
    versions: set[int] = set()
    for member in header.split(","):
        if not member.strip():
            continue  # RFC 9110 §5.6.1: empty list elements are allowed and ignored
        tag = ENTITY_TAG.fullmatch(member.strip())
        if tag is None:  # not an entity-tag: the whole field is malformed and matches nothing
            return IfMatch(frozenset(), header.strip()[:100])
        opaque = uncompressed_tag(tag.group(2))
        if opaque.isascii() and opaque.isdigit() and len(opaque) <= VERSION_DIGITS:
            versions.add(int(opaque))
    return IfMatch(frozenset(versions), header.strip()[:100])


def form_version(value: str | None) -> IfMatch | None:
    """The version an HTML form started from (its hidden field: digits); None when the form
    carries none, and a precondition that matches nothing when the field is not a number."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= VERSION_DIGITS:
        return IfMatch(frozenset({int(value)}), value)
    return IfMatch(frozenset(), value[:100])


# What a change names as the version it started from: a number (in-process callers), the
# If-Match header or a form's version field, or nothing (no precondition).
ExpectedVersion = int | IfMatch | None


def check_version(current_version: int, expected: ExpectedVersion, current: dict[str, Any]) -> None:
    """Refuses (412) a change whose precondition does not match the current version."""
    if expected is None:
        return
    if isinstance(expected, int):
        expected = IfMatch(frozenset({expected}), str(expected))
    if expected.matches(current_version):
        return
    if not any(version < current_version for version in expected.versions):
        # Not an older version: a tag we never gave out, or not a tag at all.
        raise StaleVersion(
            current_version,
            current,
            f"If-Match {expected.given} names no version of this; send the ETag a GET "
            f"gives (now {etag(current_version)}).",
        )
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
