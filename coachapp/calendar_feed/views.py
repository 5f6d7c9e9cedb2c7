"""The calendar feed's address: read by a calendar app, with no session and no cookie."""

from __future__ import annotations

from flask import Blueprint, abort, make_response
from werkzeug.wrappers import Response

from coachapp.calendar_feed import service
from coachapp.db import get_session

bp = Blueprint("calendar_feed", __name__)


# The secret is in the path (calendar apps drop query strings on some servers); the request
# log writes this rule, never the path (coachapp.request_log).
@bp.get("/calendar/<token>.ics")
def feed(token: str) -> Response:
    db = get_session()
    person = service.person_of_feed(db, token)
    if person is None:
        abort(404)
    response = make_response(service.feed_ics(db, person))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
