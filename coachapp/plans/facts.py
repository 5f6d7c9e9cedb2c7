"""Every plan the roll-up finds, as facts rather than loaded plans: for the CSV export and the
QBR's summary, which read every plan in the viewer's scope (a national director's thousands);
their rows are the roll-up's (coachapp.plans.rollup.rollup_row) as of loaded plans.

A plan's facts are the few columns of the plan, its account and owner, its goals with their
actuals, its actions, stakeholders and team that completeness (coachapp.plans.completeness),
attainment (coachapp.plans.attainment) and a plan's risks (coachapp.plans.qbr) read, under the
same names as on the plan: those rules run on them as they are, written once. They are read as
rows, in six statements however many plans there are, each narrowed to the plans found by
the roll-up's own query (coachapp.plans.rollup.plans_query), never one statement per plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, SQLColumnExpression, case, func, select
from sqlalchemy.orm import Session

from coachapp.models import (
    Account,
    AccountPlan,
    AccountType,
    ActionStatus,
    DecisionRole,
    Function,
    GoalActual,
    GoalKind,
    GoalStatus,
    PlanActionItem,
    PlanGoal,
    PlanStakeholder,
    PlanStatus,
    PlanTeamMember,
    Relationship,
    User,
)
from coachapp.plans.rollup import (
    OWNER,
    ROLLUP_ORDER,
    RollupFilters,
    RollupRow,
    plans_query,
    rollup_row,
)


@dataclass(frozen=True, slots=True)
class AccountFacts:
    id: int
    name: str
    type: AccountType
    region: str


@dataclass(frozen=True, slots=True)
class PersonFacts:
    id: int
    name: str
    function: Function


@dataclass(frozen=True, slots=True)
class ActualFacts:
    measured_on: dt.date
    value: float


@dataclass(slots=True)
class GoalFacts:
    id: int
    plan_id: int
    position: int
    title: str
    measure: str
    target_date: dt.date | None
    status: GoalStatus
    value: str | None
    kind: GoalKind
    metric: str
    unit: str
    baseline: float | None
    baseline_date: dt.date | None
    target: float | None
    stages: Sequence[str]
    # Oldest first, as PlanGoal.actuals: the later-recorded of one date comes last.
    actuals: list[ActualFacts] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ActionFacts:
    status: ActionStatus
    due_date: dt.date | None


@dataclass(frozen=True, slots=True)
class StakeholderFacts:
    decision_role: DecisionRole
    relationship_strength: Relationship


@dataclass(frozen=True, slots=True)
class MemberFacts:
    user_id: int
    user: PersonFacts


@dataclass(slots=True)
class PlanFacts:
    """A plan's facts. Its texts are read only as far as completeness reads them, whether they
    say anything: each holds its first character that is not whitespace, or nothing."""

    id: int
    account_id: int
    account: AccountFacts
    period: str
    status: PlanStatus
    owner_id: int
    owner: PersonFacts
    strategic_priorities: str
    profile_business: str
    profile_clinical: str
    profile_operational: str
    profile_reimbursement: str
    last_activity_at: dt.datetime
    goals: list[GoalFacts] = field(default_factory=list)
    action_items: list[ActionFacts] = field(default_factory=list)
    stakeholders: list[StakeholderFacts] = field(default_factory=list)
    team: list[MemberFacts] = field(default_factory=list)


def fact_rows(
    db: Session,
    viewer: User,
    today: dt.date,
    filters: RollupFilters | None = None,
    leaving_out: Sequence[int] = (),
) -> list[RollupRow[PlanFacts]]:
    """rollup() of every plan found, from their facts: the same plans in the same order, the
    same completeness, goal counts and attainment, without loading a plan. `leaving_out`:
    plans (ids) read otherwise (a page of them loaded whole)."""
    found = plan_facts(db, viewer, filters or RollupFilters(), leaving_out)
    return [rollup_row(plan, today) for plan in found]


# A number goal's stages: none (shared, never changed).
NO_STAGES: tuple[str, ...] = ()
# What str.strip() strips: every character that str.isspace() holds to be whitespace
# (tests/plans/test_facts.py checks it against Python's own).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _opening(text: SQLColumnExpression[str]) -> ColumnElement[str]:
    """A plan's text as far as its facts read it: its first character that is not whitespace
    (as str.strip() has it), or nothing; the plans' texts are megabytes in a national scope."""
    return func.substr(func.ltrim(text, WHITESPACE), 1, 1)


