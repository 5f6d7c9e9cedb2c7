"""The roll-up: every visible plan in one consistent view, for reviews and QBRs.

A director of a national field force sees thousands of plans: the list comes a page at a time
(PLANS_PER_PAGE), its filters and search applied in the query before paging, and its counts
counted by the database over every plan found, never by loading them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager, selectinload

from coachapp import policy
from coachapp.csvfiles import csv_text, in_the_readers_language, in_the_readers_words
from coachapp.ids import typed_id
from coachapp.languages import N_
from coachapp.listing import contains_text, first_row_of, page_count, search_text
from coachapp.models import (
    ACCOUNT_TYPE_LABELS,
    FUNCTION_LABELS,
    Account,
    AccountPlan,
    GoalStatus,
    PlanGoal,
    PlanStatus,
    PlanTeamMember,
    User,
)
from coachapp.plans.attainment import (
    GoalAttainment,
    PlanAttainment,
    goal_attainment,
    plan_attainment,
)
from coachapp.plans.completeness import Completeness, plan_completeness
from coachapp.plans.service import plan_items_options

if TYPE_CHECKING:
    from coachapp.plans.facts import PlanFacts


@dataclass
class RollupFilters:
    region: str = ""
    function: str = ""
    status: str = ""
    # A manager's team: plans whose owners report to them (the QBR checks it is in scope).
    manager_id: int | None = None
    # Text typed to find plans: in the account's name, or the owner's name or email.
    q: str = ""

    @classmethod
    def from_args(cls, args: dict[str, str]) -> RollupFilters:
        """Unknown values are ignored rather than refused: a filter link never errors."""
        function = args.get("function", "")
        status = args.get("status", "")
        region = args.get("region", "")[:80]
        return cls(
            # A control character names no region (PostgreSQL refuses a NUL): no filter.
            region=region if region.isprintable() else "",
            function=function if function in FUNCTION_LABELS else "",
            status=status if status in {s.value for s in PlanStatus} else "",
            manager_id=typed_id(args.get("manager_id", "")),
            q=search_text(args.get("q", "")),
        )

    def as_args(self) -> dict[str, str]:
        return {k: str(v) for k, v in vars(self).items() if v}


# A plan loaded whole, or its facts (coachapp.plans.facts): the rules read either alike.
P = TypeVar("P", "AccountPlan", "PlanFacts")


@dataclass
class RollupRow(Generic[P]):
    plan: P
    completeness: Completeness
    goals_by_status: Counter[str] = field(default_factory=Counter)
    attainment: PlanAttainment | None = None
    # Each of its goals' attainment today, by goal id: what `attainment` rests on.
    goal_attainment: dict[int, GoalAttainment] = field(default_factory=dict)

    @property
    def overdue_actions(self) -> int:
        return self.completeness.overdue_actions


Ts = TypeVarTuple("Ts")
# The plan's owner, as rollup_query, plans_query and the roll-up's pages join them.
OWNER = aliased(User, name="plan_owner")
# The roll-up's order: by account, its newest period first; the id makes the order total, so
# that pages neither skip nor repeat a plan.
ROLLUP_ORDER = (Account.name, AccountPlan.period.desc(), AccountPlan.id)


def rollup(
    db: Session,
    viewer: User,
    today: dt.date,
    filters: RollupFilters | None = None,
    narrowed: Sequence[ColumnElement[bool]] = (),
) -> list[RollupRow]:
    """Visible plans with completeness and goal status counts, in a fixed number of queries;
    `narrowed`: conditions that keep only some of them (on AccountPlan, Account and OWNER)."""
    query = rollup_query(viewer, filters).where(*narrowed).order_by(*ROLLUP_ORDER)
    plans = db.scalars(query).unique().all()
    return [rollup_row(plan, today) for plan in plans]


def rollup_query(viewer: User, filters: RollupFilters | None = None) -> Select[AccountPlan]:
    """The plans of rollup() (Account and their owner, OWNER, joined), in no order, with all
    that their lines show: the account and the owner from the query's own joins, the rest by
    plan."""
    return plans_query(viewer, filters).options(
        contains_eager(AccountPlan.account),
        contains_eager(AccountPlan.owner.of_type(OWNER)),
        *plan_items_options(),
    )


def plans_query(viewer: User, filters: RollupFilters | None = None) -> Select[AccountPlan]:
    """rollup_query without loading each plan's parts: to read some of their columns
    (`.with_only_columns`), or their ids."""
    return _found(select(AccountPlan), viewer, filters or RollupFilters())


def organisation_plans_query() -> Select[AccountPlan]:
    """Every live plan of the organisation, as rollup_query loads them, whoever may see them:
    for the figures the worker keeps (coachapp.dashboard.summaries), never for a page."""
    return (
        select(AccountPlan)
        .join(Account, AccountPlan.account_id == Account.id)
        .join(OWNER, AccountPlan.owner_id == OWNER.id)
        .where(_listed_status(RollupFilters()))
        .options(
            contains_eager(AccountPlan.account),
            contains_eager(AccountPlan.owner.of_type(OWNER)),
            *plan_items_options(),
        )
    )


def _found(
    query: Select[*Ts],
    viewer: User,
    filters: RollupFilters,
    *,
    by_status: bool = True,
    by_region: bool = True,
    owner_joined: bool = True,
) -> Select[*Ts]:
    """`query` (of plans) narrowed to the viewer's plans that the filters find, the plan's
    account joined, and its owner (OWNER) unless `owner_joined` is False and no filter needs
    it: with `by_status` (`by_region`) False, of every status (region) whatever its filter."""
    query = query.join(Account, AccountPlan.account_id == Account.id).where(
        policy.plans_scope(viewer)
    )
    if owner_joined or filters.function or filters.manager_id is not None:
        query = query.join(OWNER, AccountPlan.owner_id == OWNER.id)
    if filters.region and by_region:
        query = query.where(Account.region == filters.region)
    if filters.function:
        query = query.where(OWNER.function == filters.function)
    if filters.manager_id is not None:
        query = query.where(OWNER.manager_id == filters.manager_id)
    if filters.q:
        # Accounts and people found first, each once: a condition across both joined tables
        # can be planned as every account against every person (seconds on 2,000 of each).
        accounts = select(Account.id).where(contains_text(filters.q, Account.name))
        people = select(User.id).where(contains_text(filters.q, User.name, User.email))
        query = query.where(
            or_(AccountPlan.account_id.in_(accounts), AccountPlan.owner_id.in_(people))
        )
    if by_status:
        query = query.where(_listed_status(filters))
    return query


def _listed_status(filters: RollupFilters) -> ColumnElement[bool]:
    """The status asked for; without one, the live plans (draft and active)."""
    if filters.status:
        return AccountPlan.status == filters.status
    return AccountPlan.status != PlanStatus.ARCHIVED


# Plans a page of the roll-up lists; more go on over further pages (?page=N), so that a page
# stays well under 100 KB whatever the organisation. A region's plans (44 in the demo's) fit
# on one page, as do a manager's and a rep's.
PLANS_PER_PAGE = 50
# What the roll-up lists unless a status is asked for.
LIVE_STATUSES = [s for s in PlanStatus if s != PlanStatus.ARCHIVED]


@dataclass(frozen=True)
class RollupPage:
    """A page of the roll-up, and how many plans the filters find over every page."""

    rows: list[RollupRow]
    page: int
    filters: RollupFilters
    # The plans that every filter but the region and the status finds, counted by their
    # account's region and their status (archived ones included).
    tally: dict[tuple[str, PlanStatus], int]

    @property
    def counts(self) -> dict[PlanStatus, int]:
        """The plans found by status, archived ones included (listed only when asked for)."""
        counts: Counter[PlanStatus] = Counter()
        for (region, status), count in self.tally.items():
            if not self.filters.region or region == self.filters.region:
                counts[status] += count
        return dict(counts)

    @property
    def listed(self) -> dict[PlanStatus, int]:
        """The plans the pages list, by status in the order of PlanStatus."""
        counts = self.counts
        statuses = [PlanStatus(self.filters.status)] if self.filters.status else LIVE_STATUSES
        return {s: counts[s] for s in statuses if counts.get(s)}

    @property
    def total(self) -> int:
        """How many plans the pages list, all of them."""
        return sum(self.listed.values())

    @property
    def archived_not_listed(self) -> int:
        """Archived plans the filters find, which the list leaves out unless asked for."""
        return 0 if self.filters.status else self.counts.get(PlanStatus.ARCHIVED, 0)

    @property
    def regions(self) -> list[str]:
        """The regions to filter by: those of the plans the other filters find, and the one
        chosen."""
        found = {region for region, _ in self.tally if region}
        return sorted(found | ({self.filters.region} if self.filters.region else set()))

    @property
    def pages(self) -> int:
        return page_count(self.total, PLANS_PER_PAGE)

    @property
    def first_row(self) -> int:
        """The number of the page's first plan, counting from 1."""
        return first_row_of(self.page, PLANS_PER_PAGE)


