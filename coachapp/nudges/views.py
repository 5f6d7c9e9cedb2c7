"""The notification settings page, the test notification and the service worker script."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from werkzeug.wrappers import Response

from coachapp.auth.roles import viewer
from coachapp.db import get_session, utcnow
from coachapp.forms import form_values, load_form
from coachapp.inbox import reading
from coachapp.languages import gettext, writing_for
from coachapp.mail.queue import mail_configured
from coachapp.nudges import preferences, subjects, subscriptions
from coachapp.nudges.kinds import KINDS, MUTABLE_KINDS
from coachapp.nudges.outbox import notify
from coachapp.nudges.vapid import public_key_of

bp = Blueprint("nudges", __name__)


def _page(status: int = 200, **context: Any) -> tuple[str, int]:
    db, user = get_session(), viewer()
    prefs = preferences.preferences_of(db, user.id)
    context.setdefault(
        "values",
        {
            "quiet_start": prefs.quiet_start.strftime("%H:%M") if prefs.quiet_start else "",
            "quiet_end": prefs.quiet_end.strftime("%H:%M") if prefs.quiet_end else "",
            "daily_cap": prefs.daily_cap,
            "email_mode": prefs.email_mode,
            "enabled": [kind for kind in MUTABLE_KINDS if kind not in prefs.muted_kinds],
        },
    )
    context.setdefault("errors", {})
    return render_template(
        "nudges/settings.html",
        kinds=[KINDS[kind] for kind in MUTABLE_KINDS],
        email_modes=preferences.EMAIL_MODES,
        email_sent=mail_configured(),
        devices=subscriptions.subscriptions_of(db, user),
        public_key=public_key_of(current_app),
        **context,
    ), status


@bp.get("/me/notifications")
@login_required
def settings() -> tuple[str, int]:
    reading.page_opened(get_session(), viewer(), subjects.notification_settings())
    return _page()


@bp.post("/me/notifications")
@login_required
def save_settings() -> Any:
    enabled = [kind for kind in request.form.getlist("push") if kind in MUTABLE_KINDS]
    data, errors = load_form(preferences.preferences_schema, request.form)
    if data is None:
        values = {**form_values(request.form), "enabled": enabled}
        return _page(422, values=values, errors=errors)
    data["muted_kinds"] = [kind for kind in MUTABLE_KINDS if kind not in enabled]
    preferences.update_preferences(get_session(), viewer(), data)
    flash("Notification settings saved.", "success")
    return redirect(url_for("nudges.settings"))


@bp.post("/me/notifications/test")
@login_required
def send_test() -> Response:
    user = viewer()
    db = get_session()
    stamp = utcnow().strftime("%Y%m%d%H%M%S%f")
    with writing_for(user):
        title = gettext("Test notification from Coachapp")
        body = gettext("Notifications reach this account.")
    notify(
        db, user.id, "test", title, url_for("nudges.settings"), f"test:{user.id}:{stamp}",
        body=body, subject=subjects.notification_settings(),
    )  # fmt: skip
    db.commit()
    if subscriptions.subscriptions_of(db, user):
        flash("Test notification sent: it arrives on your devices within a few seconds.", "success")
    else:
        flash(
            "Test notification is in your inbox. Turn on notifications on this device to get "
            "them on your phone too.",
            "success",
        )
    return redirect(url_for("nudges.settings"))


@bp.post("/me/notifications/devices/<int:subscription_id>/remove")
@login_required
def remove_device(subscription_id: int) -> Response:
    subscriptions.remove_device(get_session(), viewer(), subscription_id)
    flash("That device gets no more notifications.", "success")
    return redirect(url_for("nudges.settings"))


BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


@bp.app_template_filter("device_name")
def device_name(user_agent: str) -> str:
    """'Chrome on Android' from a User-Agent string; 'A browser' when unknown."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), "A browser")
    system = next((name for mark, name in SYSTEMS if mark in user_agent), "")
    return f"{browser} on {system}" if system else browser
