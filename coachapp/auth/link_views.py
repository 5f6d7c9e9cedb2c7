"""Pages reached without signing in to set a password: "Forgot your password?", and the
pages that an invitation's or a reset's link opens."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from marshmallow import Schema, fields, validate

from coachapp.auth.password_links import LinkNotValid, choose_password, live_link
from coachapp.auth.password_reset import ask_for_reset, reset_hours
from coachapp.auth.passwords import PasswordSchema
from coachapp.auth.roles import viewer
from coachapp.auth.service import end_browser_session, start_browser_session
from coachapp.auth.sso import password_sign_in
from coachapp.auth.views import bp
from coachapp.db import get_session
from coachapp.email_addresses import MAX_LENGTH as EMAIL_MAX_LENGTH
from coachapp.email_addresses import PersonEmail
from coachapp.errors import InvalidInput, Throttled
from coachapp.forms import form_values, load_form
from coachapp.languages import current_language
from coachapp.links import site_url
from coachapp.mail.queue import mail_configured
from coachapp.models import PasswordLinkPurpose


class ForgotPasswordForm(Schema):
    email = fields.String(
        required=True,
        validate=[validate.Length(max=EMAIL_MAX_LENGTH), PersonEmail()],
        error_messages={"required": "Enter your email address."},
    )


forgot_password_form = ForgotPasswordForm()
# The new password field as the Me page has it, with the same rules (password_problem).
choose_password_form = PasswordSchema(only=("new_password",))

# Pages carrying a link's token are kept by nobody (browser cache, a proxy).
NOT_KEPT = {"Cache-Control": "no-store"}


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    """Asks for a reset link. The answer is the same whether an account uses the address or
    not: the ask is recorded either way, and the worker sends a link only to an account."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    headers: dict[str, str] = {}
    status = 200
    if request.method == "POST" and mail_configured() and password_sign_in():
        values = form_values(request.form)
        data, errors = load_form(forgot_password_form, request.form)
        status = 422
        if data is not None:
            try:
                ask_for_reset(
                    get_session(),
                    data["email"],
                    request.remote_addr or "",
                    site_url(),
                    current_language(),
                )
            except Throttled as exc:
                errors, status = {"_form": [exc.message]}, 429
                headers["Retry-After"] = str(exc.retry_after)
            else:
                # 303 to one page: the same answer, byte for byte, for any address.
                return redirect(url_for("auth.forgot_password", sent=1), 303)
    return (
        render_template(
            "auth/forgot_password.html",
            values=values,
            errors=errors,
            sent=request.method == "GET" and request.args.get("sent") == "1",
            mail_configured=mail_configured(),
            password_sign_in=password_sign_in(),
            hours=reset_hours(),
        ),
        status,
        headers,
    )


def _choose_password_page(token: str, purpose: PasswordLinkPurpose) -> Any:
    if not password_sign_in():
        return _link_not_valid(purpose)  # the page says why: single sign-on only
    db = get_session()
    try:
        link = live_link(db, token, purpose)
    except LinkNotValid:
        return _link_not_valid(purpose)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        data, errors = load_form(choose_password_form, request.form)
        status = 422
        if data is not None:
            try:
                user = choose_password(db, token, purpose, data["new_password"])
            except InvalidInput as exc:
                errors = exc.fields or {"_form": [exc.message]}
            except LinkNotValid:
                return _link_not_valid(purpose)
            else:
                # Whoever was signed in in this browser, it is now this person, afresh.
                if current_user.is_authenticated:
                    end_browser_session(db, viewer().browser_token)
                session.clear()
                start_browser_session(
                    db,
                    user,
                    remember=False,
                    ip=request.remote_addr or "",
                    user_agent=request.user_agent.string,
                )
                login_user(user)
                session.permanent = True
                done = (
                    "Welcome to Coachapp: your password is set."
                    if purpose == PasswordLinkPurpose.INVITATION
                    else "Your new password is set. Other devices have been signed out."
                )
                flash(done, "success")
                return redirect(url_for("home.index"))
    page = render_template(
        "auth/choose_password.html",
        person=link.user,
        invitation=purpose == PasswordLinkPurpose.INVITATION,
        action=request.path,
        errors=errors,
    )
    return page, status, NOT_KEPT


def _link_not_valid(purpose: PasswordLinkPurpose) -> Any:
    page = render_template(
        "auth/link_not_valid.html",
        invitation=purpose == PasswordLinkPurpose.INVITATION,
        password_sign_in=password_sign_in(),
    )
    return page, 404, NOT_KEPT


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Any:
    """An invitation's link: the person chooses their password and is signed in."""
    return _choose_password_page(token, PasswordLinkPurpose.INVITATION)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    """A reset link: the person chooses a new password, is signed out everywhere else and
    signed in here."""
    return _choose_password_page(token, PasswordLinkPurpose.RESET)
