"""Account teams over JSON: the same view as the account-team page."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE

from coachapp.accounts import service
from coachapp.accounts.schemas import AccountTeamMemberOutSchema
from coachapp.api import paging
from coachapp.api.auth import callers_only
from coachapp.api.paging import asc
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.db import get_session
from coachapp.timezones import local_today

blp = Blueprint("api_accounts", __name__, description="Account teams across reporting lines")
callers_only(blp)

# As coachapp.accounts.service orders the team: plan owners first, then by name.
MEMBER_ORDER = [
    asc(lambda member: not member.owns_a_plan, bool),
    asc(lambda member: member.name.casefold(), str),
    asc(lambda member: member.user_id),
]


@blp.get("/accounts/<int:account_id>/team")
@blp.arguments(paging.PageQuerySchema, location="query", unknown=RAISE)
@blp.response(200, AccountTeamMemberOutSchema(many=True), headers=paging.LINK_HEADER)
@authenticated(blp, 404, 422)
def account_team(query: dict[str, Any], account_id: int) -> Any:
    """Every member of the account's team (owners and members of its live plans), whatever
    line they report up: function, line manager, role on the account, open actions, and when
    their function last engaged the customer. Its members and each member's line (managers
    and directors above them) see it; anyone else gets 404."""
    caller = api_user()
    today = local_today(caller.timezone)
    members = service.account_team(get_session(), caller, account_id, today).members
    return paging.list_page(members, MEMBER_ORDER, query).answer()
