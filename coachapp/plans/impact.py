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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from coachapp.coaching.cadence import CadenceStatus, RepCadence, load_cadence
from coachapp.dashboard.service import (
    CadenceFilters,
    HeatCell,
    RatingTally,
    heat_cell,
    pooled,
    rating_tallies,
    scoped_reps_query,
)
from coachapp.errors import InvalidInput
from coachapp.models import Account, AccountPlan, User
from coachapp.plans.attainment import Track
from coachapp.plans.quarters import QUARTERS_SHOWN, Quarter, quarters_ending
from coachapp.plans.rollup import OWNER, RollupRow, plans_query, rollup
from coachapp.plans.snapshots import QuarterAttainment, attainment_in_quarters
from coachapp.policy import THREE_C_COMPETENCIES

NOON = dt.time(12)


class GroupBy(enum.StrEnum):
    TEAM = "team"
    REGION = "region"
    ACCOUNT = "account"


# The coaching figures of a group, as ImpactGroup.coaching names them.
COACHING_FIGURES = (
    "owners",
    "owners_with_figures",
    "sessions_in_window",
    "ride_alongs_in_window",
    "owners_on_cadence",
    "overdue_follow_ups",
)


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
    # The plan owners' coaching (COACHING_FIGURES): how many owners, how many of them the
    # viewer sees the coaching of, and those owners' figures added up.
    coaching: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COACHING_FIGURES, 0))
    # The owners whose coaching is counted, with their figures (their focus for the ratings);
    # empty in a group added up from others (added_up) or read from the kept figures.
    coached: dict[int, RepCadence] = field(default_factory=dict, compare=False, repr=False)

    @property
    def attainment(self) -> float | None:
        return self.progress_sum / self.goals_with_data if self.goals_with_data else None

    @property
    def completeness(self) -> float | None:
        """The mean completeness score (0-100) of the group's plans."""
        return self.completeness_sum / self.plans if self.plans else None


def coaching_of(owners: int, coached: Iterable[RepCadence]) -> dict[str, int]:
    """COACHING_FIGURES of a group's `owners` plan owners, `coached` being the figures of those
    whose coaching the viewer sees."""
    rows = list(coached)
    return {
        "owners": owners,
        "owners_with_figures": len(rows),
        "sessions_in_window": sum(r.sessions_in_window for r in rows),
        "ride_alongs_in_window": sum(r.ride_alongs_in_window for r in rows),
        "owners_on_cadence": sum(r.status == CadenceStatus.ON_TRACK for r in rows),
        "overdue_follow_ups": sum(r.overdue_follow_ups for r in rows),
    }


# What ImpactGroup adds up from its plans, and added_up from groups.
SUMMED = (
    "plans",
    "goals",
    "goals_with_data",
    "on_track",
    "at_risk",
    "progress_sum",
    "completeness_sum",
)


def added_up(key: str, label: str, groups: Iterable[ImpactGroup]) -> ImpactGroup:
    """Groups with no plan and no plan owner in common, as one group: each figure the sum of
    theirs (an attainment or completeness follows from the sums)."""
    total = ImpactGroup(key, label)
    for group in groups:
        for name in SUMMED:
            setattr(total, name, getattr(total, name) + getattr(group, name))
        for name in COACHING_FIGURES:
            total.coaching[name] += group.coaching[name]
    return total


@dataclass(frozen=True)
class Place:
    """Where a plan sits, for grouping it: its account, the account's region and the plan
    owner's manager."""

    account_id: int
    account_name: str
    region: str
    manager_id: int | None


def place_of(plan: AccountPlan) -> Place:
    return Place(plan.account_id, plan.account.name, plan.account.region, plan.owner.manager_id)


Grouping = Callable[[Place], tuple[str, str]]