def rollup_page(
    db: Session,
    viewer: User,
    today: dt.date,
    filters: RollupFilters,
    page: int = 1,
    whole: bool = False,
) -> RollupPage:
    """One page of rollup(), in its order, and the plans found counted over every page, in a
    fixed number of statements however many plans the viewer sees: one counts them (by
    region and status, the regions to filter by with them), one reads the page's plans, then
    what their lines show of those plans only (`whole`: everything full_plan_options loads).
    A page past the last is the last."""
    tally_query = _found(
        select(Account.region, AccountPlan.status, func.count()),
        viewer,
        filters,
        by_status=False,
        by_region=False,
        owner_joined=False,
    ).group_by(Account.region, AccountPlan.status)
    tally = {
        (region, PlanStatus(status)): count for region, status, count in db.execute(tally_query)
    }
    found = RollupPage([], 1, filters, tally)
    number = min(max(page, 1), found.pages)
    rows: list[RollupRow] = []
    if found.total:
        plans = _plans_of_page(db, viewer, filters, number, whole)
        rows = [rollup_row(plan, today) for plan in plans]
    return RollupPage(rows, number, filters, tally)


def _plans_of_page(
    db: Session, viewer: User, filters: RollupFilters, page: int, whole: bool
) -> Sequence[AccountPlan]:
    """The plans of a page of the roll-up, with what their lines show (or all of them)."""
    # Every plan found, first (materialised): asked for the first few in the roll-up's order,
    # PostgreSQL would walk every account by name and test each plan against the viewer's
    # scope until it had them, which for a manager's eight plans is all 2,000 accounts.
    found = (
        _found(select(AccountPlan.id, Account.name, AccountPlan.period), viewer, filters,
               owner_joined=False)
        .cte("found")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )  # fmt: skip
    page_ids = (
        select(found.c.id)
        .order_by(found.c.name, found.c.period.desc(), found.c.id)
        .limit(PLANS_PER_PAGE)
        .offset((page - 1) * PLANS_PER_PAGE)
    )
    query = (
        select(AccountPlan)
        .join(Account, AccountPlan.account_id == Account.id)
        .join(OWNER, AccountPlan.owner_id == OWNER.id)
        .where(AccountPlan.id.in_(page_ids))
        .options(
            contains_eager(AccountPlan.account),
            contains_eager(AccountPlan.owner.of_type(OWNER)),
            *(plan_items_options() if whole else LINE_OPTIONS),
        )
        .order_by(*ROLLUP_ORDER)
    )
    return db.scalars(query).unique().all()


