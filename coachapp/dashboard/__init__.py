"""A director's view of their managers and teams."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from coachapp.dashboard import views  # noqa: E402,F401
