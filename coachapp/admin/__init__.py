"""Administration: people, the organisation structure and cadence targets."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from coachapp.admin import org_views, views  # noqa: E402,F401
