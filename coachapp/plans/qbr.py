"""The regional QBR: one printable page per region or team that summarises before it lists.

First what a field director asks at a quarterly business review: which goals are behind the
straight line to their target and what is at stake in them, which barriers recur across the
plans, which cross-functional agreements are still open, and which account teams have not
reviewed together lately; then every plan, each kept to a screen (a page of them at a time
for a national scope).

Every figure is read from its own service, never worked out a second way: the plans and their
completeness and attainment from the roll-up (coachapp.plans.rollup, attainment defined once in
coachapp.plans.attainment; the summary over every plan in scope from their facts,
coachapp.plans.facts, the plans themselves loaded a page of cards at a time), the profiling
gaps and other template gaps from the completeness checks, the agreements from the reviews
(coachapp.reviews.service) and the accounts without a review from the account teams' figures
(coachapp.reviews.figures), in the window the director's dashboard gives them. What is at
stake is what each goal says of itself, in its own unit, and the value the team wrote down;
nothing is turned into money.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.coaching.cadence import DEFAULT_WINDOW_DAYS
from coachapp.languages import N_, gettext
from coachapp.models import (
    PROFILE_AREAS,
    Account,
    AccountPlan,
    DecisionRole,
    FollowUp,
    GoalKind,
    GoalStatus,
    PlanGoal,
    Relationship,
    Role,
    User,
)
from coachapp.plans.attainment import GoalAttainment, Track
from coachapp.plans.completeness import STALE_AFTER_DAYS
from coachapp.plans.facts import (
    AccountFacts,
    GoalFacts,
    PlanFacts,
    fact_rows,
)
from coachapp.plans.rollup import (
    RollupFilters,
    RollupPage,
    RollupRow,
    plans_query,
    rollup_page,
)
from coachapp.reviews.figures import (
    AccountTeamFigures,
    AccountTeamsBoard,
    account_team_figures,
    open_agreement_counts,
)
from coachapp.reviews.service import open_agreements_of

# The account teams' review figures cover the dashboard's default window.
REVIEW_WINDOW_DAYS = DEFAULT_WINDOW_DAYS
# The accounts without a review the page names; a national scope has thousands, counted.
UNREVIEWED_SHOWN = 20

# What a QBR counts across plans as a barrier, in the order ties are shown. Gaps are the
# completeness checks that failed (Completeness.gaps); risks are read from the plan's own
# goals and stakeholders (plan_risks).
# Marked for the catalogues; `barrier_words` says them in the reader's language.
BARRIERS: dict[str, str] = {
    "profile_business": N_("Profiling gap: business insight"),
    "profile_clinical": N_("Profiling gap: clinical insight"),
    "profile_operational": N_("Profiling gap: operational insight"),
    "profile_reimbursement": N_("Profiling gap: reimbursement insight"),
    "goal_flagged": N_("A goal the team marks at risk or off track"),
    "decision_maker_distant": N_("A decision maker with a weak or no relationship"),
    "no_decision_maker": N_("No decision maker among the stakeholders"),
    "no_champion": N_("No champion among the stakeholders"),
    "stakeholders": N_("No customer stakeholders"),
    "overdue_actions": N_("Overdue actions"),
    "other_functions": N_("No team members from other functions"),
    "current": N_("Not updated in %(days)s days"),
}
assert set(BARRIERS) >= {f"profile_{a}" for a in PROFILE_AREAS}


def barrier_words() -> dict[str, str]:
    """Each barrier as the reader's language says it."""
    return {key: gettext(text, days=STALE_AFTER_DAYS) for key, text in BARRIERS.items()}


DISTANT = {Relationship.NONE, Relationship.WEAK}


def plan_risks(plan: AccountPlan | PlanFacts) -> list[str]:
    """The risks a plan's own goals and stakeholders show (keys of BARRIERS)."""
    risks = []
    if any(g.status in {GoalStatus.AT_RISK, GoalStatus.OFF_TRACK} for g in plan.goals):
        risks.append("goal_flagged")
    deciders = [s for s in plan.stakeholders if s.decision_role == DecisionRole.DECISION_MAKER]
    if any(s.relationship_strength in DISTANT for s in deciders):
        risks.append("decision_maker_distant")
    if plan.stakeholders and not deciders:
        risks.append("no_decision_maker")
    champions = [s for s in plan.stakeholders if s.decision_role == DecisionRole.CHAMPION]
    if plan.stakeholders and not champions:
        risks.append("no_champion")
    return risks


def barriers_of(row: RollupRow[Any]) -> list[str]:
    """A plan's barriers (keys of BARRIERS), in the order of BARRIERS."""
    found = set(row.completeness.gaps) | set(plan_risks(row.plan))
    return [key for key in BARRIERS if key in found]


