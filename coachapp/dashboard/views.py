"""The director's dashboard, the drill-down to a manager's team, the printable team summary
and the CSV exports of cadence and coaching notes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request
from marshmallow import EXCLUDE, ValidationError

from coachapp.auth.roles import roles_required, viewer
from coachapp.coaching.cadence import TREND_WEEKS, WINDOW_CHOICES
from coachapp.csvfiles import csv_download
from coachapp.dashboard import exports, service
from coachapp.dashboard.charts import bar_chart
from coachapp.dashboard.impact_charts import impact_charts
from coachapp.dashboard.impact_page import impact_page
from coachapp.dashboard.service import MIN_RATINGS
from coachapp.db import get_session, utcnow
from coachapp.errors import InvalidInput
from coachapp.htmx import render_page_or_fragment
from coachapp.inbox import reading
from coachapp.journeys.progress import team_progress
from coachapp.links import path_for
from coachapp.listing import page_number
from coachapp.models import FUNCTION_LABELS, Role, User
from coachapp.nudges import subjects
from coachapp.plans.impact import GroupBy, chosen_quarter
from coachapp.plans.quarters import Quarter, quarters_ending
from coachapp.plans.schemas import impact_page_args_schema
from coachapp.reviews.figures import account_team_figures
from coachapp.timezones import local_today

bp = Blueprint("dashboard", __name__)
# Quarters the impact page offers to end on: two years.
PERIOD_CHOICES = 8
# A national view holds thousands of account teams: the page names the first ones of each
# list (those reviewed by one line only come first); the totals count them all.
ACCOUNT_TEAMS_SHOWN = 12


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
    """One row per child of the director (a team per first-line manager, a region per director
    reporting to them) with its cadence, follow-ups and acknowledgements."""
    user = viewer()
    db = get_session()
    reading.page_opened(db, user, subjects.org_dashboard())  # the weekly digest
    return _dashboard_at(user)


@bp.get("/org/regions/<int:director_id>")
@roles_required(Role.DIRECTOR)
def region(director_id: int) -> Any:
    """A director's region as the viewer sees it (a director above them): the same page,
    one row per child of that director, with the way back up."""
    user = viewer()
    if director_id == user.id:
        filters = service.CadenceFilters.from_args(request.args)
        return redirect(path_for("dashboard.index", **filters.as_args(False)))
    return _dashboard_at(service.region_head_or_404(get_session(), user, director_id))


def _dashboard_at(node: User) -> str:
    user = viewer()
    now = utcnow()
    filters = service.CadenceFilters.from_args(request.args)
    db = get_session()
    today = local_today(user.timezone, now)
    number = page_number(request.args.get("page", ""))
    board = service.dashboard(db, user, node, filters, now, today, number)
    # The account teams, across lines: the 3C's from their reviews (coachapp.reviews).
    account_teams = account_team_figures(
        db,
        user,
        filters.window_days,
        today,
        filters.region,
        under=node,
        not_reviewed_shown=ACCOUNT_TEAMS_SHOWN,
    )
    # Learning journeys per team, beside the focus competencies (coachapp.journeys).
    journeys = team_progress(db, user, [row.leader.id for row in board.team_cards])
    return render_template(
        "dashboard/index.html",
        **_context(
            board=board,
            journeys=journeys,
            filters=filters,
            account_teams=account_teams,
            account_teams_shown=ACCOUNT_TEAMS_SHOWN,
            # A region's exports are of its reps.
            export_args=(
                filters.as_args()
                if node.id == user.id
                else {**filters.as_args(), "under": str(node.id)}
            ),
        ),
    )


@bp.get("/org/people")
@roles_required(Role.DIRECTOR)
def find_person() -> str:
    """Managers, directors and reps below the director, by name or email: a link to each one's
    page (a region, a team, a rep)."""
    user = viewer()
    found = service.search_people(get_session(), user, request.args.get("q", ""))
    return render_page_or_fragment(
        "dashboard/people.html",
        "dashboard/_people.html",
        search=found,
        filters=service.CadenceFilters(),
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
    # The way back up, for a director: their own teams and the regions between.
    path = service.path_to(db, user, manager) if user.role == Role.DIRECTOR else [user, manager]
    journeys = team_progress(db, user, [manager.id]).get(manager.id)
    return render_template(
        template,
        **_context(
            manager=manager,
            team=figures,
            filters=filters,
            today=today,
            path=path,
            journeys=journeys,
        ),
    )


@bp.get("/org/impact")
@roles_required(Role.DIRECTOR, Role.MANAGER)
def impact() -> tuple[str, int]:
    """Goal attainment beside coaching, per team or account, over the last four quarters: a
    director's subtree (a row per child: a region per director reporting to them, a team per
    first-line manager), a manager's own team."""
    return _impact_at(viewer())


@bp.get("/org/regions/<int:director_id>/impact")
@roles_required(Role.DIRECTOR)
def region_impact(director_id: int) -> Any:
    """A region's impact as the viewer above it sees it: the same page for that director's
    plans, a row per child of theirs, with the way back up."""
    user = viewer()
    if director_id == user.id:
        kept = {key: request.args[key] for key in IMPACT_ARGS if key in request.args}
        return redirect(path_for("dashboard.impact", **kept))
    return _impact_at(service.region_head_or_404(get_session(), user, director_id))


# The impact page's query: what a link to another of its pages keeps.
IMPACT_ARGS = ("group_by", "period", "page")


def _impact_at(node: User) -> tuple[str, int]:
    user = viewer()
    now = utcnow()
    today = local_today(user.timezone, now)
    current = Quarter.of(today)
    choices = quarters_ending(current, PERIOD_CHOICES)[::-1]
    try:
        args = impact_page_args_schema.load(request.args, unknown=EXCLUDE)
        quarter = chosen_quarter(args.get("period"), today)
    except ValidationError as error:
        return _impact_refused(node, error.normalized_messages(), choices)
    except InvalidInput as error:
        return _impact_refused(node, error.fields, choices)
    db = get_session()
    board = impact_page(db, user, node, args["group_by"], quarter, today, now, args.get("page", 1))
    if quarter not in choices:
        choices.append(quarter)
    total = (
        impact_charts(replace(board.view, series=(board.total,))) if board.total is not None else []
    )
    page = render_template(
        "dashboard/impact.html",
        board=board,
        view=board.view,
        groups=impact_charts(board.view),
        total=total,
        group_by=args["group_by"],
        period=quarter,
        choices=choices,
        errors={},
        min_ratings=MIN_RATINGS,
        here=_impact_path(board.node, user),
    )
    return page, 200


def _impact_path(node: User, user: User) -> str:
    """Where the impact page at this node is (without its query)."""
    if node.id == user.id:
        return path_for("dashboard.impact")
    return path_for("dashboard.region_impact", director_id=node.id)


def _impact_refused(
    node: User, errors: Mapping[str, Any], choices: list[Quarter]
) -> tuple[str, int]:
    """The form again with what was wrong by its field, and no figures."""
    group_by = request.args.get("group_by", "")
    user = viewer()
    page = render_template(
        "dashboard/impact.html",
        board=None,
        view=None,
        groups=[],
        total=[],
        group_by=group_by if group_by in set(GroupBy) else GroupBy.TEAM,
        period=None,
        choices=choices,
        errors=errors,
        min_ratings=MIN_RATINGS,
        here=_impact_path(node, user),
        path=service.path_to(get_session(), user, node),
    )
    return page, 422


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
