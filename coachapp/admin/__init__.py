"""Administration: people, the organisation structure, cadence targets and the worker."""

from coachapp.admin import approval_views, org_views, worker_views  # noqa: F401 - routes on bp
from coachapp.admin.views import bp

__all__ = ["bp"]
