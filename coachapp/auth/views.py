"""Sign-in and sign-out pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_fresh, login_required, login_user, logout_user
from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from coachapp.auth import sso
from coachapp.auth.person import KEPT_SIGN_OUT_HEADER
from coachapp.auth.roles import viewer
from coachapp.auth.service import (
    InvalidCredentials,
    authenticate,
    end_browser_session,
    start_browser_session,
)
from coachapp.db import get_session
from coachapp.errors import Throttled
from coachapp.forms import form_values, load_form
from coachapp.languages import gettext
from coachapp.security import safe_local_path

bp = Blueprint("auth", __name__)


class LoginForm(Schema):
    email = fields.String(
        required=True,
        validate=validate.Length(max=254),
        error_messages={"required": "Enter your email address."},
    )
    password = fields.String(
        required=True,
        validate=validate.Length(max=1024),
        error_messages={"required": "Enter your password."},
    )
    remember = fields.Boolean(load_default=False)
    next = fields.String(load_default="")


login_form = LoginForm()


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    # Signed in with a password this session: nothing to do. Restored from "remember me":
    # the form asks for the password again before a change (fresh_login_for_changes).
    if current_user.is_authenticated and login_fresh():
        return redirect(url_for("home.index"))
    values: dict[str, Any] = {"next": request.args.get("next", "")}
    errors: dict[str, list[str]] = {}
    status = 200
    headers: dict[str, str] = {}
    if request.method == "POST" and not sso.password_sign_in():
        errors = {"_form": [sso.PasswordSignInOff().message]}
        status = 403
    elif request.method == "POST":
        values = form_values(request.form)
        data, errors = load_form(login_form, request.form)
        if data is not None:
            try:
                user = authenticate(
                    get_session(), data["email"], data["password"], request.remote_addr or ""
                )
            except InvalidCredentials as exc:
                errors = {"_form": [gettext(exc.message)]}
                status = 401
            except Throttled as exc:
                errors = {"_form": [exc.message]}
                status = 429
                headers["Retry-After"] = str(exc.retry_after)
            else:
                # A fresh session on sign-in: nothing from before survives (fixation).
                if current_user.is_authenticated:
                    end_browser_session(get_session(), viewer().browser_token)
                session.clear()
                start_browser_session(
                    get_session(),
                    user,
                    remember=data["remember"],
                    ip=request.remote_addr or "",
                    user_agent=request.user_agent.string,
                )
                login_user(user, remember=data["remember"])
                session.permanent = True
                return redirect(safe_local_path(data["next"]) or url_for("home.index"))
        else:
            status = 422
    values.pop("password", None)
    page = render_template(
        "auth/login.html",
        values=values,
        errors=errors,
        single_sign_on=sso.enabled(),
        password_sign_in=sso.password_sign_in(),
    )
    return page, status, headers


# What signing out clears in the browser, besides the session: the pages the service worker
# kept for offline use and what waits in its outbox (both under "storage"), and the HTTP
# cache. Not "cookies": the session and "remember me" cookies are already removed by this
# answer and ended on the server, and "cookies" would clear the cookies of every subdomain
# of the site (a single sign-on provider's session among them).
CLEAR_SITE_DATA = '"cache", "storage"'


@bp.post("/logout")
@login_required
def logout() -> Response:
    end_browser_session(get_session(), viewer().browser_token)
    id_token = session.get(sso.ID_TOKEN_KEY)
    logout_user()
    session.clear()
    flash(gettext("You are signed out."), "info")
    # Signed in through the provider: signed out there too, which then sends them back here.
    response = redirect(sso.end_session_url(id_token) or url_for("auth.login", signed_out=1))
    # A sign-out the service worker kept offline: the phone was cleared when it was tapped.
    if KEPT_SIGN_OUT_HEADER not in request.headers:
        response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response
