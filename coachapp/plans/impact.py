"""Goal attainment per team, region or account, with the plan owners' coaching figures beside
it: side by side, never as cause and effect, and always saying how many goals and owners each
figure rests on.

The plans are those the viewer sees (policy.visible_plans, live ones: draft and active); the
coaching figures are those of the plans' owners whose coaching the viewer may see
(policy.visible_cadence_reps, through coachapp.dashboard.service), so the medical and the
commercial line never see each other's coaching figures even where they share a plan.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching.cadence import CadenceStatus, RepCadence
from coachapp.dashboard.service import CadenceFilters, cadence_rows
from coachapp.models import AccountPlan, User
from coachapp.plans.attainment import Track, goal_attainment
from coachapp.plans.rollup import rollup


class GroupBy(enum.StrEnum):
    TEAM = "team"
    REGION = "region"
    ACCOUNT = "account"


@dataclass
class ImpactGroup:
    key: str
    label: str
    plans: int = 0
    goals: int = 0
    goals_with_data: int = 0
    on_track: int = 0
    at_risk: int = 0
    progress_sum: float = 0.0
    owners: set[int] = field(default_factory=set)
    coached: dict[int, RepCadence] = field(default_factory=dict)

    @property
    def attainment(self) -> float | None:
        return self.progress_sum / self.goals_with_data if self.goals_with_data else None

    @property
    def coaching(self) -> dict[str, int]:
        rows = list(self.coached.values())
        return {
            "owners": len(self.owners),
            "owners_with_figures": len(rows),
            "sessions_in_window": sum(r.sessions_in_window for r in rows),
            "ride_alongs_in_window": sum(r.ride_alongs_in_window for r in rows),
            "owners_on_cadence": sum(r.status == CadenceStatus.ON_TRACK for r in rows),
            "overdue_follow_ups": sum(r.overdue_follow_ups for r in rows),
        }


def impact(
    db: Session,
    viewer: User,
    group_by: GroupBy,
    today: dt.date,
    now: dt.datetime,
    window_days: int,
) -> list[ImpactGroup]:
    """One group per team (the plan owner's manager), region or account, in label order."""
    rows = rollup(db, viewer, today)
    cadence = {
        row.rep.id: row.cadence
        for row in cadence_rows(db, viewer, CadenceFilters(window_days=window_days), now)
    }
    managers = _managers(db, [row.plan for row in rows])
    groups: dict[str, ImpactGroup] = {}
    for row in rows:
        plan = row.plan
        key, label = _group_of(plan, group_by, managers)
        group = groups.setdefault(key, ImpactGroup(key, label))
        group.plans += 1
        group.owners.add(plan.owner_id)
        if plan.owner_id in cadence:
            group.coached[plan.owner_id] = cadence[plan.owner_id]
        for goal in plan.goals:
            result = goal_attainment(goal, goal.actuals, today)
            group.goals += 1
            if result.progress is not None:
                group.goals_with_data += 1
                group.progress_sum += result.progress
            group.on_track += result.track == Track.ON_TRACK
            group.at_risk += result.track == Track.AT_RISK
    return sorted(groups.values(), key=lambda g: (g.label.lower(), g.key))


def _managers(db: Session, plans: list[AccountPlan]) -> dict[int, User]:
    ids = {plan.owner.manager_id for plan in plans if plan.owner.manager_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.scalars(select(User).where(User.id.in_(ids)))}


def _group_of(plan: AccountPlan, group_by: GroupBy, managers: dict[int, User]) -> tuple[str, str]:
    if group_by == GroupBy.ACCOUNT:
        return f"account-{plan.account_id}", plan.account.name
    if group_by == GroupBy.REGION:
        region = plan.account.region
        return f"region-{region}", region or "No region"
    manager = managers.get(plan.owner.manager_id or 0)
    if manager is None:
        return "team-none", "Reports to nobody"
    return f"team-{manager.id}", f"{manager.name}'s team"
