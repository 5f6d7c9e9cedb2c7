"""The roll-up: every visible plan in one consistent view, for reviews and QBRs."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased

from coachapp import policy
from coachapp.csvfiles import csv_text
from coachapp.ids import typed_id
from coachapp.models import FUNCTION_LABELS, Account, AccountPlan, GoalStatus, PlanStatus, User
from coachapp.plans.attainment import PlanAttainment, attainment_of_plan
from coachapp.plans.completeness import Completeness, plan_completeness
from coachapp.plans.service import full_plan_options


@dataclass
class RollupFilters:
    region: str = ""
    function: str = ""
    status: str = ""
    # A manager's team: plans whose owners report to them (the QBR checks it is in scope).
    manager_id: int | None = None

    @classmethod
    def from_args(cls, args: dict[str, str]) -> RollupFilters:
        """Unknown values are ignored rather than refused: a filter link never errors."""
        function = args.get("function", "")
        status = args.get("status", "")
        return cls(
            region=args.get("region", "")[:80],
            function=function if function in FUNCTION_LABELS else "",
            status=status if status in {s.value for s in PlanStatus} else "",
            manager_id=typed_id(args.get("manager_id", "")),
        )

    def as_args(self) -> dict[str, str]:
        return {k: str(v) for k, v in vars(self).items() if v}


@dataclass
class RollupRow:
    plan: AccountPlan
    completeness: Completeness
    goals_by_status: Counter[str] = field(default_factory=Counter)
    attainment: PlanAttainment | None = None

    @property
    def overdue_actions(self) -> int:
        return self.completeness.overdue_actions


def rollup(
    db: Session,
    viewer: User,
    today: dt.date,
    filters: RollupFilters | None = None,
    narrowed: Sequence[ColumnElement[bool]] = (),
) -> list[RollupRow]:
    """Visible plans with completeness and goal status counts, in a fixed number of queries;
    `narrowed`: conditions that keep only some of them (on AccountPlan, Account and OWNER)."""
    query = rollup_query(viewer, filters).where(*narrowed)
    plans = db.scalars(query.order_by(Account.name, AccountPlan.period.desc())).unique().all()
    return [
        RollupRow(
            plan,
            plan_completeness(plan, today),
            Counter(g.status.value for g in plan.goals),
            attainment_of_plan(plan.goals, today),
        )
        for plan in plans
    ]


def rollup_query(viewer: User, filters: RollupFilters | None = None) -> Select[AccountPlan]:
    """The plans of rollup() (Account and their owner, OWNER, joined), in no order."""
    return plans_query(viewer, filters).options(*full_plan_options())


# The plan's owner, as rollup_query and plans_query join them.
OWNER = aliased(User, name="plan_owner")


def plans_query(viewer: User, filters: RollupFilters | None = None) -> Select[AccountPlan]:
    """rollup_query without loading each plan's parts: to read some of their columns
    (`.with_only_columns`), or their ids."""
    filters = filters or RollupFilters()
    owner = OWNER
    query = (
        policy.visible_plans(viewer)
        .join(Account, AccountPlan.account_id == Account.id)
        .join(owner, AccountPlan.owner_id == owner.id)
    )
    if filters.region:
        query = query.where(Account.region == filters.region)
    if filters.function:
        query = query.where(owner.function == filters.function)
    if filters.manager_id is not None:
        query = query.where(owner.manager_id == filters.manager_id)
    if filters.status:
        query = query.where(AccountPlan.status == filters.status)
    else:
        query = query.where(AccountPlan.status != PlanStatus.ARCHIVED)
    return query


def regions(db: Session, viewer: User) -> Sequence[str]:
    return db.scalars(
        select(Account.region)
        .join(AccountPlan, AccountPlan.account_id == Account.id)
        .where(policy.plans_scope(viewer), Account.region != "")
        .distinct()
        .order_by(Account.region)
    ).all()


CSV_COLUMNS = (
    "account",
    "account_type",
    "region",
    "period",
    "status",
    "owner",
    "owner_function",
    "completeness",
    *(f"goals_{s.value}" for s in GoalStatus),
    "overdue_actions",
    "last_update",
    "missing",
    # Attainment (coachapp.plans.attainment): mean progress of the goals with data, in percent
    # (empty when none has any), how many goals that rests on, and their track.
    "goal_attainment",
    "goals_measured",
    "goals_measured_on_track",
    "goals_measured_at_risk",
)


def rollup_csv(rows: Sequence[RollupRow]) -> str:
    return csv_text(CSV_COLUMNS, (_rollup_line(row) for row in rows))


def _rollup_line(row: RollupRow) -> list[object]:
    plan = row.plan
    return [
        plan.account.name,
        plan.account.type.value,
        plan.account.region,
        plan.period,
        plan.status.value,
        plan.owner.name,
        plan.owner.function.value,
        row.completeness.score,
        *(row.goals_by_status.get(s.value, 0) for s in GoalStatus),
        row.overdue_actions,
        plan.last_activity_at.date().isoformat(),
        "; ".join(row.completeness.missing),
        *_attainment_cells(row.attainment),
    ]


def _attainment_cells(attainment: PlanAttainment | None) -> list[object]:
    if attainment is None:
        return ["", 0, 0, 0]
    percent = "" if attainment.percent is None else attainment.percent
    return [percent, attainment.goals_with_data, attainment.on_track, attainment.at_risk]
