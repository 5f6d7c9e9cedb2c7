"""Role gates for pages (outside the role, a page is 404) and fresh sign-in for changes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask_login import current_user, login_required

from coachapp.auth import reauth
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


def fresh_login_for_changes(view: F) -> F:
    """Changes (POST) need a password typed in this session, not one restored from
    "remember me"; reading does not. The password is asked for on the way to the change,
    which then goes ahead as sent (coachapp.auth.reauth)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        asking = reauth.confirmation_needed()
        if asking is not None:
            return asking
        return view(*args, **kwargs)

    return cast(F, wrapped)
