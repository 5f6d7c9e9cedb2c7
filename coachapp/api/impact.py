"""GET /api/v1/impact (DESIGN.md "Stable contract"): goal attainment per team, region or
account with the plan owners' coaching figures beside it (coachapp.plans.impact)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from coachapp.api import paging
from coachapp.api.auth import callers_only
from coachapp.api.paging import asc
from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated
from coachapp.auth.callers import api_user
from coachapp.coaching.cadence import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from coachapp.db import get_session, utcnow
from coachapp.plans.impact import (
    GroupHead,
    ImpactGroup,
    chosen_quarter,
    group_heads,
    impact,
    impact_by_quarter,
)
from coachapp.plans.quarters import Quarter
from coachapp.plans.schemas import ImpactArgsSchema
from coachapp.timezones import local_today

blp = Blueprint("api_impact", __name__, description="Business impact")
callers_only(blp)


# As coachapp.plans.impact orders the groups: by label, then key.
GROUP_ORDER = [asc(lambda group: group.label.lower(), str), asc(lambda group: group.key, str)]


class ImpactQuerySchema(paging.PageQuerySchema, ImpactArgsSchema):
    window_days = fields.Integer(
        validate=validate.Range(1, MAX_WINDOW_DAYS),
        metadata={
            "description": "Days, ending today, that the coaching figures cover (default "
            f"{DEFAULT_WINDOW_DAYS}); not with period, which gives its own days"
        },
    )

    @validates_schema
    def one_span(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "period" in data and "window_days" in data:
            raise ValidationError("Give period or window_days, not both.", "window_days")


class ImpactCoachingSchema(Schema):
    owners = fields.Integer(required=True, metadata={"description": "Plan owners in the group"})
    owners_with_figures = fields.Integer(
        required=True,
        metadata={"description": "Owners whose coaching the caller may see: the figures below "
                  "rest on them"},
    )  # fmt: skip
    sessions_in_window = fields.Integer(required=True)
    ride_alongs_in_window = fields.Integer(required=True)
    owners_on_cadence = fields.Integer(required=True)
    overdue_follow_ups = fields.Integer(required=True)


class ImpactGroupSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    plans = fields.Integer(required=True)
    goals = fields.Integer(required=True)
    goals_with_data = fields.Integer(
        required=True, metadata={"description": "How many goals the attainment rests on"}
    )
    attainment = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "Mean progress (0..1) of the goals with data; null if none"},
    )
    on_track = fields.Integer(required=True)
    at_risk = fields.Integer(required=True)
    completeness = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "Mean completeness score (0-100) of the group's plans, today"},
    )
    coaching = fields.Nested(ImpactCoachingSchema, required=True)


@blp.get("/impact")
@blp.arguments(ImpactQuerySchema, location="query", unknown=RAISE)
@blp.response(200, ImpactGroupSchema(many=True), headers=paging.LINK_HEADER)
@authenticated(blp, 422)
def impact_groups(query: dict[str, Any]) -> Any:
    """Goal attainment per team (the plan owner's manager), region or account over the plans
    the caller sees, with the owners' coaching in the window beside it: an association shown
    side by side, not a cause. With `period`, attainment at the quarter's last day (today
    while it runs) and coaching in the quarter's days; a later quarter is a field error.
    Each figure says how many goals or owners it rests on; coaching figures cover only owners
    whose coaching the caller may see. A page computes the figures of its own groups only:
    the groups are found from their plans' places first (coachapp.plans.impact.group_heads)."""
    user = api_user()
    now = utcnow()
    today = local_today(user.timezone, now)
    # A later quarter is refused before anything is read.
    quarter = chosen_quarter(query["period"], today) if "period" in query else None
    heads = group_heads(get_session(), user, query["group_by"])
    page = paging.list_page(heads, GROUP_ORDER, query)
    return page.map(lambda shown: _groups(query, shown, quarter, today, now)).answer()


def _groups(
    query: dict[str, Any],
    heads: list[GroupHead],
    quarter: Quarter | None,
    today: dt.date,
    now: dt.datetime,
) -> list[ImpactGroup]:
    """The figures of these groups (a page of them), in their order."""
    if not heads:
        return []
    user = api_user()
    db = get_session()
    group_by = query["group_by"]
    if quarter is not None:
        view = impact_by_quarter(db, user, group_by, quarter, today, now, quarters=1, heads=heads)
        return [series.latest.group for series in view.series]
    window = query.get("window_days", DEFAULT_WINDOW_DAYS)
    return impact(db, user, group_by, today, now, window, heads=heads)
