"""One's own profile: time zone, password, signing out."""

from flask import Blueprint

bp = Blueprint("me", __name__)

from coachapp.me import views  # noqa: E402,F401
