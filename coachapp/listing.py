"""Long lists on pages: the page of rows asked for (`?page=N`) and the text typed into a search
box (`?q=`), read the same way wherever a page lists more than fits."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_
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


def search_text(value: str) -> str:
    """Text typed to find something, as it is searched for: runs of spaces made one, at most
    SEARCH_MAX_LENGTH characters; nothing when it holds a character nobody types (a control
    character), which then finds nothing rather than failing."""
    text = " ".join(value.split())[:SEARCH_MAX_LENGTH]
    return text if text.isprintable() else ""


def contains_text(text: str, *columns: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """Rows where one of the columns holds `text`, in any case; `%` and `_` are themselves, not
    wildcards."""
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern += "%"
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))
