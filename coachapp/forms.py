"""Validating HTML form posts with marshmallow, keeping what the user typed."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from coachapp.errors import InvalidInput
from coachapp.plain_text import (
    LINE_PATTERN,
    LINE_PROBLEM,
    TEXT_PATTERN,
    TEXT_PROBLEM,
    line_problem,
    normalise_newlines,
    text_problem,
)

UNSTORABLE_TEXT = "Contains a NUL character or an unpaired surrogate."
# For the OpenAPI document (Python and ECMA-262 alike): no NUL. Unpaired surrogates are not
# text at all, and a pattern excluding them would exclude emoji in ECMA-262's UTF-16 reading.
NUL_PATTERN = r"^[^\u0000]*$"
# Text that is not typed by people for others to read (a password, an address to look up).
STORABLE_TEXT = validate.Regexp(NUL_PATTERN, error=UNSTORABLE_TEXT)
# Free text (coachapp.plain_text), documented as patterns in the OpenAPI document.
ONE_LINE = validate.Regexp(LINE_PATTERN, error=LINE_PROBLEM)
SEVERAL_LINES = validate.Regexp(TEXT_PATTERN, error=TEXT_PROBLEM)
# Every id column is a 32-bit integer: a larger id names nothing, and must not reach the database.
MAX_ID = 2**31 - 1


def _with(extra: validate.Validator, given: Any) -> list[Any]:
    if given is None:
        return [extra]
    return [given, extra] if callable(given) else [*given, extra]


class Line(fields.String):
    """One line of text people type (a name, a title, a region): surrounding spaces are
    dropped, and line breaks, tabs and invisible control characters refused."""

    def __init__(self, *, validate: Any = None, **kw: Any) -> None:
        super().__init__(validate=_with(ONE_LINE, validate), **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        return str(super()._deserialize(value, attr, data, **kw)).strip()


class Lines(fields.String):
    """Text of several lines (a note, a comment): CR LF and CR are stored as LF; other
    control characters and invisible formatting are refused."""

    def __init__(self, *, validate: Any = None, **kw: Any) -> None:
        super().__init__(validate=_with(SEVERAL_LINES, validate), **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        return normalise_newlines(str(super()._deserialize(value, attr, data, **kw)))


class FormId(fields.Integer):
    """An id: a JSON integer, or the digits an HTML form sends (never 5.5 read as 5)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(strict=True, validate=validate.Range(1, MAX_ID), **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> int:
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
            value = int(value)
        return int(super()._deserialize(value, attr, data, **kw))


def form_values(formdata: MultiDict[str, str]) -> dict[str, Any]:
    """What the user typed, as given (minus the CSRF token), to re-fill the form."""
    return {key: formdata.get(key) for key in formdata if key != "csrf_token"}


def load_form(
    schema: Schema, formdata: MultiDict[str, str], *, keep_empty: bool = False
) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """Validated data, or None and per-field messages.

    Empty inputs count as missing, except with keep_empty (editing what exists): then an
    emptied text field becomes "" and an emptied optional field (a date, say) None.
    """
    raw: dict[str, Any] = {}
    typed = form_values(formdata)
    unstorable = {
        k: [UNSTORABLE_TEXT] for k, v in typed.items() if isinstance(v, str) and "\x00" in v
    }
    if unstorable:
        # PostgreSQL cannot store NUL in text; say so instead of failing on save.
        return None, unstorable
    for key, value in typed.items():
        if value not in (None, ""):
            raw[key] = value
        elif keep_empty and key in schema.fields:
            field = schema.fields[key]
            if isinstance(field, fields.String):
                raw[key] = ""
            elif field.allow_none:
                raw[key] = None
    try:
        data = schema.load(raw, unknown=EXCLUDE)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return None, {
            key: value if isinstance(value, list) else [str(value)]
            for key, value in messages.items()
        }
    return data, {}


def typed_line(formdata: MultiDict[str, str], name: str, limit: int | None = None) -> str:
    """A one-line field of a form read by hand (no schema): stripped, and cut to `limit` if
    given; InvalidInput naming the field when it holds line breaks or control characters."""
    value = formdata.get(name, "").strip()[:limit]
    problem = line_problem(value)
    if problem:
        raise InvalidInput(problem, {name: [problem]})
    return value


def typed_lines(formdata: MultiDict[str, str], name: str, limit: int | None = None) -> str:
    """A field of several lines of a form read by hand: CR LF stored as LF, cut to `limit` if
    given; InvalidInput naming the field when it holds other control characters."""
    value = normalise_newlines(formdata.get(name, ""))[:limit]
    problem = text_problem(value)
    if problem:
        raise InvalidInput(problem, {name: [problem]})
    return value
