"""The account-team page: everyone on an account's live plans, whatever line they report up."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from coachapp import policy
from coachapp.accounts import service
from coachapp.accounts.hierarchy import parent_chain
from coachapp.auth.roles import viewer
from coachapp.db import get_session
from coachapp.timezones import local_today

bp = Blueprint("accounts", __name__)


@bp.get("/accounts/<int:account_id>/team")
@login_required
def team(account_id: int) -> str:
    """Every member with function, line manager, role and open actions, and when each function
    last engaged the customer; 404 outside coachapp.policy.account_or_404."""
    user = viewer()
    db = get_session()
    today = local_today(user.timezone)
    found = service.account_team(db, user, account_id, today)
    return render_template(
        "accounts/team.html",
        team=found,
        today=today,
        # A manager of someone on the team reviews the account with them (coachapp.reviews).
        can_run_review=policy.can_run_review(db, user, found.account.id),
        # Managers and directors whose line is on the team observe its members (coachapp
        # .observations): whom they may, in one query.
        observable_ids=set(db.scalars(policy.observable_member_ids(user, found.account.id))),
        part_of=parent_chain(db, found.account),
    )
