"""Who is calling the API: a bearer token, or the signed-in browser with its CSRF token.

A cookie alone never authorises an API write: unsafe methods from the browser
must carry the page's CSRF token in X-CSRFToken.
"""

from __future__ import annotations

from typing import cast

from flask import g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError as WTFValidationError

from coachapp.auth.password_change import check_own_password
from coachapp.auth.service import token_row
from coachapp.db import get_session
from coachapp.errors import DomainError
from coachapp.models import ApiToken, User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class Unauthenticated(DomainError):
    status = 401
    code = "unauthorized"

    def __init__(
        self, message: str = "Send a valid API token: Authorization: Bearer <token>."
    ) -> None:
        super().__init__(message)


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def resolve_caller() -> tuple[User, ApiToken | None]:
    token = _bearer_token()
    if token is not None:
        row = token_row(get_session(), token)
        if row is None:
            raise Unauthenticated("The API token is unknown, expired or revoked.")
        check_own_password(row.user)
        return row.user, row
    if "Authorization" in request.headers:
        raise Unauthenticated()
    if current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            try:
                validate_csrf(request.headers.get("X-CSRFToken"))
            except (CSRFError, WTFValidationError) as exc:
                raise Unauthenticated("Missing or invalid CSRF token.") from exc
        user = cast(User, current_user._get_current_object())
        check_own_password(user)
        return user, None
    raise Unauthenticated()


def identify_caller() -> None:
    """Resolves the caller once per request (401 when there is none)."""
    if "api_user" not in g:
        g.api_user, g.api_token = resolve_caller()


def api_user() -> User:
    user: User = g.api_user
    return user
