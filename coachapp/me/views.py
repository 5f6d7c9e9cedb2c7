"""The Me page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user

from coachapp import account_events
from coachapp.auth.roles import viewer
from coachapp.auth.service import start_browser_session
from coachapp.calendar_feed import service as calendar_feed
from coachapp.db import get_session
from coachapp.errors import InvalidInput
from coachapp.forms import form_values, load_form
from coachapp.inbox import reading
from coachapp.languages import gettext
from coachapp.me import service
from coachapp.nudges import subjects
from coachapp.security import safe_local_path
from coachapp.timezones import with_searched_zone, zone_picker, zones_in_use

bp = Blueprint("me", __name__)


def _page(status: int = 200, **context: Any) -> tuple[str, int]:
    user = viewer()
    context.setdefault(
        "profile", {"name": user.name, "timezone": user.timezone, "language": user.language}
    )
    context.setdefault("profile_errors", {})
    context.setdefault("password_errors", {})
    db = get_session()
    timezones = zone_picker(zones_in_use(db), context["profile"].get("timezone") or "")
    return render_template(
        "me/index.html",
        timezones=timezones,
        security_events=account_events.events_for(db, user),
        calendar_feed=calendar_feed.live_feed(db, user),
        **context,
    ), status


@bp.get("/me")
@login_required
def index() -> tuple[str, int]:
    reading.page_opened(get_session(), viewer(), subjects.own_account())  # security events
    return _page()


@bp.post("/me/profile")
@login_required
def profile() -> Any:
    data, errors = load_form(service.profile_schema, with_searched_zone(request.form))
    if data is None:
        return _page(422, profile=form_values(request.form), profile_errors=errors)
    service.update_profile(get_session(), viewer(), data)
    flash(gettext("Profile saved."), "success")
    return redirect(url_for("me.index"))


def _password_page(status: int = 200, **context: Any) -> tuple[str, int]:
    """The page with only the password form: where someone whose password an admin chose is
    sent before anything else (coachapp.auth.password_change)."""
    context.setdefault("password_errors", {})
    context.setdefault("next", safe_local_path(request.values.get("next")) or "")
    user = viewer()
    if user.must_change_password:
        # Who chose the password they signed in with: the first sign of one they did not ask for.
        latest = account_events.events_for(get_session(), user, limit=1)
        context["latest_event"] = latest[0] if latest else None
    return render_template("me/password.html", **context), status


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    if request.method == "GET":
        return _password_page()
    # Errors show on the page the form was on: this one, or the Me page.
    on_password_page = request.form.get("page") == "password"
    show = _password_page if on_password_page else _page
    data, errors = load_form(service.password_schema, request.form)
    if data is None:
        return show(422, password_errors=errors)
    user = viewer()
    chosen_by_admin = user.must_change_password
    try:
        service.change_password(get_session(), user, data["current_password"], data["new_password"])
    except InvalidInput as exc:
        return show(422, password_errors=exc.fields)
    # Every session ended with the change; this browser carries on in a new one.
    start_browser_session(
        get_session(),
        user,
        remember=False,
        ip=request.remote_addr or "",
        user_agent=request.user_agent.string,
    )
    login_user(user)
    if chosen_by_admin:
        flash(gettext("Your own password is set. Other devices have been signed out."), "success")
        return redirect(safe_local_path(request.form.get("next")) or url_for("home.index"))
    flash(gettext("Password changed. Other devices have been signed out."), "success")
    return redirect(url_for("me.index"))


@bp.post("/me/calendar-feed")
@login_required
def start_calendar_feed() -> tuple[str, int]:
    """A new calendar address, shown on this answer only: its secret is not kept. Another
    tap makes another one, and the address shown is the one that works."""
    secret = calendar_feed.start_feed(get_session(), viewer())
    address = url_for("calendar_feed.feed", token=secret, _external=True)
    return _page(calendar_feed_address=address)


@bp.post("/me/calendar-feed/stop")
@login_required
def stop_calendar_feed() -> Any:
    if calendar_feed.stop_feed(get_session(), viewer()):
        flash(
            "Calendar address turned off: calendars subscribed to it no longer update.", "success"
        )
    return redirect(url_for("me.index", _anchor="calendar-heading"))
