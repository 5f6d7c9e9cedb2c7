"""Goal attainment, defined once: the plan page, the API, imports and reports all read it here.

A goal's progress is how far its latest actual has come from the baseline towards the target:
(latest - baseline) / (target - baseline). The same formula holds when lower is better (a
baseline above the target, e.g. days to access) and with a zero baseline. It is held between
0 (no better than the baseline, or worse) and 1 (the target met or passed), so one goal beaten
by far does not hide another left behind when a plan's goals are averaged. A stage goal's
progress is the stage reached over its last stage (3 of 4 stages: 0.75).

No actual (on or before the date asked about), or a numeric goal without both a baseline and a
distinct target, is "no data": never 0 %, and left out of a plan's mean.

On track or at risk follows the straight line from the baseline date to the target date: at a
date, the expected progress is the share of that span gone by (0 before the baseline date, 1
from the target date on). A goal is on track while its progress is at least the expected
progress at the date asked about (usually today; a quarter's last day for that quarter), at
risk otherwise. Without both dates there is no line: a goal met is on track, any other has no
track state ("no timeline").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from coachapp.languages import N_
from coachapp.models.attainment import Track

# Rounding of progress to a whole percent must not turn "on the line" into "behind it".
EPSILON = 1e-9


TRACK_LABELS = {
    Track.ON_TRACK: N_("On track"),
    Track.AT_RISK: N_("At risk"),
    Track.NO_DATA: N_("No data"),
    Track.NO_TIMELINE: N_("No timeline"),
}


class ActualLike(Protocol):
    @property
    def measured_on(self) -> dt.date: ...

    @property
    def value(self) -> float: ...


class GoalLike(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def baseline(self) -> float | None: ...

    @property
    def baseline_date(self) -> dt.date | None: ...

    @property
    def target(self) -> float | None: ...

    @property
    def target_date(self) -> dt.date | None: ...

    @property
    def stages(self) -> Sequence[str]: ...


class GoalLikeWithActuals(GoalLike, Protocol):
    @property
    def actuals(self) -> Sequence[ActualLike]: ...


@dataclass(frozen=True)
class GoalAttainment:
    track: Track
    # 0..1, None for no data.
    progress: float | None
    # 0..1 by the straight line at `as_of`, None without both dates.
    expected: float | None
    latest_value: float | None
    latest_on: dt.date | None
    # Actuals on or before `as_of`.
    actuals: int

    @property
    def percent(self) -> int | None:
        return None if self.progress is None else round(self.progress * 100)

    @property
    def expected_percent(self) -> int | None:
        return None if self.expected is None else round(self.expected * 100)

    @property
    def label(self) -> str:
        return TRACK_LABELS[self.track]


@dataclass(frozen=True)
class PlanAttainment:
    # Mean progress of the goals with data; None when no goal has any.
    progress: float | None
    # How many goals the mean rests on, out of how many goals the plan has.
    goals_with_data: int
    goals: int
    on_track: int
    at_risk: int

    @property
    def percent(self) -> int | None:
        return None if self.progress is None else round(self.progress * 100)


def _clamp(x: float) -> float:
    return min(1.0, max(0.0, x))


def expected_progress(goal: GoalLike, as_of: dt.date) -> float | None:
    """Where the straight line from the baseline date to the target date stands at `as_of`."""
    start, end = goal.baseline_date, goal.target_date
    if start is None or end is None or end <= start:
        return None
    return _clamp((as_of - start).days / (end - start).days)


def progress_of(goal: GoalLike, value: float) -> float | None:
    """How far `value` has come from the baseline towards the target (0..1); None when the
    goal cannot say (a numeric goal without baseline or target, or with both equal; a stage
    goal without stages)."""
    if goal.kind == "stages":
        last = len(goal.stages)
        return _clamp(value / last) if last else None
    if goal.baseline is None or goal.target is None or goal.target == goal.baseline:
        return None
    return _clamp((value - goal.baseline) / (goal.target - goal.baseline))


def latest(actuals: Iterable[ActualLike], as_of: dt.date) -> tuple[ActualLike | None, int]:
    """The last actual on or before `as_of` (the later-recorded one on a shared date wins, as
    given in order), and how many there are up to then."""
    found: ActualLike | None = None
    count = 0
    for actual in actuals:
        if actual.measured_on > as_of:
            continue
        count += 1
        if found is None or actual.measured_on >= found.measured_on:
            found = actual
    return found, count


def goal_attainment(
    goal: GoalLike, actuals: Iterable[ActualLike], as_of: dt.date
) -> GoalAttainment:
    last, count = latest(actuals, as_of)
    expected = expected_progress(goal, as_of)
    if last is None:
        return GoalAttainment(Track.NO_DATA, None, expected, None, None, count)
    progress = progress_of(goal, last.value)
    if progress is None:
        return GoalAttainment(Track.NO_DATA, None, expected, last.value, last.measured_on, count)
    if expected is None:
        track = Track.ON_TRACK if progress >= 1 - EPSILON else Track.NO_TIMELINE
    else:
        track = Track.ON_TRACK if progress + EPSILON >= expected else Track.AT_RISK
    return GoalAttainment(track, progress, expected, last.value, last.measured_on, count)


def attainment_of_plan(goals: Iterable[GoalLikeWithActuals], as_of: dt.date) -> PlanAttainment:
    """A plan's attainment from its goals and their actuals, at `as_of`."""
    return plan_attainment([goal_attainment(g, g.actuals, as_of) for g in goals])


def plan_attainment(goals: Sequence[GoalAttainment]) -> PlanAttainment:
    """The mean progress of the goals with data, and how many goals it rests on."""
    measured = [g.progress for g in goals if g.progress is not None]
    return PlanAttainment(
        progress=sum(measured) / len(measured) if measured else None,
        goals_with_data=len(measured),
        goals=len(goals),
        on_track=sum(g.track == Track.ON_TRACK for g in goals),
        at_risk=sum(g.track == Track.AT_RISK for g in goals),
    )