@dataclass(frozen=True)
class Scope:
    """Which plans the page covers, within the viewer's own: the roll-up's filters (a region,
    the owners' function, a status) and a manager's team (the plans whose owners report to
    them, a manager found in the viewer's scope), or all the viewer sees."""

    filters: RollupFilters = field(default_factory=RollupFilters)
    manager: User | None = None

    @property
    def region(self) -> str:
        return self.filters.region

    @property
    def label(self) -> str:
        parts = [gettext("%(name)s's team", name=self.manager.name)] if self.manager else []
        if self.region:
            parts.append(self.region)
        if self.filters.q:
            parts.append(f"“{self.filters.q}”")
        return " · ".join(parts) or gettext("Every plan you see")


@dataclass(frozen=True)
class GoalAtRisk:
    row: RollupRow[Any]
    goal: PlanGoal | GoalFacts
    attainment: GoalAttainment

    @property
    def behind(self) -> float:
        """How far the goal's progress is behind the straight line (0..1)."""
        return (self.attainment.expected or 0.0) - (self.attainment.progress or 0.0)

    @property
    def to_go(self) -> float | None:
        """What is left from the latest actual to the target, in the goal's unit (stages for a
        stage goal)."""
        latest = self.attainment.latest_value
        if latest is None:
            return None
        if self.goal.kind == GoalKind.STAGES:
            return max(0.0, len(self.goal.stages) - latest)
        if self.goal.target is None:
            return None
        return abs(self.goal.target - latest)


@dataclass
class StillToMove:
    """The goals at risk that count the same metric in the same unit, and what is left to
    their targets, added up: figures in different units are never added together."""

    metric: str
    unit: str
    to_go: float = 0.0
    goals: int = 0


@dataclass(frozen=True)
class Barrier:
    key: str
    label: str
    plans: list[AccountPlan | PlanFacts] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.plans)


@dataclass(frozen=True)
class RegionalQbr:
    scope: Scope
    today: dt.date
    # The page of cards: its plans loaded whole, of every plan found (coachapp.plans.rollup).
    cards: RollupPage
    # Every plan of the scope, in the roll-up's order, what the summary counts: the page's
    # loaded whole, the others as facts (coachapp.plans.facts).
    every_plan: list[RollupRow[Any]]
    # Every goal's attainment today, by goal id (coachapp.plans.attainment).
    attainment: dict[int, GoalAttainment]
    goals_at_risk: list[GoalAtRisk]
    still_to_move: list[StillToMove]
    # Every barrier found in at least one plan, the most frequent first.
    barriers: list[Barrier]
    barriers_by_plan: dict[int, list[str]]
    agreements: Sequence[FollowUp]
    # The open agreements of every review of the page's accounts, counted by account (a team
    # figure: coachapp.reviews.figures.open_agreement_counts); None for those who see no such
    # figures (reps, admins).
    agreement_counts: dict[int, int] | None
    review_window_days: int
    # The account teams' figures of the QBR's accounts (the first of those without a review
    # named, the rest counted); None for those who see no such figures (reps, admins).
    account_teams: AccountTeamsBoard | None

    @property
    def accounts_without_review(self) -> list[AccountTeamFigures] | None:
        """The first accounts without a review in the window, by name (UNREVIEWED_SHOWN)."""
        return None if self.account_teams is None else self.account_teams.not_reviewed

    @property
    def accounts_without_review_total(self) -> int:
        return 0 if self.account_teams is None else self.account_teams.not_reviewed_total

    @property
    def rows(self) -> list[RollupRow[AccountPlan]]:
        """The page's cards."""
        return self.cards.rows

    @property
    def plans(self) -> int:
        return len(self.every_plan)

    @property
    def page(self) -> int:
        return self.cards.page

    @property
    def pages(self) -> int:
        return self.cards.pages

    @property
    def first_row(self) -> int:
        """The number of the page's first card, counting from 1."""
        return self.cards.first_row

    @property
    def goals(self) -> int:
        return len(self.attainment)

    @property
    def goals_measured(self) -> int:
        return sum(a.progress is not None for a in self.attainment.values())

    @property
    def accounts(self) -> int:
        return len({row.plan.account_id for row in self.every_plan})

    @property
    def agreements_open(self) -> int:
        """Every open agreement on the page's accounts where the viewer has the team figure,
        else those they read."""
        if self.agreement_counts is None:
            return len(self.agreements)
        return sum(self.agreement_counts.values())

    @property
    def agreements_not_read(self) -> list[tuple[Account | AccountFacts, int]]:
        """Accounts with open agreements of reviews the viewer does not read, and how many."""
        if self.agreement_counts is None:
            return []
        read = Counter(a.review.account_id for a in self.agreements if a.review is not None)
        accounts = {row.plan.account_id: row.plan.account for row in self.every_plan}
        return [
            (accounts[account_id], count - read[account_id])
            for account_id, count in sorted(
                self.agreement_counts.items(), key=lambda item: accounts[item[0]].name
            )
            if count > read[account_id]
        ]


