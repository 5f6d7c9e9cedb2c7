"""Paging every list of the API, written once: the query it takes (`limit`, `cursor`), keyset
pages over a query or over figures computed in Python, and the link to the next page.

A list is ordered by sort keys whose last one is unique (an id), so the order is total. A
page ends with its last row's keys; the next page starts after them (keyset paging), not at
an offset: rows added or removed while a client walks the pages cause no gap and no repeat
among the others, and every page is read through the caller's scope again. The cursor is
those keys, as base64url of a JSON array: opaque to clients, checked on the way back in (a
bad one is a 422 at `cursor`, never a 500).

Arrays stay arrays: the next page is a `Link: <...>; rel="next"` header (RFC 8288), absent on
the last page. An answer that is an object also says it in a `next` field. docs/contract.md
("Paging") is the rule as clients read it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from flask import request, url_for
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Select, and_, literal, or_
from sqlalchemy.orm import Session

from coachapp.errors import InvalidInput
from coachapp.ids import MAX_ID

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# A cursor holds a few keys (an id, a date, a name of at most a few hundred characters).
CURSOR_MAX_LENGTH = 1024
MAX_TEXT_KEY = 400

BAD_CURSOR = "Not a cursor this API gave; start again without one."
STALE_CURSOR = "This cursor belongs to another list; start again without one."

_CURSOR = re.compile(r"^[A-Za-z0-9_-]+$")
_UNSTORABLE = re.compile(r"[\u0000\ud800-\udfff]")

LINK_HEADER = {
    "Link": {
        "description": 'The next page, as `<URL>; rel="next"` (RFC 8288); absent on the last',
        "schema": {"type": "string"},
    }
}


# The query ----------------------------------------------------------------------------------


class CursorField(fields.String):
    """A cursor as the API gave it: loaded into the JSON array of keys it holds."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > CURSOR_MAX_LENGTH or not _CURSOR.match(text):
            raise ValidationError(BAD_CURSOR)
        try:
            keys = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (binascii.Error, ValueError, RecursionError) as error:
            raise ValidationError(BAD_CURSOR) from error
        if (
            not isinstance(keys, list)
            or not keys
            or not all(isinstance(key, int | str) for key in keys)
        ):
            raise ValidationError(BAD_CURSOR)
        return tuple(keys)


class PageQuerySchema(Schema):
    """The paging half of every list's query; a list with filters of its own adds them."""

    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(1, MAX_LIMIT),
        metadata={"description": f"Items on the page, at most {MAX_LIMIT}"},
    )
    cursor = CursorField(
        metadata={
            "description": "Where the page starts: the cursor in the previous page's next "
            "link, as given (opaque)",
            "pattern": _CURSOR.pattern,
            "maxLength": CURSOR_MAX_LENGTH,
        }
    )


def next_field() -> fields.String:
    """The `next` field of an answer that is an object: the next page's URL, null on the last."""
    return fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The next page (as the Link header has it); null on the last"},
    )


# The order ----------------------------------------------------------------------------------


class SortKey(NamedTuple):
    """One key of a list's order: a column or SQL expression (query_page), or a function of a
    computed item (list_page); `kind` is its values' type (int, str, bool, dt.date or
    dt.datetime), never null."""

    value: Any
    kind: type = int
    descending: bool = False


def asc(value: Any, kind: type = int) -> SortKey:
    return SortKey(value, kind)


