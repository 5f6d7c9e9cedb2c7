"""GET /api/v1/me and /api/v1/reps."""

from __future__ import annotations

from collections.abc import Sequence

from coachapp import policy
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.api.schemas import MeSchema, RepSchema
from coachapp.auth.callers import api_user
from coachapp.db import get_session
from coachapp.models import User

blp = Blueprint("api_people", __name__, description="People")


@blp.get("/me")
@blp.response(200, MeSchema)
@authenticated(blp)
def me() -> User:
    """The caller."""
    return api_user()


@blp.get("/reps")
@blp.response(200, RepSchema(many=True))
@authenticated(blp)
def reps() -> Sequence[User]:
    """Reps visible to the caller: a manager's team, a director's subtree, a rep themself."""
    return get_session().scalars(policy.visible_reps(api_user())).all()
