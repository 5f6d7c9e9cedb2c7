"""Validating HTML form posts with marshmallow, keeping what the user typed."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError
from werkzeug.datastructures import MultiDict


def form_values(formdata: MultiDict[str, str]) -> dict[str, Any]:
    """What the user typed, as given (minus the CSRF token), to re-fill the form."""
    return {key: formdata.get(key) for key in formdata if key != "csrf_token"}


def load_form(
    schema: Schema, formdata: MultiDict[str, str]
) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """Validated data, or None and per-field messages. Empty inputs count as missing."""
    raw = {k: v for k, v in form_values(formdata).items() if v not in (None, "")}
    try:
        data = schema.load(raw, unknown=EXCLUDE)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return None, {
            key: value if isinstance(value, list) else [str(value)]
            for key, value in messages.items()
        }
    return data, {}
