"""The director's home: managers, their teams and how coaching keeps pace."""

from __future__ import annotations

from flask import render_template

from coachapp.auth.roles import roles_required, viewer
from coachapp.dashboard import bp
from coachapp.db import get_session
from coachapp.models import Role
from coachapp.team.service import teams_under
from coachapp.timezones import local_today


@bp.get("/org")
@roles_required(Role.DIRECTOR)
def index() -> str:
    user = viewer()
    day = local_today(user.timezone)
    teams = teams_under(get_session(), user, day)
    return render_template("dashboard/index.html", teams=teams, today=day)
