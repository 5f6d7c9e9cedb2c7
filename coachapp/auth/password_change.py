"""Someone whose password an admin chose uses it for one thing: choosing their own.

Until they do, every page sends them to the password page (an htmx request gets 403 in the
JSON error shape), and the API, by cookie or token, answers 403 `password_change_required`,
also to a request for a new token. Signing out, the sign-in page, static files and the
installable app's files stay open.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, request, url_for
from flask_login import current_user

from coachapp.errors import DomainError, wants_json
from coachapp.links import is_api_request
from coachapp.models import User

# What a person who must choose a password can still open.
OPEN_ENDPOINTS = frozenset(
    {
        "me.password",
        "auth.login",
        "auth.logout",
        "auth.forgot_password",
        "auth.accept_invitation",
        "auth.reset_password",
        "static",
        "health.healthz",
        "health.readyz",
        "pwa.service_worker",
        "pwa.manifest",
        "pwa.favicon",
        "pwa.offline",
        "pwa.whoami",
        "api-docs.openapi_json",
    }
)


class PasswordChangeRequired(DomainError):
    status = 403
    code = "password_change_required"

    def __init__(self) -> None:
        super().__init__(
            "Choose your own password first: an administrator set the one you have. "
            "Sign in on the web and you are taken to the page to change it."
        )


def check_own_password(user: User) -> None:
    """Raises PasswordChangeRequired while the person's password is one an admin chose."""
    if user.must_change_password:
        raise PasswordChangeRequired()


def send_to_password_page() -> Any:
    if request.endpoint in OPEN_ENDPOINTS or is_api_request():
        return None  # the API checks its caller itself (coachapp.api.auth)
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if wants_json():
        raise PasswordChangeRequired()
    target = request.full_path.rstrip("?") if request.method == "GET" else ""
    # 303: a form post is not repeated on the password page; nothing it asked for was done.
    return redirect(url_for("me.password", next=target or None), 303)


def init_app(app: Flask) -> None:
    app.before_request(send_to_password_page)
