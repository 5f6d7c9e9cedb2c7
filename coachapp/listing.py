"""Long lists on pages: the page of rows asked for (`?page=N`) and the text typed into a search
box (`?q=`), read the same way wherever a page lists more than fits."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLColumnExpression

# What a search box takes: longer text is cut here (a name or an email address fits).
SEARCH_MAX_LENGTH = 100
# Page numbers past this are no page anyone reached by following links.
MAX_PAGE_DIGITS = 6


def page_number(value: str) -> int:
    """The page asked for, counting from 1; anything that is not a page number is the first.
    (A number past the last page is the caller's to bring back to the last.)"""
    if value.isascii() and value.isdigit() and len(value) <= MAX_PAGE_DIGITS:
        return max(1, int(value))
    return 1


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows make, `per_page` to a page; an empty list is one page."""
    return max(1, math.ceil(total / per_page))


def page_within(page: int, total: int, per_page: int) -> int:
    """The page asked for, brought back to the last when past it."""
    return min(max(page, 1), page_count(total, per_page))


def first_row_of(page: int, per_page: int) -> int:
    """The number of a page's first row, counting from 1."""
    return (page - 1) * per_page + 1


def search_text(value: str) -> str:
    """Text typed to find something, as it is searched for: runs of spaces made one, at most
    SEARCH_MAX_LENGTH characters; nothing when it holds a character nobody types (a control
    character), which then finds nothing rather than failing."""
    text = " ".join(value.split())[:SEARCH_MAX_LENGTH]
    return text if text.isprintable() else ""


def contains_text(
    text: str, *columns: SQLColumnExpression[str] | SQLColumnExpression[str | None]
) -> ColumnElement[bool]:
    """Rows where one of the columns holds `text`, in any case; `%` and `_` are themselves, not
    wildcards."""
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern += "%"
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))


# How many choices a list to pick from offers at once; typing finds the others.
CHOICES_SHOWN = 30

T = TypeVar("T")


@dataclass(frozen=True)
class Choices(Generic[T]):
    """What a form's list offers to pick from when there may be thousands (colleagues,
    accounts): the first CHOICES_SHOWN in the list's order of those matching what was typed
    (`q`), how many match in all, and one already chosen in a form sent back."""

    items: Sequence[T]
    total: int
    q: str = ""

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def choices_among(
    db: Session,
    model: type[T],
    wanted: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
    q: str,
    searched: Sequence[SQLColumnExpression[str] | SQLColumnExpression[str | None]],
    chosen: int | None = None,
) -> Choices[T]:
    """The rows of `model` that meet `wanted` and hold `q` in one of the `searched` columns,
    first CHOICES_SHOWN in `order`: two statements at most however many rows (the second
    counts them when there are more than are shown), a third for `chosen` (the id of a row
    picked in a form being shown again), which stays among them if it meets `wanted`."""
    found = [*wanted, contains_text(q, *searched)] if q else list(wanted)
    items = list(db.scalars(select(model).where(*found).order_by(*order).limit(CHOICES_SHOWN)))
    total = len(items)
    if total == CHOICES_SHOWN:
        total = db.scalar(select(func.count()).select_from(model).where(*found)) or total
    ids = {item.id for item in items}  # type: ignore[attr-defined]
    if chosen is not None and chosen not in ids:
        key = model.id  # type: ignore[attr-defined]
        kept = db.scalars(select(model).where(*wanted, key == chosen)).first()
        if kept is not None:
            items = list(db.scalars(select(model).where(key.in_([*ids, chosen])).order_by(*order)))
    return Choices(items, total, q)
