"""Signing in through the organisation's OpenID Connect provider: GET /login/sso leaves for
the provider, which sends the browser back to GET /login/sso/callback."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_fresh, login_user

from coachapp.auth import sso, sso_people, throttle
from coachapp.auth.roles import viewer
from coachapp.auth.service import end_browser_session, start_browser_session
from coachapp.db import get_session
from coachapp.errors import Throttled
from coachapp.security import safe_local_path

bp = Blueprint("sso", __name__)

# Kept in the session between leaving for the provider and coming back.
NEXT_KEY = "sso_next"
NOT_COMPLETED = (
    "Single sign-on did not complete (the link was used already, is too old, or was not "
    "started in this browser). Sign in again."
)


@bp.before_request
def configured() -> None:
    if not sso.enabled():
        abort(404)


@bp.get("/login/sso")
def login() -> Any:
    if current_user.is_authenticated and login_fresh():
        return redirect(url_for("home.index"))
    try:
        sso.metadata()
    except sso.ProviderUnavailable as exc:
        return _not_signed_in(exc.message, 502)
    session[NEXT_KEY] = safe_local_path(request.args.get("next")) or ""
    return redirect(sso.start_authorization(url_for("sso.callback", _external=True)))


@bp.get("/login/sso/callback")
def callback() -> Any:
    db = get_session()
    ip = request.remote_addr or ""
    try:
        throttle.check_address_allowed(db, ip)
        sso.metadata()
        token = sso.client().authorize_access_token()
        claims = sso.verified_claims(token)
    except Throttled as exc:
        return _not_signed_in(exc.message, 429, {"Retry-After": str(exc.retry_after)})
    except sso.ProviderUnavailable as exc:
        return _not_signed_in(exc.message, 502)
    except sso.CALLBACK_ERRORS as exc:
        current_app.logger.info("single sign-on callback refused: %r", exc)
        sso_people.record_failure(db, ip)
        return _not_signed_in(NOT_COMPLETED, 400)
    try:
        user = sso_people.person_for_identity(db, claims, ip)
    except sso.SignOnRefused as exc:
        return _not_signed_in(exc.message, 403)
    next_path = session.pop(NEXT_KEY, "")
    # A fresh session on sign-in, as with a password: nothing from before survives (fixation).
    if current_user.is_authenticated:
        end_browser_session(db, viewer().browser_token)
    session.clear()
    # Commits the person (when just made), the sign-in and its audit with the session.
    start_browser_session(db, user, remember=False, ip=ip, user_agent=request.user_agent.string)
    login_user(user, remember=False)
    session.permanent = True
    session[sso.ID_TOKEN_KEY] = token["id_token"]
    return redirect(safe_local_path(next_path) or url_for("home.index"))


def _not_signed_in(message: str, status: int, headers: dict[str, str] | None = None) -> Any:
    session.pop(NEXT_KEY, None)
    return render_template("auth/sso_refused.html", message=message), status, headers or {}
