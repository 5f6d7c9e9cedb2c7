"""GET /api/v1/cadence (DESIGN.md "Stable contract"), /api/v1/cadence/teams and /quality.

Thin views over coachapp.dashboard.service, the code behind the director's dashboard, the
Team page and the cadence CSV. Rows cover the caller's scope (coachapp.policy): a manager's
reps, a director's subtree, a rep themself; admins read no coaching and get none. Paged
(coachapp.api.paging): the reps' figures are computed for the page's reps only.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE

from coachapp.api import paging
from coachapp.api.auth import callers_only
from coachapp.api.paging import asc
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.coaching.cadence import TREND_WEEKS
from coachapp.dashboard.schemas import (
    CadenceQuerySchema,
    CadenceRowSchema,
    QualitySchema,
    TeamCadenceSchema,
    cadence_filters,
    quality_json,
    rep_json,
    team_json,
)
from coachapp.dashboard.service import (
    TeamFigures,
    rep_rows,
    scoped_reps_query,
    teams_in_view,
    teams_of,
)
from coachapp.db import get_session, utcnow
from coachapp.models import User
from coachapp.timezones import local_today

blp = Blueprint("api_cadence", __name__, description="Coaching cadence")
callers_only(blp)

# Pages of reps are cut in the order of their ids, which never change: a rep whose figures
# change while a client walks the pages is neither met twice nor missed.
REP_ORDER = [asc(User.id)]
# Teams by their manager's name; reps who report to nobody (None) last.
TEAM_ORDER = [
    asc(lambda manager: manager is None, bool),
    asc(lambda manager: manager.name if manager else "", str),
    asc(lambda manager: manager.id if manager else 0),
]


class CadencePageQuerySchema(paging.PageQuerySchema, CadenceQuerySchema):
    pass


@blp.get("/cadence")
@blp.arguments(CadencePageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, CadenceRowSchema(many=True), headers=paging.LINK_HEADER)
@authenticated(blp, 422)
def cadence(query: dict[str, Any]) -> Any:
    """Per visible rep: last coaching date, days since, sessions in the window, the target,
    ride-alongs, follow-ups, acknowledgements and focus competencies, and a status
    (on_track, due_soon, overdue, never). Figures are judged on each rep's local date; only
    notes that count as coaching count: shared, and so with a type, a competency rated 1-4
    and a development focus (coachapp.coaching.counts).

    Paged by rep (in the order of their ids); within a page, who needs coaching next comes
    first."""
    db, filters = get_session(), cadence_filters(query)
    page = paging.query_page(db, scoped_reps_query(api_user(), filters), REP_ORDER, query)
    now = utcnow()
    return page.map(
        lambda reps: [rep_json(row) for row in rep_rows(db, reps, filters.window_days, now)]
    ).answer()


def _teams(query: dict[str, Any], trend_weeks: int = 0) -> paging.Page[TeamFigures]:
    """A page of teams, cut by their managers before the figures of the page's reps alone
    are computed (a national scope has hundreds of teams)."""
    user = api_user()
    now = utcnow()
    db, filters = get_session(), cadence_filters(query)
    in_view = teams_in_view(db, user, filters)
    page = paging.list_page(in_view.managers, TEAM_ORDER, query)
    teams, _ = teams_of(
        db, user, filters, now, local_today(user.timezone, now), trend_weeks, quality=True,
        in_view=in_view.only(page.items),
    )  # fmt: skip
    return paging.Page(teams, page.next_cursor)


@blp.get("/cadence/teams")
@blp.arguments(CadencePageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, TeamCadenceSchema(many=True), headers=paging.LINK_HEADER)
@authenticated(blp, 422)
def cadence_teams(query: dict[str, Any]) -> Any:
    """The same figures added up per manager: one row per team in the caller's scope, with
    the coaching-quality figures of each team's notes in the window; by manager name."""
    return _teams(query).map(lambda teams: [team_json(team) for team in teams]).answer()


@blp.get("/cadence/quality")
@blp.arguments(CadencePageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, QualitySchema(many=True), headers=paging.LINK_HEADER)
@authenticated(blp, 422)
def cadence_quality(query: dict[str, Any]) -> Any:
    """Coaching quality per manager, for a director: the team figures above with how long
    reps take to acknowledge (median hours), follow-up completion, the share of notes with
    specific evidence, and the self/manager rating gap with its 13-week trend."""
    page = _teams(query, TREND_WEEKS)
    return page.map(lambda teams: [quality_json(team) for team in teams]).answer()
