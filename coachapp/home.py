"""The root URL sends each role to its home page."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from coachapp.auth.roles import viewer
from coachapp.models import Role

bp = Blueprint("home", __name__)

HOME_ENDPOINTS = {
    Role.MANAGER: "team.today",
    Role.REP: "team.my_page",
    Role.DIRECTOR: "dashboard.index",
    Role.ADMIN: "admin.users",
}


@bp.get("/")
@login_required
def index() -> Response:
    return redirect(url_for(HOME_ENDPOINTS[viewer().role]))