# What a plan's line reads besides its account and owner (rollup_row: completeness and
# attainment), for the page's plans only: no one's name but the owner's.
LINE_OPTIONS = (
    selectinload(AccountPlan.goals).selectinload(PlanGoal.actuals),
    selectinload(AccountPlan.action_items),
    selectinload(AccountPlan.stakeholders),
    selectinload(AccountPlan.team).joinedload(PlanTeamMember.user),
)


def rollup_row(plan: P, today: dt.date) -> RollupRow[P]:
    """A plan's row of the roll-up, of the plan loaded whole or of its facts: its completeness,
    goals by status, and attainment (attainment_of_plan, each goal's kept on the way)."""
    goals = {goal.id: goal_attainment(goal, goal.actuals, today) for goal in plan.goals}
    return RollupRow(
        plan,
        plan_completeness(plan, today),
        Counter(g.status.value for g in plan.goals),
        plan_attainment(list(goals.values())),
        goals,
    )


def regions(db: Session, viewer: User) -> Sequence[str]:
    return db.scalars(
        select(Account.region)
        .join(AccountPlan, AccountPlan.account_id == Account.id)
        .where(policy.plans_scope(viewer), Account.region != "")
        .distinct()
        .order_by(Account.region)
    ).all()


# The header in the reader's language (an export people read, not a file imported back).
CSV_COLUMNS = (
    N_("account"),
    N_("account_type"),
    N_("region"),
    N_("period"),
    N_("status"),
    N_("owner"),
    N_("owner_function"),
    N_("completeness"),
    N_("goals_on_track"),
    N_("goals_at_risk"),
    N_("goals_off_track"),
    N_("goals_done"),
    N_("overdue_actions"),
    N_("last_update"),
    N_("missing"),
    # Attainment (coachapp.plans.attainment): mean progress of the goals with data, in percent
    # (empty when none has any), how many goals that rests on, and their track.
    N_("goal_attainment"),
    N_("goals_measured"),
    N_("goals_measured_on_track"),
    N_("goals_measured_at_risk"),
)


# A plan's status in the export (its code in English, as the API gives it).
PLAN_STATUS_WORDS = {
    PlanStatus.DRAFT.value: N_("Draft"),
    PlanStatus.ACTIVE.value: N_("Active"),
    PlanStatus.ARCHIVED.value: N_("Archived"),
}


def rollup_csv(rows: Iterable[RollupRow[Any]]) -> str:
    """The roll-up as a CSV file: of rollup()'s rows, or of every plan's facts (an export of
    thousands of plans reads them as facts, coachapp.plans.facts)."""
    return csv_text(in_the_readers_language(CSV_COLUMNS), (_rollup_line(row) for row in rows))


def _rollup_line(row: RollupRow[Any]) -> list[object]:
    plan = row.plan
    return [
        plan.account.name,
        in_the_readers_words(plan.account.type.value, ACCOUNT_TYPE_LABELS),
        plan.account.region,
        plan.period,
        in_the_readers_words(plan.status.value, PLAN_STATUS_WORDS),
        plan.owner.name,
        in_the_readers_words(plan.owner.function.value, FUNCTION_LABELS),
        row.completeness.score,
        *(row.goals_by_status.get(s.value, 0) for s in GoalStatus),
        row.overdue_actions,
        plan.last_activity_at.date().isoformat(),
        "; ".join(row.completeness.said),
        *_attainment_cells(row.attainment),
    ]


def _attainment_cells(attainment: PlanAttainment | None) -> list[object]:
    if attainment is None:
        return ["", 0, 0, 0]
    percent = "" if attainment.percent is None else attainment.percent
    return [percent, attainment.goals_with_data, attainment.on_track, attainment.at_risk]
