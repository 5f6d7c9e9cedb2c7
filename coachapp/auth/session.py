"""flask-login wiring: the signed-in user is found through their server-side browser session."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import user_loaded_from_cookie
from werkzeug.wrappers import Response

from coachapp.auth import password_change, person, sso
from coachapp.auth.service import user_for_browser_token
from coachapp.db import get_session
from coachapp.errors import error_response, wants_json
from coachapp.extensions import login_manager
from coachapp.htmx import is_htmx_request
from coachapp.models import User

# Asked by the service worker in the background, any time: their answers never set the
# session cookie. Flask re-sends a permanent session's cookie with every answer, so a slow one
# would put back the cookie a sign-in or a sign-out in the page replaced meanwhile.
BACKGROUND_ENDPOINTS = frozenset({"pwa.whoami"})


class SessionCookie(SecureCookieSessionInterface):
    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Not for the background's requests: /whoami, and what the phone kept and sends
        again (it names its person, coachapp.auth.person). A replay sent without a session,
        from a page left open while someone signs in, made a new session with a CSRF token of
        its own; its answer, arriving after the sign-in page's, replaced that page's session,
        and the sign-in was refused as a form that did not come from this app."""
        if request.endpoint in BACKGROUND_ENDPOINTS or request.headers.get(person.PERSON_HEADER):
            return False
        return super().should_set_cookie(app, session)


def init_login(app: Flask) -> None:
    app.session_interface = SessionCookie()
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    user_loaded_from_cookie.connect(keep_remembered_session, app)
    password_change.init_app(app)
    person.init_app(app)
    sso.init_app(app)


def load_user(browser_token: str) -> User | None:
    return user_for_browser_token(get_session(), browser_token)


def keep_remembered_session(app: Flask, user: User, **_: Any) -> None:
    """A session restored from "remember me" stays signed in (not fresh) until it ends.

    flask-login restores it without the browser identifier that strong session protection
    compares on the next request, nor as permanent, so that request would sign it out again.
    """
    session["_id"] = login_manager._session_identifier_generator()
    session.permanent = True


def unauthorized() -> Response | tuple[object, int, dict[str, str]]:
    if wants_json() or is_htmx_request():
        return error_response(401, "Sign in to continue.")
    current_app.logger.debug("redirecting anonymous request for %s to sign in", request.path)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
