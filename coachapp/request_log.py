"""One JSON line per request on the `coachapp.request` logger, tied together by a request id.

The id comes from the proxy's X-Request-ID when it looks like an id, else it is made here;
it is sent back in X-Request-ID so a user's report, the proxy's log and ours meet.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy import inspect

log = logging.getLogger("coachapp.request")

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators (UUIDs, proxies' hex ids); anything else could forge
# log lines or carry data, so it is replaced rather than logged.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def request_id() -> str:
    """This request's id, made on first use."""
    if "request_id" not in g:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    return str(g.request_id)


def start_request() -> None:
    g.request_started = time.perf_counter()
    request_id()


def signed_in_user_id() -> int | None:
    """The caller already identified by this request, without loading anyone for the log."""
    user: Any = g.get("api_user") or g.get("_login_user")  # flask-login keeps it in g
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    # From the identity the object was loaded with, never a load: after a rollback or a
    # database outage (coachapp.errors) the person is expired and no longer in a session.
    identity = inspect(user).identity
    return int(identity[0]) if identity else None


def logged_path() -> str:
    rule = request.url_rule
    if rule is not None and "token" in rule.arguments:
        return rule.rule
    return request.path


def log_request(response: Response) -> Response:
    started = g.get("request_started")
    duration_ms = (time.perf_counter() - started) * 1000 if started is not None else None
    response.headers[REQUEST_ID_HEADER] = request_id()
    log.info(
        json.dumps(
            {
                "event": "request",
                "request_id": request_id(),
                "method": request.method,
                # The path only: query strings may carry search text or tokens. A path
                # holding a secret (a URL variable named token) is written as its rule.
                "path": logged_path(),
                "status": response.status_code,
                "duration_ms": round(duration_ms, 1) if duration_ms is not None else None,
                "user_id": signed_in_user_id(),
            },
            separators=(",", ":"),
        )
    )
    return response


def init_app(app: Flask) -> None:
    """Registered before every other hook: the first to start the clock, the last to answer."""
    app.before_request(start_request)
    app.after_request(log_request)
    if not app.testing and not log.handlers:
        # gunicorn configures no Python logging: without a handler these lines would be lost.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
