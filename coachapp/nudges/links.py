"""Where a notification leads: url_for during a request, and in the worker (no request) the
app's URL map bound once, so a renamed route fails a test instead of a push link."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for
from werkzeug.routing import MapAdapter

ADAPTER_KEY = "coachapp.nudges.links"


def path_for(endpoint: str, **values: Any) -> str:
    """The local path of an endpoint (e.g. "coaching.follow_up", follow_up_id=5)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return _worker_adapter().build(endpoint, values)


def _worker_adapter() -> MapAdapter:
    adapter: MapAdapter | None = current_app.extensions.get(ADAPTER_KEY)
    if adapter is None:
        # Only paths are built (notifications link within the app), so the host is a stand-in.
        adapter = current_app.url_map.bind(
            "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/"
        )
        current_app.extensions[ADAPTER_KEY] = adapter
    return adapter