def grouping(group_by: GroupBy, managers: Mapping[int, str]) -> Grouping:
    """A plan's group (its key and label): its account, its account's region, or its owner's
    manager's team (`managers`: the managers' names by id)."""

    def group_of(place: Place) -> tuple[str, str]:
        if group_by == GroupBy.ACCOUNT:
            return f"account-{place.account_id}", place.account_name
        if group_by == GroupBy.REGION:
            return f"region-{place.region}", place.region or "No region"
        name = managers.get(place.manager_id or 0)
        if name is None:
            return "team-none", "Reports to nobody"
        return f"team-{place.manager_id}", f"{name}'s team"

    return group_of


def group_order(key: str, label: str) -> tuple[str, str]:
    """The groups' order: by label (any case), then key."""
    return (label.lower(), key)


def impact(
    db: Session,
    viewer: User,
    group_by: GroupBy,
    today: dt.date,
    now: dt.datetime,
    window_days: int,
    heads: Sequence[GroupHead] | None = None,
) -> list[ImpactGroup]:
    """One group per team (the plan owner's manager), region or account, in label order;
    `heads`: only these groups (a page of group_heads'), their plans alone read."""
    rows = rollup(db, viewer, today, narrowed=_plans_of(heads))
    reps = coached_owners(db, viewer, rows)
    cadence = load_cadence(db, reps, now, window_days).reps
    return _groups(
        rows, cadence, grouping(group_by, managers_of(db, rows)), QuarterAttainment(today)
    )


def _groups(
    rows: Sequence[RollupRow],
    cadence: Mapping[int, RepCadence],
    group_of: Grouping,
    attainment: QuarterAttainment,
) -> list[ImpactGroup]:
    """The plans of `rows` grouped, their goals' `attainment` (the plans' completeness as the
    rows have it) and their owners' coaching figures from `cadence`."""
    groups: dict[str, ImpactGroup] = {}
    owners: dict[str, set[int]] = {}
    for row in rows:
        plan = row.plan
        key, label = group_of(place_of(plan))
        group = groups.setdefault(key, ImpactGroup(key, label))
        group.plans += 1
        group.completeness_sum += row.completeness.score
        owners.setdefault(key, set()).add(plan.owner_id)
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
    for key, group in groups.items():
        group.coaching = coaching_of(len(owners[key]), group.coached.values())
    return sorted(groups.values(), key=lambda g: group_order(g.key, g.label))


def managers_of(db: Session, rows: Sequence[RollupRow]) -> dict[int, str]:
    """The names of the plans' owners' managers, by id."""
    return names_of(db, {row.plan.owner.manager_id for row in rows} - {None})


def names_of(db: Session, ids: Collection[int | None]) -> dict[int, str]:
    """People's names, by id."""
    if not ids:
        return {}
    return {
        id_: name for id_, name in db.execute(select(User.id, User.name).where(User.id.in_(ids)))
    }


def coached_owners(
    db: Session, viewer: User, rows: Sequence[RollupRow], under: User | None = None
) -> list[User]:
    """The plans' owners whose coaching the viewer sees (below `under`, if given): the reps
    whose figures count."""
    owners = {row.plan.owner_id for row in rows}
    if not owners:
        return []
    query = scoped_reps_query(viewer, CadenceFilters(), under).where(User.id.in_(owners))
    return list(db.scalars(query).all())


# Groups before their figures: which there are, to page through them ------------------------


@dataclass(frozen=True)
class GroupHead:
    """A group known by its plans' places alone, before any figure is computed."""

    key: str
    label: str
    plan_ids: tuple[int, ...]


