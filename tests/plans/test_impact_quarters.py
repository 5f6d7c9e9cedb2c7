"""Impact over the quarters (coachapp.plans.impact.impact_by_quarter): each quarter's attainment
at its last day, the plan owners' coaching in its days, and their ratings on the 3C's and on
their own focus competencies; quarters as YYYY-Qn."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.errors import InvalidInput
from coachapp.models import (
    AccountPlan,
    Competency,
    DevelopmentFocus,
    GoalActual,
    NoteStatus,
    NoteType,
    PlanGoal,
)
from coachapp.plans.impact import GroupBy, ImpactView, chosen_quarter, impact_by_quarter
from coachapp.plans.quarters import Quarter, quarters_ending
from tests.builders import Lines, make_guide_version, make_note

Q1 = Quarter(2026, 1)


def test_quarters_are_calendar_quarters() -> None:
    assert (Q1.start, Q1.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert Quarter(2025, 4).end == dt.date(2025, 12, 31)
    assert Quarter.of(dt.date(2026, 8, 15)) == Quarter.parse("2026-Q3")
    assert Q1.previous == Quarter(2025, 4)
    assert [q.label for q in quarters_ending(Q1)] == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    # The running quarter stands at today, counting the days gone by.
    assert Q1.as_of(dt.date(2026, 2, 10)) == dt.date(2026, 2, 10)
    assert Q1.days_until(dt.date(2026, 2, 10)) == 41
    assert Q1.days_until(dt.date(2026, 6, 1)) == 90
    for text in ("2026-Q0", "2026-Q5", "26-Q1", "2026Q1", "1899-Q4", " 2026-Q1"):
        with pytest.raises(ValueError):
            Quarter.parse(text)


def test_a_quarter_still_to_come_is_a_field_error() -> None:
    today = dt.date(2026, 2, 10)
    assert chosen_quarter(None, today) == Q1
    assert chosen_quarter(Quarter(2025, 1), today) == Quarter(2025, 1)
    with pytest.raises(InvalidInput) as refused:
        chosen_quarter(Quarter(2026, 2), today)
    assert refused.value.fields == {"period": ["Choose 2026-Q1 or an earlier quarter."]}


@pytest.fixture
def view(db: Session, lines: Lines) -> ImpactView:
    """rep's plan (build_lines'): a goal measured at the end of 2025-Q4 and again in 2026-Q2;
    five ride-alongs in 2026-Q1, rated on communication (a 3C), listening (rep's focus) and
    sharing the plan (neither)."""
    rep, manager = lines.people["rep"], lines.people["sales_manager"]
    version = make_guide_version(db)
    version.sections[0].competencies.append(
        Competency(
            key="team_communication", name="Communication", indicators=["x"], questions=["y"]
        )
    )
    db.flush()
    plan = db.scalars(select(AccountPlan).where(AccountPlan.owner_id == rep.id)).one()
    goal = PlanGoal(
        plan_id=plan.id, title="Sites", baseline=0.0, baseline_date=dt.date(2025, 1, 1),
        target=10.0, target_date=dt.date(2026, 12, 31),
    )  # fmt: skip
    db.add(goal)
    db.flush()
    db.add_all([
        GoalActual(goal_id=goal.id, measured_on=dt.date(2025, 12, 31), value=4.0),
        GoalActual(goal_id=goal.id, measured_on=dt.date(2026, 4, 2), value=9.0),
    ])  # fmt: skip
    db.add(DevelopmentFocus(
        rep_id=rep.id, competency_key="listens", period="2026-H1", created_by_id=manager.id
    ))  # fmt: skip
    scores = {"team_communication": 2, "listens": 4, "shares_plan": 1}
    for n in range(5):
        note = make_note(
            db, manager, rep, NoteStatus.ACKNOWLEDGED, guide_version=version,
            occurred_on=dt.date(2026, 2, 1) + dt.timedelta(days=n), type=NoteType.RIDE_ALONG,
        )  # fmt: skip
        for rating in note.ratings:
            rating.score = scores[rating.competency.key]
    db.commit()
    now = utcnow()
    return impact_by_quarter(db, lines.people["director"], GroupBy.TEAM, Q1, now.date(), now)


def test_each_quarter_has_its_own_attainment_coaching_and_ratings(
    view: ImpactView, lines: Lines
) -> None:
    (series,) = [s for s in view.series if s.key == f"team-{lines.people['sales_manager'].id}"]
    q4, q1 = series.quarters[2], series.quarters[3]
    assert (q4.quarter, q1.quarter) == (Quarter(2025, 4), Q1)
    # Attainment at each quarter's last day: 4 of 10 in both (the April actual is later).
    goal_progress = [q.group.progress_sum for q in (q4, q1)]
    assert goal_progress == [pytest.approx(0.4), pytest.approx(0.4)]
    assert series.quarters[1].group.goals_with_data == 0
    assert q1.group.coaching["ride_alongs_in_window"] == 5
    assert q4.group.coaching["ride_alongs_in_window"] == 0
    # The 3C's: communication only (2, five times); focus: listening (4), rep's own focus.
    assert (q1.three_cs.average, q1.three_cs.count) == (2.0, 5)
    assert (q1.focus.average, q1.focus.count) == (4.0, 5)
    assert (q4.three_cs.count, q4.focus.count) == (0, 0)
