"""flask-login wiring: the signed-in user is found through their server-side browser session."""

from __future__ import annotations

from flask import Flask, current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from coachapp.auth import password_change
from coachapp.auth.service import user_for_browser_token
from coachapp.db import get_session
from coachapp.errors import error_response, wants_json
from coachapp.extensions import login_manager
from coachapp.models import User


def init_login(app: Flask) -> None:
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.refresh_view = "auth.login"
    login_manager.needs_refresh_message = "Confirm your password to make this change."
    login_manager.needs_refresh_message_category = "info"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    password_change.init_app(app)


def load_user(browser_token: str) -> User | None:
    return user_for_browser_token(get_session(), browser_token)


def unauthorized() -> Response | tuple[object, int, dict[str, str]]:
    if wants_json() or request.headers.get("HX-Request") == "true":
        return error_response(401, "Sign in to continue.")
    current_app.logger.debug("redirecting anonymous request for %s to sign in", request.path)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