def plan_facts(
    db: Session, viewer: User, filters: RollupFilters, leaving_out: Sequence[int] = ()
) -> list[PlanFacts]:
    """The facts of every plan rollup() finds with these filters, in its order, but those
    `leaving_out`."""
    found = plans_query(viewer, filters)
    if leaving_out:
        found = found.where(AccountPlan.id.not_in(leaving_out))
    ids = found.with_only_columns(AccountPlan.id)
    plans: dict[int, PlanFacts] = {}
    people: dict[int, PersonFacts] = {}
    columns = (
        AccountPlan.id, AccountPlan.period, AccountPlan.status, AccountPlan.last_activity_at,
        _opening(AccountPlan.strategic_priorities), _opening(AccountPlan.profile_business),
        _opening(AccountPlan.profile_clinical), _opening(AccountPlan.profile_operational),
        _opening(AccountPlan.profile_reimbursement),
        Account.id, Account.name, Account.type, Account.region,
        OWNER.id, OWNER.name, OWNER.function,
    )  # fmt: skip
    for (
        plan_id, period, status, last_activity_at, priorities, business, clinical, operational,
        reimbursement, account_id, account_name, account_type, region,
        owner_id, owner_name, owner_function,
    ) in db.execute(found.with_only_columns(*columns).order_by(*ROLLUP_ORDER)):  # fmt: skip
        owner = people.get(owner_id) or people.setdefault(
            owner_id, PersonFacts(owner_id, owner_name, owner_function)
        )
        plans[plan_id] = PlanFacts(
            plan_id, account_id, AccountFacts(account_id, account_name, account_type, region),
            period, status, owner_id, owner, priorities, business, clinical, operational,
            reimbursement, last_activity_at,
        )  # fmt: skip
    if not plans:
        return []

    goals: dict[int, GoalFacts] = {}
    for (
        goal_id, plan_id, position, title, measure, target_date, goal_status, value, kind, metric,
        unit, baseline, baseline_date, target, stages,
    ) in db.execute(
        select(
            PlanGoal.id, PlanGoal.plan_id, PlanGoal.position, PlanGoal.title, PlanGoal.measure,
            PlanGoal.target_date, PlanGoal.status, PlanGoal.value, PlanGoal.kind,
            PlanGoal.metric, PlanGoal.unit, PlanGoal.baseline, PlanGoal.baseline_date,
            PlanGoal.target,
            # A stage goal's stages; a number's are none (not read: JSON is slow to decode).
            case((PlanGoal.kind == GoalKind.STAGES, PlanGoal.stages), else_=None).label("stages"),
        )
        .where(PlanGoal.plan_id.in_(ids))
        .order_by(PlanGoal.plan_id, PlanGoal.position, PlanGoal.id)
    ):  # fmt: skip
        goal = GoalFacts(
            goal_id, plan_id, position, title, measure, target_date, goal_status, value, kind,
            metric, unit, baseline, baseline_date, target, stages or NO_STAGES,
        )  # fmt: skip
        goals[goal_id] = goal
        plans[plan_id].goals.append(goal)
    for goal_id, measured_on, actual in db.execute(
        select(GoalActual.goal_id, GoalActual.measured_on, GoalActual.value)
        .join(PlanGoal, PlanGoal.id == GoalActual.goal_id)
        .where(PlanGoal.plan_id.in_(ids))
        .order_by(GoalActual.goal_id, GoalActual.measured_on, GoalActual.id)
    ):
        goals[goal_id].actuals.append(ActualFacts(measured_on, actual))
    for plan_id, action_status, due_date in db.execute(
        select(PlanActionItem.plan_id, PlanActionItem.status, PlanActionItem.due_date).where(
            PlanActionItem.plan_id.in_(ids)
        )
    ):
        plans[plan_id].action_items.append(ActionFacts(action_status, due_date))
    for plan_id, role, strength in db.execute(
        select(
            PlanStakeholder.plan_id,
            PlanStakeholder.decision_role,
            PlanStakeholder.relationship_strength,
        )
        .where(PlanStakeholder.plan_id.in_(ids))
        .order_by(PlanStakeholder.id)
    ):
        plans[plan_id].stakeholders.append(StakeholderFacts(role, strength))
    for plan_id, user_id, name, function in db.execute(
        select(PlanTeamMember.plan_id, PlanTeamMember.user_id, User.name, User.function)
        .join(User, User.id == PlanTeamMember.user_id)
        .where(PlanTeamMember.plan_id.in_(ids))
        .order_by(PlanTeamMember.id)
    ):
        member = people.get(user_id) or people.setdefault(
            user_id, PersonFacts(user_id, name, function)
        )
        plans[plan_id].team.append(MemberFacts(user_id, member))
    return list(plans.values())
