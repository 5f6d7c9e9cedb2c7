"""The impact page read from the figures the worker keeps (impact_summaries): a director's rows
and a region's are the same as computed on the fly, on both sides of the medical/commercial
wall, with plans seen through someone on their team and odd reporting lines; a change to a
plan marks the figures for computing again; a quarter not kept is computed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.dashboard import summaries
from coachapp.dashboard.impact_page import ImpactPage, impact_page
from coachapp.db import utcnow
from coachapp.models import (
    AccountPlan,
    FigureChange,
    GoalActual,
    ImpactSummary,
    PlanActionItem,
    PlanComment,
    PlanGoal,
    PlanStakeholder,
    PlanStatus,
    PlanTeamMember,
    Role,
    User,
)
from coachapp.plans.impact import GroupBy, ImpactSeries
from coachapp.plans.quarters import Quarter
from coachapp.plans.snapshots import take_snapshots
from coachapp.timezones import local_today
from tests.builders import Nation, build_nation, make_account, make_plan, make_user
from tests.dashboard.test_impact_regions import measure_every_plan


def figures(series: ImpactSeries) -> list[tuple[Any, ...]]:
    return [
        (
            q.quarter, q.as_of, q.group.plans, q.group.goals, q.group.goals_with_data,
            pytest.approx(q.group.progress_sum), q.group.on_track, q.group.at_risk,
            q.group.completeness_sum, q.group.coaching, q.three_cs.count,
            pytest.approx(q.three_cs.average), q.focus.count, pytest.approx(q.focus.average),
        )
        for q in series.quarters
    ]  # fmt: skip


def shown(page: ImpactPage) -> list[tuple[str, str, list[tuple[Any, ...]]]]:
    found = [(s.key, s.label, figures(s)) for s in page.view.series]
    if page.total is not None:
        found.append(("total", page.total.label, figures(page.total)))
    return found


@pytest.fixture
def nation(db: Session) -> Nation:
    """build_nation's, a plan per team measured, and the odd cases: an MSL's plan with a sales
    rep on its team, a team below a first-line manager, a rep reporting to a regional
    director, an area director below region 2 with a team, a plan owner gone, accounts of
    another region."""
    built = build_nation(db, regions=2, teams_per_region=2, reps_per_team=2, direct_teams=1)
    one, two = built.regions
    seller = built.reps[built.managers[one.id][0].id][1]
    make_plan(db, built.msls[0], team=(seller,))
    direct = built.managers[built.national.id][0]
    sub = make_user(db, role=Role.MANAGER, name="Sub Manager", manager_id=direct.id)
    make_plan(db, make_user(db, name="Sub Rep", manager_id=sub.id))
    make_plan(db, make_user(db, name="Rep of a director", manager_id=one.id))
    area = make_user(db, role=Role.DIRECTOR, name="Area Director", manager_id=two.id)
    lead = make_user(db, role=Role.MANAGER, name="Area Lead", manager_id=area.id)
    account = make_account(db, name="Far Away Health", region="Far away")
    make_plan(db, make_user(db, name="Area Rep", manager_id=lead.id), account=account)
    gone = make_user(db, name="Gone Rep", manager_id=lead.id, active=False)
    make_plan(db, gone, account=make_account(db, name="Left Behind", region="Far away"))
    db.commit()
    measure_every_plan(db)
    return built


def nodes_of(db: Session, viewer: User) -> list[User]:
    """The viewer and every region below them they may open."""
    below = db.scalars(
        select(User)
        .where(
            User.id.in_(policy.subtree_ids(viewer)),
            User.role == Role.DIRECTOR,
            policy.coaching_side(viewer, User.id),
        )
        .order_by(User.id)
    ).all()
    return [viewer, *below]


def every_page(db: Session, nation: Nation, now: dt.datetime) -> dict[Any, ImpactPage]:
    pages = {}
    viewers = [nation.national, *nation.regions, nation.medical_director]
    for viewer in viewers:
        today = local_today(viewer.timezone, now)
        for node in nodes_of(db, viewer):
            for group_by in (GroupBy.TEAM, GroupBy.REGION, GroupBy.ACCOUNT):
                pages[(viewer.name, node.name, group_by)] = impact_page(
                    db, viewer, node, group_by, Quarter.of(today), today, now
                )
    return pages


def test_pages_read_from_the_kept_figures_are_those_computed(db: Session, nation: Nation) -> None:
    now = utcnow()
    computed = every_page(db, nation, now)
    assert all(page.computed_at is None for page in computed.values())
    done = summaries.refresh(db, now)
    assert done.impact_written == db.scalar(select(func.count()).select_from(ImpactSummary))
    assert done.impact_written > 0
    kept = every_page(db, nation, now)
    assert kept.keys() == computed.keys()
    for key, page in kept.items():
        assert page.computed_at == now, key
        assert shown(page) == shown(computed[key]), key
        assert (page.groups, page.page) == (computed[key].groups, computed[key].page), key
    national = kept[(nation.national.name, nation.national.name, GroupBy.TEAM)]
    labels = [s.label for s in national.view.series]
    assert labels == [
        "Regional Director 1's region", "Regional Director 2's region", "Lee Msl-Lead's team",
        "Manager 0.1's team", "Sub Manager's team",
    ]  # fmt: skip
    # The medical line reads its own MSLs' coaching, not the sales rep's on their plan.
    medical = kept[(nation.medical_director.name, nation.medical_director.name, GroupBy.TEAM)]
    (msl_team,) = medical.view.series
    assert msl_team.latest.group.coaching["owners_with_figures"] == 1
    region_two = kept[(nation.national.name, nation.regions[1].name, GroupBy.TEAM)]
    assert [s.label for s in region_two.view.series] == [
        "Area Director's region", "Manager 2.1's team", "Manager 2.2's team",
    ]  # fmt: skip
    area = region_two.view.series[0].latest.group
    assert (area.plans, area.coaching["owners"], area.coaching["owners_with_figures"]) == (2, 2, 1)


def test_a_change_to_a_plan_marks_the_figures_and_the_next_round_reads_it(
    db: Session, nation: Nation
) -> None:
    now = utcnow()
    summaries.refresh(db, now)
    assert not summaries.refresh_due(db, now)
    national = nation.national
    today = local_today(national.timezone, now)

    def region_one() -> ImpactSeries:
        page = impact_page(db, national, national, GroupBy.TEAM, Quarter.of(today), today, now)
        return page.view.series[0]

    before = region_one()
    owner = nation.reps[nation.managers[nation.regions[0].id][0].id][0]
    goal = db.scalars(
        select(PlanGoal).join(PlanGoal.plan).where(PlanGoal.plan.has(owner_id=owner.id))
    ).first()
    assert goal is not None
    db.add(GoalActual(goal_id=goal.id, measured_on=today, value=10.0))
    db.commit()
    assert summaries.refresh_due(db, now)
    summaries.refresh(db, now)
    after = region_one()
    assert after.latest.group.progress_sum > before.latest.group.progress_sum
    assert after.quarters[:-1] == before.quarters[:-1], "a closed quarter keeps its snapshot"


def test_a_quarter_the_worker_does_not_keep_is_computed(db: Session, nation: Nation) -> None:
    now = utcnow()
    summaries.refresh(db, now)
    national = nation.national
    today = local_today(national.timezone, now)
    earlier = Quarter.of(today).previous
    page = impact_page(db, national, national, GroupBy.TEAM, earlier, today, now)
    assert page.computed_at is None
    assert page.view.quarters[-1] == earlier
    assert [s.label for s in page.view.series][:2] == [
        "Regional Director 1's region", "Regional Director 2's region",
    ]  # fmt: skip


def test_every_kind_of_plan_change_marks_the_figures(db: Session, nation: Nation) -> None:
    """What the impact figures read, changed in any way, marks them; what they do not read
    (a plan's comment, an account's CRM id) marks nothing."""
    now = utcnow()
    summaries.refresh(db, now)

    def changes() -> int:
        return db.scalar(select(func.count()).select_from(FigureChange)) or 0

    plan = db.scalars(select(AccountPlan).order_by(AccountPlan.id)).first()
    assert plan is not None and changes() == 0
    seller = nation.reps[nation.managers[nation.regions[1].id][0].id][0]
    steps: list[Any] = [
        lambda: setattr(plan, "strategic_priorities", "Grow the oncology line."),
        lambda: db.add(PlanStakeholder(plan_id=plan.id, name="Dr. Pat Chair")),
        lambda: db.add(PlanTeamMember(plan_id=plan.id, user_id=seller.id, responsibility="x")),
        lambda: db.add(PlanActionItem(plan_id=plan.id, title="Call", owner_id=plan.owner_id)),
        lambda: db.add(PlanGoal(plan_id=plan.id, title="P&T approval")),
        lambda: setattr(plan.account, "region", "Elsewhere"),
        lambda: take_snapshots(db, Quarter.of(now.date()).previous.previous.previous.previous, now),
        lambda: setattr(plan, "status", PlanStatus.ARCHIVED),
    ]
    for n, step in enumerate(steps, start=1):
        step()
        db.commit()
        assert changes() == n, f"step {n} marks the figures"
    db.add(PlanComment(plan_id=plan.id, author_id=plan.owner_id, body="Looks good."))
    plan.account.external_id = "CRM-1"
    db.commit()
    assert changes() == len(steps)
