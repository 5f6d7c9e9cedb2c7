"""Documenting the error answers an endpoint can give, so the OpenAPI document is complete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apispec import BasePlugin
from flask_smorest import Blueprint

from coachapp.api.auth import BEARER_SECURITY, api_login_required
from coachapp.errors import ErrorSchema
from coachapp.write_limit import EXEMPT_ENDPOINTS, WRITE_METHODS

# Where flask-smorest puts ErrorSchema in the document's components.
ERROR_SCHEMA_REF = "#/components/schemas/Error"

DESCRIPTIONS = {
    400: "Malformed request (e.g. invalid JSON)",
    401: "Missing, unknown or expired token",
    403: "Not allowed",
    404: "Not found, or outside the caller's scope",
    409: "Conflict with the current state",
    412: "If-Match matches no current version (stale, unknown or malformed)",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Invalid fields",
    428: "If-Match with a version is required",
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


class CommonAnswerDocs(BasePlugin):
    """Answers operations give beyond their own, written into the OpenAPI document once
    instead of on every view: 429 on every write the per-person limit counts
    (coachapp.write_limit), 403 on every authenticated operation (a caller who must first
    choose their own password, coachapp.auth.password_change)."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            limited = rule is not None and rule.endpoint not in EXEMPT_ENDPOINTS
            wanted = [429] if limited and method.upper() in WRITE_METHODS else []
            if operation.get("security"):
                wanted.append(403)
            for status in wanted:
                if status not in responses and str(status) not in responses:
                    responses[status] = _error_doc(status)


def _error_doc(status: int) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": ERROR_SCHEMA_REF}}},
    }
    if status in HEADERS:
        doc["headers"] = HEADERS[status]
    return doc


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
