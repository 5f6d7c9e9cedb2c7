"""Documenting the error answers an endpoint can give, so the OpenAPI document is complete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint

from coachapp.api.auth import BEARER_SECURITY, api_login_required
from coachapp.api.schemas import ErrorSchema

DESCRIPTIONS = {
    400: "Malformed request (e.g. invalid JSON)",
    401: "Missing, unknown or expired token",
    403: "Not allowed",
    404: "Not found, or outside the caller's scope",
    409: "Conflict with the current state",
    412: "The If-Match version is stale",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Invalid fields",
    428: "If-Match is required",
    429: "Too many requests",
}

# Headers an error answer always carries (coachapp.errors adds them).
HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with: Bearer",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def errors(blp: Blueprint, *statuses: int) -> Callable[[Any], Any]:
    def decorator(view: Any) -> Any:
        for status in statuses:
            view = blp.alt_response(
                status,
                schema=ErrorSchema,
                description=DESCRIPTIONS[status],
                headers=HEADERS.get(status),
            )(view)
        return view

    return decorator


def authenticated(blp: Blueprint, *statuses: int) -> Callable[[Any], Any]:
    """Requires a caller and documents the bearer scheme with the usual error answers."""

    def decorator(view: Any) -> Any:
        view = api_login_required(view)
        view = errors(blp, 401, *statuses)(view)
        return blp.doc(security=BEARER_SECURITY)(view)

    return decorator
