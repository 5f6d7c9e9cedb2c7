"""Administration: people and the organisation structure."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from coachapp.admin import views  # noqa: E402,F401
