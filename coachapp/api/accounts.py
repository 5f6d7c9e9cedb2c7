"""Account teams over JSON: the same view as the account-team page."""

from __future__ import annotations

from typing import Any

from coachapp.accounts import service
from coachapp.accounts.schemas import AccountTeamMemberOutSchema
from coachapp.api.auth import callers_only
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.db import get_session
from coachapp.timezones import local_today

blp = Blueprint("api_accounts", __name__, description="Account teams across reporting lines")
callers_only(blp)


@blp.get("/accounts/<int:account_id>/team")
@blp.response(200, AccountTeamMemberOutSchema(many=True))
@authenticated(blp, 404)
def account_team(account_id: int) -> Any:
    """Every member of the account's team (owners and members of its live plans), whatever
    line they report up: function, line manager, role on the account, open actions, and when
    their function last engaged the customer. Its members and each member's line (managers
    and directors above them) see it; anyone else gets 404."""
    caller = api_user()
    today = local_today(caller.timezone)
    return list(service.account_team(get_session(), caller, account_id, today).members)
