"""Attainment arithmetic (coachapp.plans.attainment): progress from baseline to target in either
direction, zero baselines, missing actuals, stage goals, and the straight line to the target
date before, during and after it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from coachapp.plans.attainment import Track, goal_attainment, plan_attainment

JAN = dt.date(2026, 1, 1)
JULY = dt.date(2026, 7, 1)  # 181 days after JAN
MID = JAN + dt.timedelta(days=90)


@dataclass
class Goal:
    kind: str = "numeric"
    baseline: float | None = 0.0
    baseline_date: dt.date | None = JAN
    target: float | None = 100.0
    target_date: dt.date | None = JULY
    stages: list[str] = field(default_factory=list)


@dataclass
class Actual:
    measured_on: dt.date
    value: float


def test_progress_from_a_zero_baseline() -> None:
    result = goal_attainment(Goal(), [Actual(MID, 40)], MID)
    assert result.percent == 40
    assert result.expected == pytest.approx(90 / 181)
    assert result.track == Track.AT_RISK
    assert goal_attainment(Goal(), [Actual(MID, 50)], MID).track == Track.ON_TRACK


def test_lower_is_better_when_the_baseline_is_above_the_target() -> None:
    days = Goal(baseline=30, target=10)  # days to access: from 30 down to 10
    assert goal_attainment(days, [Actual(MID, 20)], MID).percent == 50
    assert goal_attainment(days, [Actual(MID, 20)], MID).track == Track.ON_TRACK
    assert goal_attainment(days, [Actual(MID, 35)], MID).progress == 0  # worse than baseline
    assert goal_attainment(days, [Actual(MID, 5)], MID).progress == 1  # beyond the target


def test_missing_actuals_are_no_data_not_zero() -> None:
    result = goal_attainment(Goal(), [], MID)
    assert result.track == Track.NO_DATA
    assert result.progress is None and result.percent is None
    # Actuals after the date asked about do not count yet.
    assert goal_attainment(Goal(), [Actual(JULY, 90)], MID).track == Track.NO_DATA
    # A numeric goal without a target, or with the target equal to the baseline, cannot say.
    assert goal_attainment(Goal(target=None), [Actual(MID, 5)], MID).track == Track.NO_DATA
    assert goal_attainment(Goal(target=0), [Actual(MID, 5)], MID).track == Track.NO_DATA


def test_the_latest_actual_counts() -> None:
    actuals = [Actual(MID, 60), Actual(JAN, 10), Actual(MID - dt.timedelta(days=1), 20)]
    result = goal_attainment(Goal(), actuals, MID)
    assert (result.latest_value, result.latest_on, result.actuals) == (60, MID, 3)


def test_stage_goals_are_the_stage_reached_over_the_last_stage() -> None:
    goal = Goal(kind="stages", baseline=None, target=None,
                stages=["Dossier submitted", "P&T review", "Formulary approval"])  # fmt: skip
    assert goal_attainment(goal, [Actual(MID, 1)], MID).progress == pytest.approx(1 / 3)
    assert goal_attainment(goal, [Actual(MID, 3)], MID).progress == 1
    assert goal_attainment(goal, [], MID).track == Track.NO_DATA
    assert goal_attainment(Goal(kind="stages"), [Actual(MID, 1)], MID).track == Track.NO_DATA


def test_before_the_baseline_date_nothing_is_expected_yet() -> None:
    before = JAN - dt.timedelta(days=10)
    result = goal_attainment(Goal(), [Actual(before, 0)], before)
    assert result.expected == 0
    assert result.track == Track.ON_TRACK


def test_after_the_target_date_the_whole_way_is_expected() -> None:
    later = JULY + dt.timedelta(days=30)
    assert goal_attainment(Goal(), [Actual(later, 99)], later).track == Track.AT_RISK
    assert goal_attainment(Goal(), [Actual(later, 100)], later).track == Track.ON_TRACK
    assert goal_attainment(Goal(), [Actual(later, 99)], later).expected == 1


def test_without_dates_there_is_no_line() -> None:
    undated = Goal(baseline_date=None)
    assert goal_attainment(undated, [Actual(MID, 40)], MID).track == Track.NO_TIMELINE
    assert goal_attainment(undated, [Actual(MID, 100)], MID).track == Track.ON_TRACK


def test_a_plan_is_the_mean_of_its_goals_with_data() -> None:
    goals = [
        goal_attainment(Goal(), [Actual(MID, 80)], MID),
        goal_attainment(Goal(), [Actual(MID, 20)], MID),
        goal_attainment(Goal(), [], MID),
    ]
    result = plan_attainment(goals)
    assert result.progress == pytest.approx(0.5)
    assert (result.goals_with_data, result.goals, result.on_track, result.at_risk) == (2, 3, 1, 1)
    assert plan_attainment([goals[2]]).progress is None
    assert plan_attainment([]).goals == 0
