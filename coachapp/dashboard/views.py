"""The director's dashboard, the drill-down to a manager's team, the printable team summary
and the CSV exports of cadence and coaching notes."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, render_template, request

from coachapp.auth.roles import roles_required, viewer
from coachapp.coaching.cadence import TREND_WEEKS, WINDOW_CHOICES
from coachapp.csvfiles import csv_download
from coachapp.dashboard import exports, service
from coachapp.dashboard.charts import bar_chart
from coachapp.db import get_session, utcnow
from coachapp.inbox import reading
from coachapp.models import FUNCTION_LABELS, Role
from coachapp.nudges import subjects
from coachapp.reviews.figures import account_team_figures
from coachapp.timezones import local_today

bp = Blueprint("dashboard", __name__)


def _context(**extra: object) -> dict[str, object]:
    return {
        "windows": WINDOW_CHOICES,
        "functions": FUNCTION_LABELS,
        "trend_weeks": TREND_WEEKS,
        "bar_chart": bar_chart,
        **extra,
    }


@bp.get("/org")
@roles_required(Role.DIRECTOR)
def index() -> str:
    """One row per manager with their team's cadence, follow-ups and acknowledgements."""
    user = viewer()
    now = utcnow()
    filters = service.CadenceFilters.from_args(request.args)
    db = get_session()
    reading.page_opened(db, user, subjects.org_dashboard())  # the weekly digest
    today = local_today(user.timezone, now)
    board = service.dashboard(db, user, filters, now, today)
    # The account teams, across lines: the 3C's from their reviews (coachapp.reviews).
    account_teams = account_team_figures(db, user, filters.window_days, today, filters.region)
    return render_template(
        "dashboard/index.html",
        **_context(board=board, filters=filters, account_teams=account_teams),
    )


@bp.get("/org/teams/<int:manager_id>")
@roles_required(Role.DIRECTOR)
def team(manager_id: int) -> str:
    """One manager's team, rep by rep, most in need of coaching first."""
    return _team_page(manager_id, "dashboard/team.html")


@bp.get("/org/teams/<int:manager_id>/summary")
@roles_required(Role.DIRECTOR, Role.MANAGER)
def team_summary(manager_id: int) -> str:
    """A one-page team summary to print: a director's teams, or a manager's own."""
    return _team_page(manager_id, "dashboard/summary.html")


def _team_page(manager_id: int, template: str) -> str:
    user = viewer()
    db = get_session()
    manager = service.team_manager_or_404(db, user, manager_id)
    now = utcnow()
    today = local_today(user.timezone, now)
    filters = replace(service.CadenceFilters.from_args(request.args), manager_id=manager.id)
    figures = service.team_of_manager(db, user, manager, filters, now, today)
    return render_template(
        template, **_context(manager=manager, team=figures, filters=filters, today=today)
    )


@bp.get("/org/cadence.csv")
@roles_required(Role.DIRECTOR, Role.MANAGER)
def cadence_csv() -> Response:
    """The cadence table of every rep in scope, as filtered."""
    user = viewer()
    now = utcnow()
    filters = service.CadenceFilters.from_args(request.args)
    text = exports.cadence_csv(get_session(), user, filters, now, local_today(user.timezone, now))
    return csv_download(text, "coaching-cadence")


@bp.get("/org/sessions.csv")
@roles_required(Role.DIRECTOR, Role.MANAGER)
def notes_csv() -> Response:
    """Coaching notes in scope and in the period, without private notes."""
    user = viewer()
    filters = service.CadenceFilters.from_args(request.args)
    today = local_today(user.timezone, utcnow())
    text = exports.notes_csv(get_session(), user, filters, today)
    return csv_download(text, "coaching-notes")
