"""The admin's worker page: is the background worker alive, and how much is waiting for it."""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template

from coachapp.admin.views import bp
from coachapp.admin.worker_status import job_lines, mail_queue, worker_status
from coachapp.auth.roles import roles_required
from coachapp.db import get_session, utcnow
from coachapp.mail.queue import mail_configured
from coachapp.models import Role


@bp.get("/worker")
@roles_required(Role.ADMIN)
def worker_page() -> str:
    stale_after = dt.timedelta(seconds=int(current_app.config["WORKER_STALE_AFTER_SECONDS"]))
    db = get_session()
    status = worker_status(db, utcnow(), stale_after)
    mail = mail_queue(db, mail_configured())
    return render_template("admin/worker.html", status=status, mail=mail, job_lines=job_lines)
