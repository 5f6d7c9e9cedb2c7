"""GET /api/v1/cadence (DESIGN.md "Stable contract") and /api/v1/cadence/teams.

Thin views over coachapp.dashboard.service, the code behind the director's dashboard, the
Team page and the cadence CSV. Rows cover the caller's scope (coachapp.policy): a manager's
reps, a director's subtree, a rep themself; admins read no coaching and get none.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE

from coachapp.api.auth import callers_only
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
from coachapp.dashboard.service import cadence_rows, teams_of
from coachapp.db import get_session, utcnow
from coachapp.timezones import local_today

blp = Blueprint("api_cadence", __name__, description="Coaching cadence")
callers_only(blp)


@blp.get("/cadence")
@blp.arguments(CadenceQuerySchema, location="query", unknown=RAISE)
@blp.response(200, CadenceRowSchema(many=True))
@authenticated(blp, 422)
def cadence(query: dict[str, Any]) -> Any:
    """Per visible rep: last coaching date, days since, sessions in the window, the target,
    ride-alongs, follow-ups, acknowledgements and focus competencies, and a status
    (on_track, due_soon, overdue, never). Who needs coaching next comes first. Figures are
    judged on each rep's local date; only notes that count as coaching count: shared, and so
    with a type, a competency rated 1-4 and a development focus (coachapp.coaching.counts)."""
    rows = cadence_rows(get_session(), api_user(), cadence_filters(query), utcnow())
    return [rep_json(row) for row in rows]


@blp.get("/cadence/teams")
@blp.arguments(CadenceQuerySchema, location="query", unknown=RAISE)
@blp.response(200, TeamCadenceSchema(many=True))
@authenticated(blp, 422)
def cadence_teams(query: dict[str, Any]) -> Any:
    """The same figures added up per manager: one row per team in the caller's scope, with
    the coaching-quality figures of each team's notes in the window."""
    user = api_user()
    now = utcnow()
    teams, _ = teams_of(
        get_session(),
        user,
        cadence_filters(query),
        now,
        local_today(user.timezone, now),
        quality=True,
    )
    return [team_json(team) for team in teams]


@blp.get("/cadence/quality")
@blp.arguments(CadenceQuerySchema, location="query", unknown=RAISE)
@blp.response(200, QualitySchema(many=True))
@authenticated(blp, 422)
def cadence_quality(query: dict[str, Any]) -> Any:
    """Coaching quality per manager, for a director: the team figures above with how long
    reps take to acknowledge (median hours), follow-up completion, the share of notes with
    specific evidence, and the self/manager rating gap with its 13-week trend."""
    user = api_user()
    now = utcnow()
    teams, _ = teams_of(
        get_session(), user, cadence_filters(query), now, local_today(user.timezone, now),
        TREND_WEEKS, quality=True,
    )  # fmt: skip
    return [quality_json(team) for team in teams]
