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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching.cadence import CadenceStatus, RepCadence, load_cadence
from coachapp.dashboard.service import (
    CadenceFilters,
    HeatCell,
    RatingTally,
    pooled,
    rating_tallies,
    scoped_reps,
)
from coachapp.errors import InvalidInput
from coachapp.models import AccountPlan, User
from coachapp.plans.attainment import Track
from coachapp.plans.quarters import QUARTERS_SHOWN, Quarter, quarters_ending
from coachapp.plans.rollup import RollupRow, rollup
from coachapp.plans.snapshots import QuarterAttainment, attainment_in_quarters
from coachapp.policy import THREE_C_COMPETENCIES

NOON = dt.time(12)


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
    completeness_sum: int = 0
    owners: set[int] = field(default_factory=set)
    coached: dict[int, RepCadence] = field(default_factory=dict)

    @property
    def attainment(self) -> float | None:
        return self.progress_sum / self.goals_with_data if self.goals_with_data else None

    @property
    def completeness(self) -> float | None:
        """The mean completeness score (0-100) of the group's plans."""
        return self.completeness_sum / self.plans if self.plans else None

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
    reps = scoped_reps(db, viewer, CadenceFilters())
    cadence = load_cadence(db, reps, now, window_days).reps
    managers = _managers(db, [row.plan for row in rows])
    return _groups(rows, cadence, managers, group_by, QuarterAttainment(today))


def _groups(
    rows: Sequence[RollupRow],
    cadence: Mapping[int, RepCadence],
    managers: Mapping[int, User],
    group_by: GroupBy,
    attainment: QuarterAttainment,
) -> list[ImpactGroup]:
    """The plans of `rows` grouped, their goals' `attainment` (the plans' completeness as the
    rows have it) and their owners' coaching figures from `cadence`."""
    groups: dict[str, ImpactGroup] = {}
    for row in rows:
        plan = row.plan
        key, label = _group_of(plan, group_by, managers)
        group = groups.setdefault(key, ImpactGroup(key, label))
        group.plans += 1
        group.completeness_sum += row.completeness.score
        group.owners.add(plan.owner_id)
        if plan.owner_id in cadence:
            group.coached[plan.owner_id] = cadence[plan.owner_id]
        for goal in plan.goals:
            result = attainment.of(goal)
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


def _group_of(
    plan: AccountPlan, group_by: GroupBy, managers: Mapping[int, User]
) -> tuple[str, str]:
    if group_by == GroupBy.ACCOUNT:
        return f"account-{plan.account_id}", plan.account.name
    if group_by == GroupBy.REGION:
        region = plan.account.region
        return f"region-{region}", region or "No region"
    manager = managers.get(plan.owner.manager_id or 0)
    if manager is None:
        return "team-none", "Reports to nobody"
    return f"team-{manager.id}", f"{manager.name}'s team"


# Over the quarters ------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterFigures:
    """One group in one quarter: its goals' attainment at the quarter's last day (as kept when
    the quarter closed, coachapp.plans.snapshots; today while it runs), its owners' coaching
    in the quarter up to then, and the ratings of those owners on the 3C competencies and on
    their own focus competencies in the same days."""

    quarter: Quarter
    as_of: dt.date
    group: ImpactGroup
    three_cs: HeatCell
    focus: HeatCell


@dataclass(frozen=True)
class ImpactSeries:
    key: str
    label: str
    quarters: tuple[QuarterFigures, ...]

    @property
    def latest(self) -> QuarterFigures:
        return self.quarters[-1]


@dataclass(frozen=True)
class ImpactView:
    group_by: GroupBy
    quarters: tuple[Quarter, ...]
    today: dt.date
    series: tuple[ImpactSeries, ...]

    @property
    def goals(self) -> int:
        return sum(s.latest.group.goals for s in self.series)


def chosen_quarter(period: Quarter | None, today: dt.date) -> Quarter:
    """The quarter asked for, the current one by default; a quarter still to come has no
    figures and is refused as a field error."""
    current = Quarter.of(today)
    if period is None:
        return current
    if period > current:
        message = f"Choose {current.label} or an earlier quarter."
        raise InvalidInput(message, {"period": [message]})
    return period


def impact_by_quarter(
    db: Session,
    viewer: User,
    group_by: GroupBy,
    last: Quarter,
    today: dt.date,
    now: dt.datetime,
    quarters: int = QUARTERS_SHOWN,
) -> ImpactView:
    """Each group over `quarters` quarters ending with `last` (chosen_quarter).

    The plans are those live today, the same in every quarter; a closed quarter's goals keep
    the attainment snapshotted when it closed, so later edits of a goal or back-dated actuals
    move only the running quarter. Completeness is today's: a plan keeps no history of it.
    Focus competencies are those the owners work on today. Queries: the roll-up's, the
    managers, the reps in scope, the closed quarters' snapshots, then per quarter the cadence
    figures and one of ratings; none per plan, goal or actual.
    """
    rows = rollup(db, viewer, today)
    managers = _managers(db, [row.plan for row in rows])
    reps = scoped_reps(db, viewer, CadenceFilters())
    shown = quarters_ending(last, quarters)
    goal_ids = [goal.id for row in rows for goal in row.plan.goals]
    attainment = attainment_in_quarters(db, goal_ids, shown, today)
    series: dict[str, list[QuarterFigures]] = {}
    labels: dict[str, str] = {}
    for quarter in shown:
        as_of = quarter.as_of(today)
        days = quarter.days_until(today)
        # Noon UTC of the quarter's last day is that day on every rep's calendar but the
        # farthest east; the running quarter is judged now, as the dashboard is.
        moment = now if as_of == today else dt.datetime.combine(as_of, NOON, tzinfo=dt.UTC)
        cadence = load_cadence(db, reps, moment, days).reps
        groups = _groups(rows, cadence, managers, group_by, attainment[quarter])
        owners = {owner for group in groups for owner in group.coached}
        tallies: dict[int, list[RatingTally]] = {}
        for tally in rating_tallies(db, owners, days, as_of):
            tallies.setdefault(tally.rep_id, []).append(tally)
        for group in groups:
            labels[group.key] = group.label
            series.setdefault(group.key, []).append(
                QuarterFigures(quarter, as_of, group, *_ratings(group, tallies))
            )
    return ImpactView(
        group_by,
        tuple(shown),
        today,
        tuple(ImpactSeries(key, labels[key], tuple(figures)) for key, figures in series.items()),
    )


def _ratings(
    group: ImpactGroup, tallies: Mapping[int, list[RatingTally]]
) -> tuple[HeatCell, HeatCell]:
    """The group's owners' ratings on the 3C competencies, and on each owner's own focus."""
    three_cs = pooled(
        t
        for owner in group.coached
        for t in tallies.get(owner, ())
        if t.key in THREE_C_COMPETENCIES
    )
    focus = pooled(
        t
        for owner, figures in group.coached.items()
        for t in tallies.get(owner, ())
        if t.key in {f.key for f in figures.focus}
    )
    return three_cs, focus
