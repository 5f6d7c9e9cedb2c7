"""Page or fragment: the one place that reads htmx request headers and writes htmx response ones."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, make_response, render_template, request


def is_fragment_request() -> bool:
    """An htmx request that swaps part of the page (boosted navigation wants the page)."""
    return (
        request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
    )


def render_page_or_fragment(page: str, fragment: str, **context: Any) -> str:
    return render_template(fragment if is_fragment_request() else page, **context)


def htmx_redirect(location: str) -> Response:
    response = make_response("", 204)
    response.headers["HX-Redirect"] = location
    return response


def with_trigger(response: Response, event: str, detail: Any = None) -> Response:
    response.headers["HX-Trigger"] = json.dumps({event: detail}) if detail is not None else event
    return response
