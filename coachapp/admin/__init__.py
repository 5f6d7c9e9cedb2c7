"""Administration: people, the organisation structure, cadence targets and the worker."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from coachapp.admin import approval_views, org_views, views, worker_views  # noqa: E402,F401