def teams_to_choose(db: Session, viewer: User) -> Sequence[User]:
    """The managers whose team the viewer may print a QBR of: a director's subtree, oneself
    for a manager (as coachapp.dashboard.service.team_manager_or_404 lets through)."""
    if viewer.role not in {Role.DIRECTOR, Role.MANAGER}:
        return []
    return db.scalars(
        select(User)
        .where(User.role == Role.MANAGER, User.active.is_(True), policy.people_scope(viewer))
        .order_by(User.name)
    ).all()


def regional_qbr(
    db: Session, viewer: User, today: dt.date, scope: Scope, page: int = 1
) -> RegionalQbr:
    """The QBR of the viewer's plans in `scope` (live ones: draft and active), in a fixed
    number of queries however many plans: a page of the plans list's (rollup_page: a page past
    the last is the last) loaded whole for their cards, every other plan read as facts for the
    summary, the account teams' figures and the open agreements."""
    filters = replace(scope.filters, manager_id=scope.manager.id if scope.manager else None)
    found = rollup_page(db, viewer, today, filters, page, whole=True)
    others: list[RollupRow[PlanFacts]] = []
    if found.total > len(found.rows):
        others = fact_rows(db, viewer, today, filters, [row.plan.id for row in found.rows])
    before = found.first_row - 1
    every_plan: list[RollupRow[Any]] = [*others[:before], *found.rows, *others[before:]]
    attainment = {
        goal_id: goal for row in every_plan for goal_id, goal in row.goal_attainment.items()
    }
    at_risk = sorted(
        (
            GoalAtRisk(row, goal, attainment[goal.id])
            for row in every_plan
            for goal in row.plan.goals
            if attainment[goal.id].track == Track.AT_RISK
        ),
        key=lambda g: (-g.behind, g.row.plan.account.name, g.goal.position, g.goal.id),
    )
    by_plan = {row.plan.id: barriers_of(row) for row in every_plan}
    barriers = [
        Barrier(key, label, [row.plan for row in every_plan if key in by_plan[row.plan.id]])
        for key, label in barrier_words().items()
    ]
    order = list(BARRIERS)
    ranked = sorted((b for b in barriers if b.count), key=lambda b: (-b.count, order.index(b.key)))
    account_ids = sorted({row.plan.account_id for row in every_plan})
    return RegionalQbr(
        scope=scope,
        today=today,
        cards=found,
        every_plan=every_plan,
        attainment=attainment,
        goals_at_risk=at_risk,
        still_to_move=_still_to_move(at_risk),
        barriers=ranked,
        barriers_by_plan=by_plan,
        agreements=open_agreements_of(db, viewer, account_ids),
        agreement_counts=(
            open_agreement_counts(db, viewer, account_ids) if _sees_team_figures(viewer) else None
        ),
        review_window_days=REVIEW_WINDOW_DAYS,
        account_teams=_not_reviewed(db, viewer, today, scope, filters),
    )


def _still_to_move(goals: Sequence[GoalAtRisk]) -> list[StillToMove]:
    totals: dict[tuple[str, str], StillToMove] = {}
    for item in goals:
        to_go = item.to_go
        if to_go is None or item.goal.kind == GoalKind.STAGES:
            continue
        metric, unit = item.goal.metric.strip(), item.goal.unit.strip()
        total = totals.setdefault((metric.lower(), unit), StillToMove(metric, unit))
        total.to_go += to_go
        total.goals += 1
    return sorted(totals.values(), key=lambda t: (-t.goals, t.metric.lower(), t.unit))


def _sees_team_figures(viewer: User) -> bool:
    """Managers and directors see the account teams' figures (policy.account_figures_scope)."""
    return viewer.role in {Role.MANAGER, Role.DIRECTOR}


def _not_reviewed(
    db: Session, viewer: User, today: dt.date, scope: Scope, filters: RollupFilters
) -> AccountTeamsBoard | None:
    """The accounts of the QBR's plans as the account teams' figures have them, the first
    UNREVIEWED_SHOWN of those without a review in the window loaded, the rest counted; None
    for those who see no such figures."""
    if not _sees_team_figures(viewer):
        return None
    # The QBR's accounts found first (materialised): as a condition to test account by account
    # PostgreSQL would walk the plans of the scope once per account (170 ms for 1,600).
    found = (
        plans_query(viewer, filters)
        .with_only_columns(AccountPlan.account_id)
        .cte("qbr_accounts")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    accounts = select(found.c.account_id)
    return account_team_figures(
        db, viewer, REVIEW_WINDOW_DAYS, today, scope.region,
        not_reviewed_shown=UNREVIEWED_SHOWN, among=accounts,
    )  # fmt: skip