def desc(value: Any, kind: type = int) -> SortKey:
    return SortKey(value, kind, descending=True)


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _cursor_of(values: Iterable[Any]) -> str:
    text = json.dumps([_encode(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decoded(value: Any, kind: type) -> Any:
    """A key from the cursor as the order's values are, or ValueError."""
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID:
            return value
    elif isinstance(value, str):
        if kind is str and len(value) <= MAX_TEXT_KEY and not _UNSTORABLE.search(value):
            return value
        if kind is dt.datetime:
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                return moment.astimezone(dt.UTC)
        elif kind is dt.date and len(value) == 10:
            return dt.date.fromisoformat(value)
    raise ValueError(value)


def _position(keys: Sequence[SortKey], query: dict[str, Any]) -> tuple[Any, ...] | None:
    """Where the requested page starts: after these keys, or at the start."""
    cursor = query.get("cursor")
    if cursor is None:
        return None
    if len(cursor) != len(keys):
        raise InvalidInput("Some fields are not valid.", {"cursor": [STALE_CURSOR]})
    try:
        return tuple(_decoded(value, key.kind) for value, key in zip(cursor, keys, strict=True))
    except ValueError:
        raise InvalidInput("Some fields are not valid.", {"cursor": [STALE_CURSOR]}) from None


# A page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None

    @property
    def next_url(self) -> str | None:
        """This request again (its path and filters) from the next page on; None on the last."""
        if self.next_cursor is None:
            return None
        values: dict[str, Any] = dict(request.view_args or {})
        values.update((key, request.args.getlist(key)) for key in request.args if key != "cursor")
        return url_for(request.endpoint or "", **values, cursor=self.next_cursor, _external=True)

    @property
    def headers(self) -> dict[str, str]:
        url = self.next_url
        return {"Link": f'<{url}>; rel="next"'} if url else {}

    def answer(self) -> tuple[list[T], int, dict[str, str]]:
        """The page as a list endpoint answers it: the items, with the next page's link."""
        return self.items, 200, self.headers

    def map(self, change: Callable[[list[T]], list[Any]]) -> Page[Any]:
        """The same page of other items (each row as the answer shows it)."""
        return Page(change(self.items), self.next_cursor)


def _cut(rows: list[tuple[T, tuple[Any, ...]]], limit: int) -> Page[T]:
    """The first `limit` of rows fetched one beyond it; the last kept row's keys lead on."""
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([item for item, _ in rows], _cursor_of(rows[-1][1]) if more else None)


def query_page(
    db: Session, statement: Select[Any], keys: Sequence[SortKey], query: dict[str, Any]
) -> Page[Any]:
    """One page of the statement's first entity, ordered by the keys (any order the
    statement had is replaced), in one query whatever the page."""
    position = _position(keys, query)
    statement = statement.order_by(None).order_by(
        *(key.value.desc() if key.descending else key.value.asc() for key in keys)
    )
    if position is not None:
        statement = statement.where(_after(keys, position))
    statement = statement.add_columns(*(key.value for key in keys)).limit(query["limit"] + 1)
    rows = db.execute(statement).unique().all()
    return _cut([(row[0], tuple(row[1:])) for row in rows], query["limit"])


def _after(keys: Sequence[SortKey], position: tuple[Any, ...]) -> Any:
    """Rows after the position in the keys' order: beyond it on the first key that differs."""
    # Bound with each key's own type (SQLAlchemy compares a bare True or False by IS only).
    values = [literal(value, key.value.type) for key, value in zip(keys, position, strict=True)]
    clauses = []
    for index, key in enumerate(keys):
        same = [k.value == v for k, v in zip(keys[:index], values, strict=False)]
        beyond = key.value < values[index] if key.descending else key.value > values[index]
        clauses.append(and_(*same, beyond))
    return or_(*clauses)


def list_page(
    items: Iterable[T], keys: Sequence[SortKey], query: dict[str, Any], keep_order: bool = False
) -> Page[T]:
    """One page of items computed in Python, ordered by the keys (functions of an item).

    keep_order: the pages are cut in the keys' order, but each page shows its items in the
    order given (an order by figures that change from one request to the next, which would
    move items across the cut)."""
    position = _position(keys, query)
    given = list(items)
    keyed = [(item, tuple(key.value(item) for key in keys)) for item in given]

    def compare(a: tuple[T, tuple[Any, ...]], b: tuple[T, tuple[Any, ...]]) -> int:
        return _compare(keys, a[1], b[1])

    keyed.sort(key=functools.cmp_to_key(compare))
    if position is not None:
        keyed = [row for row in keyed if _compare(keys, row[1], position) > 0]
    page = _cut(keyed[: query["limit"] + 1], query["limit"])
    if keep_order:
        shown = {id(item) for item in page.items}
        return Page([item for item in given if id(item) in shown], page.next_cursor)
    return page


def _compare(keys: Sequence[SortKey], a: tuple[Any, ...], b: tuple[Any, ...]) -> int:
    for key, x, y in zip(keys, a, b, strict=True):
        if x != y:
            before = x > y if key.descending else x < y
            return -1 if before else 1
    return 0
