"""Quarter snapshots of goal attainment: taken once per goal when a quarter has closed, and the
one place that decides whether a quarter's figures come from them or are computed live.

A closed quarter's figures are what coachapp.plans.attainment computed for its last day when
the snapshot was taken (the goal's baseline and target then, the actuals recorded by then), so
editing a goal's baseline or target, or recording an actual back-dated into that quarter,
leaves them as they were. The running quarter, and a closed one whose snapshot is not taken
yet (the worker has not run since it closed), are computed from today's goals and actuals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from coachapp.db import insert_for
from coachapp.models import AttainmentSnapshot, PlanGoal
from coachapp.plans.attainment import GoalAttainment, GoalLikeWithActuals, goal_attainment
from coachapp.plans.quarters import Quarter

# A day ends last at UTC-12: a quarter has closed everywhere once that zone is past its end,
# so no one can still record an actual in it as "today".
LAST_TIME_ZONE = dt.timedelta(hours=12)
# Goals loaded with their actuals and inserted per statement.
BATCH = 500


class GoalWithId(GoalLikeWithActuals, Protocol):
    @property
    def id(self) -> int: ...


@dataclass(frozen=True)
class QuarterAttainment:
    """Goal attainment in one quarter: kept figures where a snapshot was taken, else computed
    at `as_of` (the quarter's last day, or today while it runs)."""

    as_of: dt.date
    snapshots: Mapping[int, GoalAttainment] = field(default_factory=dict)

    def of(self, goal: GoalWithId) -> GoalAttainment:
        kept = self.snapshots.get(goal.id)
        return kept if kept is not None else goal_attainment(goal, goal.actuals, self.as_of)


def attainment_in_quarters(
    db: Session, goal_ids: Collection[int], quarters: Sequence[Quarter], today: dt.date
) -> dict[Quarter, QuarterAttainment]:
    """Each quarter's attainment for these goals: a quarter that ended before `today` from its
    snapshots (one query for all quarters), the running one live."""
    closed = [quarter.label for quarter in quarters if quarter.end < today]
    kept: dict[str, dict[int, GoalAttainment]] = {label: {} for label in closed}
    if closed and goal_ids:
        rows = db.scalars(
            select(AttainmentSnapshot).where(
                AttainmentSnapshot.goal_id.in_(goal_ids), AttainmentSnapshot.quarter.in_(closed)
            )
        )
        for row in rows:
            kept[row.quarter][row.goal_id] = figures_of(row)
    return {
        quarter: QuarterAttainment(quarter.as_of(today), kept.get(quarter.label, {}))
        for quarter in quarters
    }


def figures_of(row: AttainmentSnapshot) -> GoalAttainment:
    return GoalAttainment(
        row.track, row.progress, row.expected, row.latest_value, row.latest_on, row.actuals
    )


def last_closed_quarter(now: dt.datetime) -> Quarter:
    """The latest quarter that has ended in every time zone at `now`."""
    return Quarter.of((now - LAST_TIME_ZONE).date()).previous


def take_snapshots(db: Session, quarter: Quarter, taken_at: dt.datetime) -> int:
    """Snapshots, at the quarter's last day, every goal that has none for `quarter`; how many
    this call took. Another worker taking the same ones at once makes no second row: the
    insert skips a (goal, quarter) already there. The caller commits."""
    insert = insert_for(db)
    table = AttainmentSnapshot.__table__
    taken = 0
    for rows in snapshots_missing(db, [quarter], taken_at):
        # The table's Core INSERT with the rows as executemany parameters: one compiled
        # statement for every batch (an ORM bulk insert makes one per row when rows have
        # None in different columns).
        added = db.execute(
            insert(table)
            .on_conflict_do_nothing(index_elements=["goal_id", "quarter"])
            .returning(table.c.id),
            rows,
        ).all()
        taken += len(added)
    return taken


def snapshots_missing(
    db: Session, quarters: Sequence[Quarter], taken_at: dt.datetime
) -> Iterator[list[dict[str, object]]]:
    """The rows of the snapshots `quarters` lack, each at its quarter's last day, for a batch
    of goals at a time; each goal and its actuals are loaded once for all the quarters.
    take_snapshots writes them; the demo seed writes its goals' four quarters itself."""
    missing = {
        quarter: set(
            db.scalars(
                select(PlanGoal.id).where(
                    ~exists().where(
                        AttainmentSnapshot.goal_id == PlanGoal.id,
                        AttainmentSnapshot.quarter == quarter.label,
                    )
                )
            )
        )
        for quarter in quarters
    }
    for batch in _batches(sorted(set().union(*missing.values()))):
        goals = db.scalars(
            select(PlanGoal)
            .where(PlanGoal.id.in_(batch))
            .options(selectinload(PlanGoal.actuals))
            .order_by(PlanGoal.id)
        ).all()
        for quarter in quarters:
            rows = [
                _snapshot_row(goal, quarter, taken_at)
                for goal in goals
                if goal.id in missing[quarter]
            ]
            if rows:
                yield rows


def take_missing_snapshots(db: Session, since: Quarter, now: dt.datetime) -> dict[Quarter, int]:
    """Every quarter from `since` to the last closed one: the snapshots it lacked, taken from
    today's goals and actuals at its last day. Commits each quarter."""
    taken: dict[Quarter, int] = {}
    quarter, last = since, last_closed_quarter(now)
    while quarter <= last:
        taken[quarter] = take_snapshots(db, quarter, now)
        db.commit()
        quarter = quarter.next
    return taken


def _snapshot_row(goal: PlanGoal, quarter: Quarter, taken_at: dt.datetime) -> dict[str, object]:
    figures = goal_attainment(goal, goal.actuals, quarter.end)
    return {
        "goal_id": goal.id,
        "quarter": quarter.label,
        "track": figures.track,
        "progress": figures.progress,
        "expected": figures.expected,
        "latest_value": figures.latest_value,
        "latest_on": figures.latest_on,
        "actuals": figures.actuals,
        "baseline": goal.baseline,
        "baseline_date": goal.baseline_date,
        "target": goal.target,
        "target_date": goal.target_date,
        "stages": len(goal.stages) if goal.stages else None,
        "taken_at": taken_at,
    }


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]
