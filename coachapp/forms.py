"""Validating HTML form posts with marshmallow, keeping what the user typed."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from coachapp.errors import InvalidInput
from coachapp.field_messages import errors_in_readers_language
from coachapp.ids import MAX_ID
from coachapp.languages import N_
from coachapp.plain_text import (
    LINE_PATTERN,
    LINE_PROBLEM,
    TEXT_PATTERN,
    TEXT_PROBLEM,
    line_problem,
    normalise_newlines,
    text_problem,
)

UNSTORABLE_TEXT = N_("Contains a NUL character or an unpaired surrogate.")
# For the OpenAPI document (Python and ECMA-262 alike): no NUL. Unpaired surrogates are not
# text at all, and a pattern excluding them would exclude emoji in ECMA-262's UTF-16 reading.
NUL_PATTERN = r"^[^\u0000]*$"
# Text that is not typed by people for others to read (a password, an address to look up).
STORABLE_TEXT = validate.Regexp(NUL_PATTERN, error=UNSTORABLE_TEXT)
# Free text (coachapp.plain_text), documented as patterns in the OpenAPI document.
ONE_LINE = validate.Regexp(LINE_PATTERN, error=LINE_PROBLEM)
SEVERAL_LINES = validate.Regexp(TEXT_PATTERN, error=TEXT_PROBLEM)


def _with(extra: validate.Validator, given: Any) -> list[Any]:
    if given is None:
        return [extra]
    return [given, extra] if callable(given) else [*given, extra]


# The spaces around a line that are dropped: every white space that is not a control
# character (str.strip() alone would also drop a final tab or U+001F, which ONE_LINE refuses).
SURROUNDING_SPACES = "".join(
    ch for ch in map(chr, range(0x3001)) if ch.isspace() and re.fullmatch(LINE_PATTERN, ch)
)


class Line(fields.String):
    """One line of text people type (a name, a title, a region): surrounding spaces are
    dropped, and line breaks, tabs and invisible control characters refused, wherever they
    are."""

    def __init__(self, *, validate: Any = None, **kw: Any) -> None:
        super().__init__(validate=_with(ONE_LINE, validate), **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> str:
        return str(super()._deserialize(value, attr, data, **kw)).strip(SURROUNDING_SPACES)


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


def unstorable_fields(formdata: MultiDict[str, str]) -> dict[str, list[str]]:
    """Fields holding NUL, which PostgreSQL cannot store in text: said at the field instead
    of failing on save."""
    return {key: [UNSTORABLE_TEXT] for key, value in formdata.items(multi=True) if "\x00" in value}


def load_form(
    schema: Schema, formdata: MultiDict[str, str], *, keep_empty: bool = False
) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """Validated data, or None and per-field messages in the reader's language.

    Empty inputs count as missing, except with keep_empty (editing what exists): then an
    emptied text field becomes "" and an emptied optional field (a date, say) None.
    """
    raw: dict[str, Any] = {}
    typed = form_values(formdata)
    unstorable = unstorable_fields(formdata)
    if unstorable:
        return None, errors_in_readers_language(unstorable)
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
        return None, errors_in_readers_language(
            {
                key: value if isinstance(value, list) else [str(value)]
                for key, value in messages.items()
            }
        )
    return data, {}


def form_number(value: str) -> Any:
    """The digits a form sends for a number, as the number a JSON body carries; anything
    else as it was typed, for the schema to refuse in the words it uses for the API."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 10:
        return int(value)
    return value


@dataclass(frozen=True)
class FormBody:
    """A form whose fields are not the shape of the API's body (a rating per competency,
    chips joined into a text) read into that body, so that the API's schema and the service
    judge both alike. `names` says which form field each part of the body came from
    ("ratings.0.score": "score-12"); a refusal's messages, the schema's or the service's,
    keyed by the body's paths, are shown at those fields. A path without a name of its own
    takes its nearest parent's ("ratings.0.competency_id" that of "ratings"), else its
    first part (a field named as in the body)."""

    body: dict[str, Any]
    typed: MultiDict[str, str]
    names: Mapping[str, str] = field(default_factory=dict)

    def load(self, schema: Schema) -> dict[str, Any]:
        """The body as the schema loads it, or InvalidInput with the schema's messages."""
        unstorable = unstorable_fields(self.typed)
        if unstorable:
            raise InvalidInput("Please correct the fields marked below.", unstorable)
        try:
            data: dict[str, Any] = schema.load(self.body)
        except ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
            raise InvalidInput("Please correct the fields marked below.", messages) from exc
        return data

    def errors(self, refused: InvalidInput) -> dict[str, list[str]]:
        """The refusal's messages keyed by the form's field names, in the reader's language."""
        found: dict[str, list[str]] = {}
        for path, messages in _flatten(refused.fields):
            found.setdefault(self._name_of(path), []).extend(messages)
        return errors_in_readers_language(found or {"_form": [refused.message]})

    def _name_of(self, path: tuple[str, ...]) -> str:
        for end in range(len(path), 0, -1):
            name = self.names.get(".".join(path[:end]))
            if name is not None:
                return name
        return path[0] if path else "_form"


def _flatten(
    messages: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], list[str]]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            yield from _flatten(value, (*path, str(key)))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        yield path, list(messages)
    elif isinstance(messages, list):
        for item in messages:
            yield from _flatten(item, path)
    else:
        yield path, [str(messages)]


def too_long(limit: int) -> str:
    """What a field longer than its limit says, on every form and in the API alike."""
    return N_("Use at most %(max)s characters.") % {"max": f"{limit:,}"}


def check_length(value: str, limit: int | None, name: str) -> str:
    """The value if it fits its limit; never cut: InvalidInput naming the field otherwise."""
    if limit is not None and len(value) > limit:
        raise InvalidInput(too_long(limit), {name: [too_long(limit)]})
    return value


def typed_line(formdata: MultiDict[str, str], name: str, limit: int | None = None) -> str:
    """A one-line field of a form read by hand (no schema): stripped; InvalidInput naming the
    field when it is longer than `limit` or holds line breaks or control characters."""
    value = check_length(formdata.get(name, "").strip(), limit, name)
    problem = line_problem(value)
    if problem:
        raise InvalidInput(problem, {name: [problem]})
    return value


def typed_lines(formdata: MultiDict[str, str], name: str, limit: int | None = None) -> str:
    """A field of several lines of a form read by hand: CR LF stored as LF; InvalidInput naming
    the field when it is longer than `limit` or holds other control characters."""
    value = check_length(normalise_newlines(formdata.get(name, "")), limit, name)
    problem = text_problem(value)
    if problem:
        raise InvalidInput(problem, {name: [problem]})
    return value


def max_length(schema: Schema, field: str) -> int:
    """The most characters a schema's field takes, for the form's maxlength: the limit is
    written once, in the schema, and the page and the API read it there."""
    for validator in schema.fields[field].validators:
        if isinstance(validator, validate.Length) and validator.max is not None:
            return validator.max
    raise LookupError(f"{type(schema).__name__}.{field} has no maximum length")
