"""Validating HTML form posts with marshmallow, keeping what the user typed."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

UNSTORABLE_TEXT = "Contains a NUL character or an unpaired surrogate."
# For the OpenAPI document (Python and ECMA-262 alike): no NUL. Unpaired surrogates are not
# text at all, and a pattern excluding them would exclude emoji in ECMA-262's UTF-16 reading.
TEXT_PATTERN = r"^[^\u0000]*$"
# Every free-text input field carries this, so the documented schema says what is refused.
STORABLE_TEXT = validate.Regexp(TEXT_PATTERN, error=UNSTORABLE_TEXT)


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
