"""Inbox page; opening a notification from it marks it read and goes to what it is about."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from coachapp.auth.roles import viewer
from coachapp.db import get_session
from coachapp.htmx import is_fragment_request
from coachapp.inbox import service
from coachapp.models import Notification
from coachapp.security import safe_local_path

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@login_required
def index() -> str:
    db, user = get_session(), viewer()
    return render_template(
        "inbox/index.html",
        items=service.inbox_of(db, user),
        unread=service.unread_count(db, user),
    )


@bp.post("/inbox/read-all")
@login_required
def mark_all_read() -> Any:
    """ "Mark all read": the list again (htmx, with the navigation's badge), or the page."""
    db, user = get_session(), viewer()
    marked = service.mark_all_read(db, user)
    if is_fragment_request():
        return render_template(
            "inbox/_inbox.html",
            items=service.inbox_of(db, user),
            unread=0,
            marked=marked,
            oob_nav=True,
        )
    flash("All notifications marked read.", "success")
    return redirect(url_for("inbox.index"))


@bp.get("/inbox/<int:notification_id>")
@login_required
def follow(notification_id: int) -> Response:
    """Where a pushed notification leads: to its page, changing nothing (a GET may be a
    prefetch or a link preview). The page, once opened, marks the notifications about what
    it shows read (coachapp.inbox.reading)."""
    found = service.notification_of(get_session(), viewer(), notification_id)
    return _to_page_of(found)


@bp.post("/inbox/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int) -> Response:
    """A notification chosen in the inbox: read, and its page opened."""
    return _to_page_of(service.mark_read(get_session(), viewer(), notification_id))


def _to_page_of(notification: Notification) -> Response:
    return redirect(safe_local_path(notification.url) or url_for("inbox.index"))
