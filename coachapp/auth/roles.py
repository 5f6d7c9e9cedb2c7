"""Role gates for pages: outside the role, a page does not exist (404)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask_login import current_user, login_required

from coachapp.errors import NotFound
from coachapp.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: Role) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                raise NotFound()
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def viewer() -> User:
    """The signed-in user, typed."""
    return cast(User, current_user._get_current_object())
