"""Page or fragment: the one place that reads htmx request headers and writes htmx response ones.

Header names are those of htmx 4 (coachapp/static/vendor), which reads every `HX-*` response
header it knows (Redirect, Retarget, Reswap, Trigger, ...) from any answer, error or not."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, make_response, render_template, request


def is_htmx_request() -> bool:
    """Any request htmx made, boosted navigation included."""
    return request.headers.get("HX-Request") == "true"


def is_fragment_request() -> bool:
    """An htmx request that swaps part of the page (boosted navigation wants the page, and so
    does going back to a URL a swap pushed: htmx then asks for it to draw the whole page)."""
    return (
        is_htmx_request()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(page: str, fragment: str, **context: Any) -> str:
    return render_template(fragment if is_fragment_request() else page, **context)


def htmx_redirect(location: str) -> Response:
    """An empty answer that sends the browser to `location` (htmx follows it, not the fetch)."""
    response = make_response("", 204)
    response.headers["HX-Redirect"] = location
    return response


def with_trigger(response: Response, event: str, detail: Any = None) -> Response:
    """The page hears `event` once the answer is in (e.g. "plan-changed" refreshes figures)."""
    response.headers["HX-Trigger"] = json.dumps({event: detail}) if detail is not None else event
    return response


def swapped_into(response: Response, selector: str, swap: str = "outerHTML") -> Response:
    """The answer replaces `selector` instead of the requester's own target: a refused form
    comes back whole, with its errors, in place of the form that was sent."""
    response.headers["HX-Retarget"] = selector
    response.headers["HX-Reswap"] = swap
    return response
