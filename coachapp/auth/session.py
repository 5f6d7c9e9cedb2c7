"""flask-login wiring: loading the signed-in user by their rotating session token."""

from __future__ import annotations

from flask import Flask, current_app, redirect, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from coachapp.db import get_session
from coachapp.errors import error_response, wants_json
from coachapp.extensions import login_manager
from coachapp.models import User


def init_login(app: Flask) -> None:
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)


def load_user(session_token: str) -> User | None:
    user = get_session().scalars(select(User).where(User.session_token == session_token)).first()
    if user is None or not user.active:
        return None
    return user


def unauthorized() -> Response | tuple[object, int, dict[str, str]]:
    if wants_json() or request.headers.get("HX-Request") == "true":
        return error_response(401, "Sign in to continue.")
    current_app.logger.debug("redirecting anonymous request for %s to sign in", request.path)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
