"""The admin's worker page: is the background worker alive, and how much is waiting for it."""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template

from coachapp.admin.views import bp
from coachapp.admin.worker_status import job_lines, worker_status
from coachapp.auth.roles import roles_required
from coachapp.db import get_session, utcnow
from coachapp.models import Role


@bp.get("/worker")
@roles_required(Role.ADMIN)
def worker_page() -> str:
    stale_after = dt.timedelta(seconds=int(current_app.config["WORKER_STALE_AFTER_SECONDS"]))
    status = worker_status(get_session(), utcnow(), stale_after)
    return render_template("admin/worker.html", status=status, job_lines=job_lines)
