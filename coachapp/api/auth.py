"""Every API endpoint needs a caller (coachapp.auth.callers), and the document says how."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from coachapp.auth.callers import identify_caller

F = TypeVar("F", bound=Callable[..., Any])
BEARER_SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def api_login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        identify_caller()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def callers_only(blueprint: Any) -> None:
    """Every endpoint of the blueprint needs a caller, checked before its body is read:
    an anonymous request gets 401, not a validation error that reveals the schema."""
    blueprint.before_request(identify_caller)
