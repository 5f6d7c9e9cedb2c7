"""Administration: people, the organisation structure, cadence targets and the worker."""

from coachapp.admin import (  # noqa: F401 - routes on bp
    account_import_views,
    approval_views,
    org_views,
    worker_views,
)
from coachapp.admin.views import bp

__all__ = ["bp"]
