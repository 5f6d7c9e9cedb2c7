"""Inbox page; opening a notification marks it read and goes to what it is about."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from coachapp.auth.roles import viewer
from coachapp.db import get_session
from coachapp.inbox import bp, service
from coachapp.security import safe_local_path


@bp.get("/inbox")
@login_required
def index() -> str:
    return render_template("inbox/index.html", items=service.inbox_of(get_session(), viewer()))


@bp.get("/inbox/<int:notification_id>")
@login_required
def follow(notification_id: int) -> Response:
    """Where a pushed notification leads: marks it read and opens its page."""
    return open_notification(notification_id)


@bp.post("/inbox/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int) -> Response:
    found = service.mark_read(get_session(), viewer(), notification_id)
    return redirect(safe_local_path(found.url) or url_for("inbox.index"))