def group_heads(
    db: Session,
    viewer: User,
    group_by: GroupBy,
    narrowed: Sequence[ColumnElement[bool]] = (),
    group_of: Grouping | None = None,
) -> list[GroupHead]:
    """Every group of the plans rollup() gives the viewer (`narrowed` as it takes it), in the
    groups' order, in two queries whatever their number (the plans' places, their managers'
    names): so that a page of groups computes only its own. `group_of`: another grouping."""
    query = plans_query(viewer).where(*narrowed)
    columns = (AccountPlan.id, Account.id, Account.name, Account.region, OWNER.manager_id)
    places = db.execute(query.with_only_columns(*columns)).all()
    if group_of is None:
        managers = {manager_id for *_, manager_id in places if manager_id is not None}
        names = names_of(db, managers) if group_by == GroupBy.TEAM else {}
        group_of = grouping(group_by, names)
    found: dict[str, tuple[str, list[int]]] = {}
    for plan_id, account_id, name, region, manager_id in places:
        key, label = group_of(Place(account_id, name, region, manager_id))
        found.setdefault(key, (label, []))[1].append(plan_id)
    return [
        GroupHead(key, label, tuple(ids))
        for key, (label, ids) in sorted(
            found.items(), key=lambda item: group_order(item[0], item[1][0])
        )
    ]


def _plans_of(heads: Sequence[GroupHead] | None) -> list[ColumnElement[bool]]:
    """rollup's condition for the plans of these groups (None: every plan)."""
    if heads is None:
        return []
    return [AccountPlan.id.in_([plan_id for head in heads for plan_id in head.plan_ids])]


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
    heads: Sequence[GroupHead] | None = None,
) -> ImpactView:
    """Each group over `quarters` quarters ending with `last` (chosen_quarter); `heads`: only
    these groups (a page of group_heads'), their plans alone read.

    The plans are those live today, the same in every quarter; a closed quarter's goals keep
    the attainment snapshotted when it closed, so later edits of a goal or back-dated actuals
    move only the running quarter. Completeness is today's: a plan keeps no history of it.
    Focus competencies are those the owners work on today. Queries: the roll-up's, the
    managers, the reps in scope, the closed quarters' snapshots, then per quarter the cadence
    figures and one of ratings; none per plan, goal or actual.
    """
    rows = rollup(db, viewer, today, narrowed=_plans_of(heads))
    group_of = grouping(group_by, managers_of(db, rows))
    shown = quarters_ending(last, quarters)
    inputs = quarter_inputs(db, rows, coached_owners(db, viewer, rows), shown, today, now)
    return ImpactView(group_by, tuple(shown), today, series_of(rows, inputs, group_of))


@dataclass(frozen=True)
class QuarterInputs:
    """What one quarter's figures are computed from: the goals' attainment at its last day,
    the coached owners' figures in its days and their ratings then, by rep."""

    quarter: Quarter
    as_of: dt.date
    attainment: QuarterAttainment
    cadence: Mapping[int, RepCadence]
    tallies: Mapping[int, Sequence[RatingTally]]


def quarter_inputs(
    db: Session,
    rows: Sequence[RollupRow],
    reps: Sequence[User],
    shown: Sequence[Quarter],
    today: dt.date,
    now: dt.datetime,
    known: dict[tuple[Quarter, dt.date], QuarterInputs] | None = None,
) -> list[QuarterInputs]:
    """Each quarter's inputs for these plans and the reps whose coaching counts: the closed
    quarters' snapshots in one query, then per quarter the cadence figures and one query of
    ratings. `known`: inputs computed before for the same plans and reps, by quarter and the
    day it stands at (a closed quarter's are the same whatever today is), kept there."""
    known = {} if known is None else known
    wanted = [quarter for quarter in shown if (quarter, quarter.as_of(today)) not in known]
    goal_ids = [goal.id for row in rows for goal in row.plan.goals] if wanted else []
    attainment = attainment_in_quarters(db, goal_ids, wanted, today)
    found = []
    for quarter in shown:
        as_of = quarter.as_of(today)
        if (quarter, as_of) in known:
            found.append(known[(quarter, as_of)])
            continue
        days = quarter.days_until(today)
        # Noon UTC of the quarter's last day is that day on every rep's calendar but the
        # farthest east; the running quarter is judged now, as the dashboard is.
        moment = now if as_of == today else dt.datetime.combine(as_of, NOON, tzinfo=dt.UTC)
        cadence = load_cadence(db, reps, moment, days).reps
        tallies: dict[int, list[RatingTally]] = {}
        for tally in rating_tallies(db, cadence, days, as_of):
            tallies.setdefault(tally.rep_id, []).append(tally)
        known[(quarter, as_of)] = QuarterInputs(
            quarter, as_of, attainment[quarter], cadence, tallies
        )
        found.append(known[(quarter, as_of)])
    return found


