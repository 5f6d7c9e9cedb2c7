"""The in-app inbox of notifications."""

from flask import Blueprint

bp = Blueprint("inbox", __name__)

from coachapp.inbox import views  # noqa: E402,F401
