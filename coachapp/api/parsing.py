"""Reading JSON bodies so that no request body, however odd, ends in a server error.

Every API blueprint is made from this module's Blueprint: on top of webargs it
answers 415 for a body that is not JSON (instead of reporting every field as
missing), 400 for JSON nested deeper than the decoder can follow, and 422 for
text that no database column or password hash can take (NUL, unpaired
surrogates: valid JSON escapes that UTF-8 cannot encode).
"""

from __future__ import annotations

import re
from typing import Any

import flask_smorest
from flask import Request
from marshmallow import Schema
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import UnsupportedMediaType

from coachapp.forms import UNSTORABLE_TEXT

TOO_DEEP = "The JSON body is nested too deeply."
_UNSTORABLE = re.compile(r"[\u0000\ud800-\udfff]")


def _storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def _contains_unstorable_text(value: Any) -> bool:
    """Walks keys and values without recursion: the JSON may be nested hundreds deep."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not _storable(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def unstorable_fields(data: Any) -> dict[str, list[str]]:
    """The top-level fields holding text that cannot be stored; "_schema" for the body itself."""
    if isinstance(data, dict):
        return {
            key if _storable(key) else "_schema": [UNSTORABLE_TEXT]
            for key, value in data.items()
            if not _storable(key) or _contains_unstorable_text(value)
        }
    return {"_schema": [UNSTORABLE_TEXT]} if _contains_unstorable_text(data) else {}


class JsonParser(FlaskParser):
    def load_json(self, req: Request, schema: Schema) -> Any:
        if not is_json_request(req):
            if req.mimetype or req.get_data(cache=True):
                raise UnsupportedMediaType()
            return core.missing
        try:
            data = super().load_json(req, schema)
        except RecursionError as exc:
            abort(400, exc=exc, message=TOO_DEEP)
        problems = unstorable_fields(data)
        if problems:
            abort(422, messages={"json": problems})
        return data


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the JsonParser above; use it for every API blueprint."""

    ARGUMENTS_PARSER = JsonParser()
