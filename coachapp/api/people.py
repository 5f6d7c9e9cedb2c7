"""GET /api/v1/me and /api/v1/reps."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE

from coachapp import policy
from coachapp.api import paging
from coachapp.api.auth import callers_only
from coachapp.api.paging import asc
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.api.schemas import MeSchema, RepSchema
from coachapp.auth.callers import api_user
from coachapp.db import get_session
from coachapp.models import User

blp = Blueprint("api_people", __name__, description="People")
callers_only(blp)


@blp.get("/me")
@blp.response(200, MeSchema)
@authenticated(blp)
def me() -> User:
    """The caller."""
    return api_user()


@blp.get("/reps")
@blp.arguments(paging.PageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, RepSchema(many=True), headers=paging.LINK_HEADER)
@authenticated(blp, 422)
def reps(query: dict[str, Any]) -> Any:
    """Reps visible to the caller: a manager's team, a director's subtree, a rep themself;
    by name."""
    keys = [asc(User.name, str), asc(User.id)]
    return paging.query_page(get_session(), policy.visible_reps(api_user()), keys, query).answer()