def series_of(
    rows: Sequence[RollupRow], inputs: Sequence[QuarterInputs], group_of: Grouping
) -> tuple[ImpactSeries, ...]:
    """The plans of `rows` grouped, each group over the quarters of `inputs`, in the groups'
    order."""
    series: dict[str, list[QuarterFigures]] = {}
    labels: dict[str, str] = {}
    for quarter in inputs:
        for group in _groups(rows, quarter.cadence, group_of, quarter.attainment):
            labels[group.key] = group.label
            series.setdefault(group.key, []).append(
                QuarterFigures(
                    quarter.quarter, quarter.as_of, group, *_ratings(group, quarter.tallies)
                )
            )
    return tuple(ImpactSeries(key, labels[key], tuple(figures)) for key, figures in series.items())


def _ratings(
    group: ImpactGroup, tallies: Mapping[int, Sequence[RatingTally]]
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


def rating_sum(cell: HeatCell) -> int:
    """The sum of the ratings a cell's average rests on (ratings are whole numbers)."""
    return round(cell.average * cell.count) if cell.average is not None else 0


def series_added_up(key: str, label: str, series: Sequence[ImpactSeries]) -> ImpactSeries:
    """Series of groups with no plan and no plan owner in common (a node's rows), as one, over
    the same quarters: each quarter's figures added up, the ratings pooled."""
    quarters = []
    for figures in zip(*(s.quarters for s in series), strict=True):
        first = figures[0]
        quarters.append(
            QuarterFigures(
                first.quarter,
                first.as_of,
                added_up(key, label, (f.group for f in figures)),
                heat_cell(
                    sum(rating_sum(f.three_cs) for f in figures),
                    sum(f.three_cs.count for f in figures),
                ),
                heat_cell(
                    sum(rating_sum(f.focus) for f in figures), sum(f.focus.count for f in figures)
                ),
            )
        )
    return ImpactSeries(key, label, tuple(quarters))


# As the worker keeps them (coachapp.dashboard.summaries, impact_summaries) ----------------


def series_json(series: ImpactSeries) -> dict[str, Any]:
    """A group's figures over the quarters as plain JSON values, without its key and label
    (the reader names the group)."""
    return {
        "quarters": [
            {
                "quarter": q.quarter.label,
                "as_of": q.as_of.isoformat(),
                **{name: getattr(q.group, name) for name in SUMMED},
                "coaching": dict(q.group.coaching),
                "three_cs": [rating_sum(q.three_cs), q.three_cs.count],
                "focus": [rating_sum(q.focus), q.focus.count],
            }
            for q in series.quarters
        ]
    }


def series_from_json(key: str, label: str, data: Mapping[str, Any]) -> ImpactSeries:
    """series_json's figures as the series of the group `key`, `label`."""
    quarters = []
    for q in data["quarters"]:
        group = ImpactGroup(key, label, **{name: q[name] for name in SUMMED})
        group.coaching = {name: q["coaching"][name] for name in COACHING_FIGURES}
        quarters.append(
            QuarterFigures(
                Quarter.parse(q["quarter"]),
                dt.date.fromisoformat(q["as_of"]),
                group,
                heat_cell(*q["three_cs"]),
                heat_cell(*q["focus"]),
            )
        )
    return ImpactSeries(key, label, tuple(quarters))
