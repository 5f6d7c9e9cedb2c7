"""Cadence across teams: who is in the viewer's scope, grouped by manager, or, on a director's
dashboard, by the director's children (a team per first-line manager, a region per director
below, at any depth), with their figures, weekly trends and the competency heatmap; and
finding someone below a director. The dashboard, a manager's Team page, the cadence API and
the CSV exports all read from here; the figures themselves come from coachapp.coaching.cadence
and the scope from coachapp.policy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from coachapp import policy
from coachapp.coaching.cadence import (
    DEFAULT_WINDOW_DAYS,
    TREND_WEEKS,
    WINDOW_CHOICES,
    CadenceBook,
    CadenceStatus,
    CadenceSummary,
    Focus,
    Quality,
    RepCadence,
    Target,
    Trends,
    WeeklyTrend,
    load_cadence,
    window_start,
)
from coachapp.coaching.counts import counted
from coachapp.dashboard import stored
from coachapp.errors import NotFound
from coachapp.ids import typed_id
from coachapp.listing import contains_text, first_row_of, page_count, page_within, search_text
from coachapp.models import (
    FUNCTION_LABELS,
    Competency,
    Function,
    GuideSection,
    Note,
    NoteRating,
    Role,
    User,
)
from coachapp.reporting_lines import managers_above

# Below this many ratings an average says more about the few notes than about the team.
MIN_RATINGS = 5


@dataclass(frozen=True)
class CadenceFilters:
    window_days: int = DEFAULT_WINDOW_DAYS
    region: str = ""
    function: str = ""
    manager_id: int | None = None
    # Only the reps below this person (a region's exports, from its page).
    under: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> CadenceFilters:
        """Unknown values are ignored rather than refused: a filter link never errors."""
        window = args.get("period", "")
        function = args.get("function", "")
        region = args.get("region", "")[:80]
        manager = args.get("manager_id", "")
        return cls(
            window_days=(
                int(window) if window in {str(w) for w in WINDOW_CHOICES} else DEFAULT_WINDOW_DAYS
            ),
            # No stored region holds a NUL (PostgreSQL refuses to compare one).
            region="" if "\x00" in region else region,
            function=function if function in FUNCTION_LABELS else "",
            manager_id=typed_id(manager),
            under=typed_id(args.get("under", "")),
        )

    def as_args(self, with_manager: bool = True) -> dict[str, str]:
        """The query string that gives these filters back (the default period left out)."""
        args = {"region": self.region, "function": self.function}
        if self.window_days != DEFAULT_WINDOW_DAYS:
            args["period"] = str(self.window_days)
        if self.manager_id is not None and with_manager:
            args["manager_id"] = str(self.manager_id)
        if self.under is not None:
            args["under"] = str(self.under)
        return {key: value for key, value in args.items() if value}

    @property
    def narrowed(self) -> bool:
        """Whether the region or function filter hides some reps."""
        return bool(self.region or self.function)


@dataclass(frozen=True)
class RepRow:
    rep: User
    cadence: RepCadence


@dataclass
class TeamFigures:
    """One manager's team: the manager (None for reps who report to nobody), their reps most
    in need of coaching first, and the team's totals."""

    manager: User | None
    target: Target
    rows: list[RepRow]
    summary: CadenceSummary
    trends: Trends | None = None
    # Coaching quality (teams_of(..., quality=True)): the team's notes in the window, and the
    # self/manager rating gap week by week with the trends.
    quality: Quality | None = None
    gap_trend: WeeklyTrend | None = None

    @property
    def manager_id(self) -> int | None:
        return self.manager.id if self.manager else None

    @property
    def needing_attention(self) -> list[RepRow]:
        return [r for r in self.rows if r.cadence.status.value != "on_track"]


@dataclass(frozen=True)
class HeatCell:
    average: float | None
    count: int

    @property
    def enough(self) -> bool:
        return self.count >= MIN_RATINGS

    @property
    def level(self) -> int | None:
        """1-4 for colouring: the rating the average is nearest to; None with too few ratings."""
        if not self.enough or self.average is None:
            return None
        return max(1, min(4, math.floor(self.average + 0.5)))


class RowKind(enum.StrEnum):
    """What a row of a director's dashboard stands for."""

    TEAM = "team"  # a first-line manager and the reps reporting to them
    REGION = "region"  # a director and everyone below them, at any depth
    DIRECT = "direct"  # reps reporting to the director looked at themself


@dataclass(frozen=True)
class RowFigures:
    """What a row shows of the reps below it: coachapp.coaching.cadence's figures of them
    (CadenceSummary, Quality, the weekly conversations), taken as plain values."""

    rep_count: int
    within_target: int
    within_target_share: float | None
    behind: int
    sessions_in_window: int
    ride_alongs_in_window: int
    behind_on_ride_alongs: int
    open_follow_ups: int
    overdue_follow_ups: int
    follow_ups_due: int
    follow_ups_done: int
    follow_up_completion: float | None
    notes_shared: int
    notes_acknowledged: int
    acknowledged_share: float | None
    median_hours_to_acknowledge: float | None
    notes_acknowledged_late: int
    notes_past_deadline: int
    # Coaching quality of the notes in the window.
    notes: int
    notes_with_specific_evidence: int
    specific_evidence_share: float | None
    mean_absolute_gap: float | None
    rated_pairs: int
    # The focus competencies most of these reps work on, with how many do.
    focus: tuple[tuple[Focus, int], ...]
    conversations: WeeklyTrend

    @classmethod
    def of(
        cls, summary: CadenceSummary, quality: Quality, conversations: WeeklyTrend
    ) -> RowFigures:
        return cls(
            rep_count=summary.rep_count,
            within_target=summary.within_target,
            within_target_share=summary.within_target_share,
            behind=summary.behind,
            sessions_in_window=summary.sessions_in_window,
            ride_alongs_in_window=summary.ride_alongs_in_window,
            behind_on_ride_alongs=summary.behind_on_ride_alongs,
            open_follow_ups=summary.open_follow_ups,
            overdue_follow_ups=summary.overdue_follow_ups,
            follow_ups_due=summary.follow_ups_due,
            follow_ups_done=summary.follow_ups_done,
            follow_up_completion=summary.follow_up_completion,
            notes_shared=summary.notes_shared,
            notes_acknowledged=summary.notes_acknowledged,
            acknowledged_share=summary.acknowledged_share,
            median_hours_to_acknowledge=summary.median_hours_to_acknowledge,
            notes_acknowledged_late=summary.notes_acknowledged_late,
            notes_past_deadline=summary.notes_past_deadline,
            notes=quality.notes,
            notes_with_specific_evidence=quality.notes_with_specific_evidence,
            specific_evidence_share=quality.specific_evidence_share,
            mean_absolute_gap=quality.mean_absolute_gap,
            rated_pairs=quality.rated_pairs,
            focus=tuple(summary.focus()),
            conversations=conversations,
        )


@dataclass(frozen=True)
class ChildRow:
    """One child of the director looked at (the node): a first-line manager's team, a
    director's whole region, or the reps reporting to the node themself; with the figures of
    every rep below it and its average rating per competency (by key)."""

    kind: RowKind
    leader: User  # the manager, the regional director; the node for DIRECT
    figures: RowFigures
    heat: Mapping[str, HeatCell]
    teams: int = 0  # first-line teams in a region
    target: Target | None = None  # a team's cadence target
    # A team's reps who are not on track, most in need of coaching first (DUE_NEXT at most).
    due_next: tuple[RepRow, ...] = ()

    @property
    def is_team(self) -> bool:
        return self.kind == RowKind.TEAM

    @property
    def is_region(self) -> bool:
        return self.kind == RowKind.REGION

    def cell(self, key: str) -> HeatCell:
        return self.heat.get(key, HeatCell(None, 0))


@dataclass(frozen=True)
class NodeFigures:
    """figures_for_children's answer: a row per child of the node, and the node's own totals
    (everyone in view below it) with their weekly trends and ratings per competency."""

    rows: tuple[ChildRow, ...]
    total: RowFigures
    trends: Trends
    gap_trend: WeeklyTrend
    competencies: tuple[tuple[str, str], ...]  # (key, name) in guide order
    total_heat: Mapping[str, HeatCell]
    # The regions (User.region) of the reps in view, for the region filter.
    rep_regions: tuple[str, ...]
    min_ratings: int = MIN_RATINGS

    def total_cell(self, key: str) -> HeatCell:
        return self.total_heat.get(key, HeatCell(None, 0))


# Rows a page of the dashboard shows; more children (a national director's fifty regions) go
# on over further pages, so that a page stays well under 100 KB whatever the organisation.
ROWS_PER_PAGE = 30
# A team's card names this many of its reps who need coaching next.
DUE_NEXT = 5
# Past this many teams among the rows, cards are drawn only for that many: those with the
# most reps behind target (every team keeps its row in the tables).
TEAM_CARDS = 8


@dataclass
class Dashboard:
    filters: CadenceFilters
    today: dt.date
    node: User  # whose children the rows are: the viewer, or a director below them
    path: list[User]  # from the viewer down to the node, the node last
    figures: NodeFigures
    regions: list[str]
    page: int = 1  # of the rows, ROWS_PER_PAGE to a page
    # When the figures were computed, if read from those kept (None: computed for this page).
    computed_at: dt.datetime | None = None

    @property
    def pages(self) -> int:
        return page_count(len(self.figures.rows), ROWS_PER_PAGE)

    @property
    def first_row(self) -> int:
        """The number of the page's first row, counting from 1."""
        return first_row_of(self.page, ROWS_PER_PAGE)

    @property
    def rows(self) -> tuple[ChildRow, ...]:
        """The page's rows."""
        return self.figures.rows[self.first_row - 1 : self.first_row - 1 + ROWS_PER_PAGE]

    @property
    def team_count(self) -> int:
        return sum(1 for row in self.figures.rows if row.is_team)

    @property
    def region_count(self) -> int:
        return sum(1 for row in self.figures.rows if row.is_region)

    @property
    def at_top(self) -> bool:
        """The viewer's own dashboard, not a region below them."""
        return len(self.path) == 1

    @property
    def team_cards(self) -> list[ChildRow]:
        """The teams drawn as cards with who is due next: every team when there are few, else
        those with the most reps behind target."""
        teams = [row for row in self.rows if row.is_team]
        if len(teams) <= TEAM_CARDS:
            return teams
        return sorted(teams, key=lambda row: -row.figures.behind)[:TEAM_CARDS]


# Scope --------------------------------------------------------------------------------------


def scoped_reps(
    db: Session, viewer: User, filters: CadenceFilters, under: User | None = None
) -> list[User]:
    """The active reps whose figures the viewer may see, narrowed by the filters; with
    `under`, only those below that person (a region of the viewer's subtree)."""
    return list(db.scalars(scoped_reps_query(viewer, filters, under)).all())


def scoped_reps_query(
    viewer: User, filters: CadenceFilters, under: User | None = None
) -> Select[User]:
    """scoped_reps as a query, for a page of them (GET /api/v1/cadence)."""
    query = policy.visible_cadence_reps(viewer)
    if under is not None and under.id != viewer.id:
        query = query.where(User.id.in_(policy.subtree_ids(under)))
    if filters.region:
        query = query.where(User.region == filters.region)
    if filters.function:
        query = query.where(User.function == Function(filters.function))
    if filters.manager_id is not None:
        query = query.where(User.manager_id == filters.manager_id)
    if filters.under is not None:
        query = query.where(User.id.in_(policy.subtree_ids_of(filters.under)))
    return query


def rep_rows(db: Session, reps: Sequence[User], window_days: int, now: dt.datetime) -> list[RepRow]:
    """These reps with their figures, most in need of coaching first."""
    book = load_cadence(db, reps, now, window_days)
    return urgent_first([RepRow(rep, book.reps[rep.id]) for rep in reps])


def regions_in_scope(
    db: Session,
    viewer: User,
    everyone: Iterable[User] | None = None,
    under: User | None = None,
) -> list[str]:
    """Regions of the active reps in the viewer's scope (below `under`, if given), for the
    region filter. `everyone`: those reps, when a page has loaded them all already (no filter
    narrowed them)."""
    if everyone is not None:
        return sorted({rep.region for rep in everyone if rep.region})
    query = select(User.region).where(
        policy.cadence_scope(viewer), User.active.is_(True), User.region != ""
    )
    if under is not None and under.id != viewer.id:
        query = query.where(User.id.in_(policy.subtree_ids(under)))
    return list(db.scalars(query.distinct().order_by(User.region)).all())


def team_manager_or_404(db: Session, viewer: User, manager_id: int) -> User:
    """A manager whose team the viewer may look at: a director's subtree, or oneself."""
    person = policy.person_or_404(db, viewer, manager_id)
    if person.role != Role.MANAGER or viewer.role not in {Role.DIRECTOR, Role.MANAGER}:
        raise NotFound()
    return person


def region_head_or_404(db: Session, viewer: User, director_id: int) -> User:
    """A director below the viewer (a director too), whose region the viewer may look at: in
    the viewer's subtree and on their side of the medical/commercial wall."""
    person = policy.person_or_404(db, viewer, director_id)
    if person.role != Role.DIRECTOR or viewer.role != Role.DIRECTOR:
        raise NotFound()
    return person


def path_to(db: Session, viewer: User, node: User) -> list[User]:
    """The viewer, the directors between, and the node (found in the viewer's scope): the
    breadcrumb from the viewer's own dashboard down to the node's."""
    if node.id == viewer.id:
        return [viewer]
    between: list[User] = []
    for manager in managers_above(db, node):
        if manager.id == viewer.id:
            return [viewer, *reversed(between), node]
        between.append(manager)
    return [viewer, node]  # not below the viewer: scope checks keep this from happening


def _leaders(
    db: Session, viewer: User, reps: Sequence[User], filters: CadenceFilters
) -> list[User]:
    """Managers to show a row for: everyone the reps report to and, unless filters narrow the
    reps, the viewer's active managers with nobody on their team yet."""
    ids = {r.manager_id for r in reps if r.manager_id is not None}
    condition: ColumnElement[bool] = User.id.in_(ids)
    managed = policy.managed_ids(viewer)
    if not _filtered(filters) and managed is not None:
        empty_teams = and_(
            User.id.in_(managed),
            User.role == Role.MANAGER,
            User.active.is_(True),
            policy.coaching_side(viewer, User.id),
        )
        condition = or_(condition, empty_teams)
    return list(db.scalars(select(User).where(condition).order_by(User.name)).all())


def shown_empty(viewer: User, leader: User, filters: CadenceFilters) -> bool:
    """Whether a manager or director with no rep in view still gets a row: when active, on
    the viewer's side of the medical/commercial wall, and no filter narrows the reps."""
    return (
        not _filtered(filters)
        and leader.active
        and leader.role in {Role.MANAGER, Role.DIRECTOR}
        and policy.may_see_coaching_of(viewer, leader)
    )


@dataclass
class Lines:
    """Who reports to whom below a node: the managers and directors at any depth, to find
    which of the node's children each rep is below."""

    node_id: int
    leaders: list[User]
    found: dict[int, int] = field(default_factory=dict)
    manager_of: dict[int, int | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.manager_of = {leader.id: leader.manager_id for leader in self.leaders}

    def child_of(self, manager_id: int | None) -> int:
        """The node's child that `manager_id` is or is below; the node's own id for the node
        (its direct reports), and for a line that does not reach it."""
        climbed: list[int] = []
        current = manager_id
        child = self.node_id
        while current is not None and current != self.node_id and len(climbed) <= len(self.leaders):
            if current in self.found:
                child = self.found[current]
                break
            climbed.append(current)
            above = self.manager_of.get(current)
            if above == self.node_id:
                child = current
                break
            current = above
        for seen in climbed:
            self.found[seen] = child
        return child


def lines_below(db: Session, node: User) -> Lines:
    """Every manager and director below the node, in one query."""
    leaders = db.scalars(
        select(User).where(User.id.in_(policy.leaders_below_ids_of(node.id)))
    ).all()
    return Lines(node.id, list(leaders))


def _filtered(filters: CadenceFilters) -> bool:
    """Whether scoped_reps leaves anyone in the viewer's scope out."""
    return filters.narrowed or filters.manager_id is not None or filters.under is not None


def urgent_first(rows: list[RepRow]) -> list[RepRow]:
    return sorted(rows, key=lambda row: (row.cadence.urgency, row.rep.name))


# Figures ------------------------------------------------------------------------------------


def cadence_rows(
    db: Session, viewer: User, filters: CadenceFilters, now: dt.datetime
) -> list[RepRow]:
    """Every rep in scope with their figures, most in need of coaching first."""
    return rep_rows(db, scoped_reps(db, viewer, filters), filters.window_days, now)


@dataclass(frozen=True)
class TeamsInView:
    """The teams in a viewer's scope before any figure is computed: a team per manager (by
    name; None, the reps who report to nobody in view, last) and the reps of them all."""

    managers: list[User | None]
    reps: list[User]
    known: set[int]  # the managers' ids

    def only(self, managers: list[User | None]) -> TeamsInView:
        """These teams (a page of them) and their reps alone."""
        wanted = {manager.id if manager else None for manager in managers}
        reps = [r for r in self.reps if self._team_of(r) in wanted]
        return TeamsInView(managers, reps, self.known)

    def _team_of(self, rep: User) -> int | None:
        return rep.manager_id if rep.manager_id in self.known else None


def teams_in_view(db: Session, viewer: User, filters: CadenceFilters) -> TeamsInView:
    reps = scoped_reps(db, viewer, filters)
    leaders = _leaders(db, viewer, reps, filters)
    known = {leader.id for leader in leaders}
    managers: list[User | None] = list(leaders)
    if any(rep.manager_id not in known for rep in reps):
        managers.append(None)
    return TeamsInView(managers, reps, known)


def teams_of(
    db: Session,
    viewer: User,
    filters: CadenceFilters,
    now: dt.datetime,
    today: dt.date,
    trend_weeks: int = 0,
    quality: bool = False,
    in_view: TeamsInView | None = None,
) -> tuple[list[TeamFigures], CadenceBook]:
    """The teams in the viewer's scope with their figures: those of `in_view` (teams_in_view,
    or a page of them: only their reps' figures are computed), or all of them."""
    if in_view is None:
        in_view = teams_in_view(db, viewer, filters)
    managers, reps, known = in_view.managers, in_view.reps, in_view.known
    book = load_cadence(db, reps, now, filters.window_days, trend_weeks, quality)
    by_manager: dict[int | None, list[RepRow]] = {}
    for rep in reps:
        by_manager.setdefault(rep.manager_id, []).append(RepRow(rep, book.reps[rep.id]))
    teams = []
    for manager in managers:
        if manager is None:
            rows = [row for m, group in by_manager.items() if m not in known for row in group]
        else:
            rows = by_manager.get(manager.id, [])
        rows = urgent_first(rows)
        target = book.target_for(manager.id if manager else None)
        summary = book.summary(row.rep.id for row in rows)
        ids = [row.rep.id for row in rows]
        trends = book.trends(ids, today, trend_weeks) if trend_weeks else None
        figures = TeamFigures(manager, target, rows, summary, trends)
        if quality:
            figures.quality = book.quality(ids)
            figures.gap_trend = book.gap_trend(ids, today, trend_weeks) if trend_weeks else None
        teams.append(figures)
    return teams, book


def team_of_manager(
    db: Session,
    viewer: User,
    manager: User,
    filters: CadenceFilters,
    now: dt.datetime,
    today: dt.date,
    trend_weeks: int = TREND_WEEKS,
) -> TeamFigures:
    """One manager's team (found with team_manager_or_404), even when no rep matches."""
    filters = replace(filters, manager_id=manager.id)
    teams, book = teams_of(db, viewer, filters, now, today, trend_weeks, quality=True)
    for team in teams:
        if team.manager_id == manager.id:
            return team
    trends = book.trends([], today, trend_weeks) if trend_weeks else None
    return TeamFigures(
        manager, book.target_for(manager.id), [], book.summary([]), trends, book.quality([]),
        book.gap_trend([], today, trend_weeks) if trend_weeks else None,
    )  # fmt: skip


def dashboard(
    db: Session,
    viewer: User,
    node: User,
    filters: CadenceFilters,
    now: dt.datetime,
    today: dt.date,
    page: int = 1,
) -> Dashboard:
    """A director's dashboard at `node` (the viewer, or a region below them found with
    region_head_or_404): a row per child with its figures (the rows of `page`; one past the
    last is the last), the node's totals, 13-week trends and the competency heatmap of the
    children. Without a region or function filter the figures are read from those the worker
    keeps (coachapp.dashboard.summaries: a row per child, computed_at says when), unless they
    are not computed yet or have fallen behind; otherwise, and with filters, computed here."""
    kept = (
        None
        if _filtered(filters)
        else figures_from_store(db, viewer, node, filters.window_days, now, today)
    )
    figures = (
        kept[0] if kept is not None else figures_for_children(db, viewer, node, filters, now, today)
    )
    regions = (
        regions_in_scope(db, viewer, under=node)
        if _filtered(filters)
        else list(figures.rep_regions)
    )
    board = Dashboard(
        filters=filters,
        today=today,
        node=node,
        path=path_to(db, viewer, node),
        figures=figures,
        regions=regions,
        computed_at=kept[1] if kept is not None else None,
    )
    board.page = page_within(page, len(figures.rows), ROWS_PER_PAGE)
    return board


def figures_for_children(
    db: Session,
    viewer: User,
    node: User,
    filters: CadenceFilters,
    now: dt.datetime,
    today: dt.date,
) -> NodeFigures:
    """One row per child of `node` (the viewer or a director below them) with the figures of
    every rep in the viewer's scope below that child, however deep: a team for each
    first-line manager reporting to the node, a region for each director, and the reps
    reporting to the node themself. Figures as coachapp.coaching.cadence defines them; a
    fixed number of queries whatever the size of the subtree."""
    reps = scoped_reps(db, viewer, filters, under=node)
    book = load_cadence(db, reps, now, filters.window_days, TREND_WEEKS, quality=True)
    lines = lines_below(db, node)
    children = [leader for leader in lines.leaders if leader.manager_id == node.id]
    by_child: dict[int, list[User]] = {}
    for rep in reps:
        by_child.setdefault(lines.child_of(rep.manager_id), []).append(rep)
    # A region's teams: its first-line managers with reps in view, and, unless the filters
    # narrow the reps, those with nobody on their team yet (as a team gets a row).
    leading = {rep.manager_id for rep in reps}
    teams = Counter(
        lines.child_of(leader.id)
        for leader in lines.leaders
        if leader.role == Role.MANAGER
        and (leader.id in leading or shown_empty(viewer, leader, filters))
    )

    tallies = rating_tallies(db, book.reps, filters.window_days, today)
    names: dict[str, str] = {}
    order: dict[str, tuple[int, int]] = {}
    by_cell: dict[tuple[int, str], list[RatingTally]] = {}
    rep_child = {rep.id: child for child, group in by_child.items() for rep in group}
    for tally in tallies:
        names[tally.key] = tally.name
        order[tally.key] = min(order.get(tally.key, tally.order), tally.order)
        by_cell.setdefault((rep_child[tally.rep_id], tally.key), []).append(tally)

    def figures_of(ids: list[int]) -> RowFigures:
        conversations = book.trends(ids, today, TREND_WEEKS).conversations
        return RowFigures.of(book.summary(ids), book.quality(ids), conversations)

    def heat_of(child_id: int) -> dict[str, HeatCell]:
        return {key: pooled(by_cell.get((child_id, key), ())) for key in names}

    shown = [c for c in children if c.id in by_child or shown_empty(viewer, c, filters)]
    rows = []
    for child in sorted(shown, key=child_order):
        group = by_child.get(child.id, [])
        ids = [rep.id for rep in group]
        if child.role == Role.DIRECTOR:
            rows.append(
                ChildRow(
                    RowKind.REGION, child, figures_of(ids), heat_of(child.id),
                    teams=teams[child.id],
                )
            )  # fmt: skip
            continue
        team = urgent_first([RepRow(rep, book.reps[rep.id]) for rep in group])
        due = [row for row in team if row.cadence.status != CadenceStatus.ON_TRACK]
        rows.append(
            ChildRow(
                RowKind.TEAM, child, figures_of(ids), heat_of(child.id), teams=1,
                target=book.target_for(child.id), due_next=tuple(due[:DUE_NEXT]),
            )
        )  # fmt: skip
    if node.id in by_child:
        ids = [rep.id for rep in by_child[node.id]]
        rows.append(ChildRow(RowKind.DIRECT, node, figures_of(ids), heat_of(node.id)))

    everyone = list(book.reps)
    trends = book.trends(everyone, today, TREND_WEEKS)
    competencies = sorted(names.items(), key=lambda item: (order[item[0]], item[1]))
    pooled_all: dict[str, list[RatingTally]] = {}
    for tally in tallies:
        pooled_all.setdefault(tally.key, []).append(tally)
    return NodeFigures(
        rows=tuple(rows),
        total=RowFigures.of(book.summary(), book.quality(), trends.conversations),
        trends=trends,
        gap_trend=book.gap_trend(everyone, today, TREND_WEEKS),
        competencies=tuple(competencies),
        total_heat={key: pooled(group) for key, group in pooled_all.items()},
        rep_regions=tuple(sorted({rep.region for rep in reps if rep.region})),
    )


def child_order(child: User) -> tuple[bool, str, int]:
    """The order of a node's rows: regions first, then teams, each by name."""
    return (child.role != Role.DIRECTOR, child.name, child.id)


def figures_from_store(
    db: Session,
    viewer: User,
    node: User,
    window_days: int,
    now: dt.datetime,
    today: dt.date,
) -> tuple[NodeFigures, dt.datetime] | None:
    """figures_for_children's answer without filters, read from the figures the worker keeps
    (coachapp.dashboard.stored): a row per child of `node` and the node's totals, in four
    queries however large the subtree (when they were computed, the node's children, their
    rows, the reps due next on team cards), and when they were computed; None when the kept
    figures cannot stand for it (stored.usable_since, or a child to show has no row yet)."""
    computed_at = stored.usable_since(db, window_days, now)
    if computed_at is None:
        return None
    reader = stored.Reader(policy.division_of(viewer).value, today)
    children = db.scalars(
        select(User).where(User.manager_id == node.id, User.role != Role.REP)
    ).all()
    read = stored.read_groups(
        db,
        reader,
        window_days,
        {(node.id, stored.SUBTREE), (node.id, stored.TEAM)}
        | {(child.id, stored.SUBTREE) for child in children},
    )
    total = read.get((node.id, stored.SUBTREE))
    if total is None:
        return None
    unfiltered = CadenceFilters(window_days=window_days)
    shown: list[tuple[User, stored.GroupFigures]] = []
    for child in children:
        group = read.get((child.id, stored.SUBTREE))
        in_view = group is not None and group.summary.rep_count > 0
        if in_view or shown_empty(viewer, child, unfiltered):
            if group is None:
                return None  # new since the figures were computed
            shown.append((child, group))
    due_ids = {rep.rep_id for _, group in shown for rep in group.due_next}
    reps = {rep.id: rep for rep in db.scalars(select(User).where(User.id.in_(due_ids)))}

    def heat_of(group: stored.GroupFigures) -> dict[str, HeatCell]:
        return {key: heat_cell(*group.ratings.get(key, (0, 0))) for key in total.competencies}

    rows = []
    for child, group in sorted(
        shown, key=lambda s: (s[0].role != Role.DIRECTOR, s[0].name, s[0].id)
    ):
        if child.role == Role.DIRECTOR:
            rows.append(
                ChildRow(RowKind.REGION, child, _kept_row(group), heat_of(group), teams=group.teams)
            )
            continue
        rows.append(
            ChildRow(
                RowKind.TEAM, child, _kept_row(group), heat_of(group), teams=1,
                target=group.target,
                due_next=tuple(RepRow(reps[rep.rep_id], rep) for rep in group.due_next),
            )
        )  # fmt: skip
    direct = read.get((node.id, stored.TEAM))
    if direct is not None and direct.summary.rep_count > 0:
        rows.append(ChildRow(RowKind.DIRECT, node, _kept_row(direct), heat_of(direct)))
    competencies = sorted(total.competencies.items(), key=lambda item: (item[1][1], item[1][0]))
    figures = NodeFigures(
        rows=tuple(rows),
        total=_kept_row(total),
        trends=total.trends,
        gap_trend=total.gap_trend,
        competencies=tuple((key, name) for key, (name, _) in competencies),
        total_heat={key: heat_cell(*ratings) for key, ratings in total.ratings.items()},
        rep_regions=total.regions,
    )
    return figures, computed_at


def _kept_row(group: stored.GroupFigures) -> RowFigures:
    """A row's figures from a kept group's: the summary's and quality's figures by their
    names, the top focus competencies, the weekly conversations."""
    values: dict[str, Any] = {
        "focus": tuple(group.summary.focus()),
        "conversations": group.trends.conversations,
    }
    for item in dataclasses.fields(RowFigures):
        if item.name not in values:
            source: Any = group.summary if hasattr(group.summary, item.name) else group.quality
            values[item.name] = getattr(source, item.name)
    return RowFigures(**values)


@dataclass(frozen=True)
class RatingTally:
    """One rep's ratings on one competency (by its key) in a window: their sum and count."""

    rep_id: int
    key: str
    name: str
    # Where the competency sits in the guide, for ordering (section, competency, first id).
    order: tuple[int, int]
    total: int
    count: int


def rating_tallies(
    db: Session, rep_ids: Iterable[int], window_days: int, today: dt.date
) -> list[RatingTally]:
    """Ratings on shared notes about these reps, dated in the window ending today, by rep and
    competency key (stable across guide versions); "not observed" is no rating. One query."""
    ids = list(rep_ids)
    if not ids:
        return []
    rows = db.execute(
        select(
            Note.rep_id,
            Competency.key,
            func.max(Competency.name),
            func.min(GuideSection.position * 1000 + Competency.position),
            func.min(Competency.id),
            func.sum(NoteRating.score),
            func.count(NoteRating.score),
        )
        .join(Note, Note.id == NoteRating.session_id)
        .join(Competency, Competency.id == NoteRating.competency_id)
        .join(GuideSection, GuideSection.id == Competency.section_id)
        .where(
            Note.rep_id.in_(ids),
            counted(),
            Note.occurred_on >= window_start(today, window_days),
            Note.occurred_on <= today,
            NoteRating.score.is_not(None),
        )
        .group_by(Note.rep_id, Competency.key)
    ).all()
    return [
        RatingTally(rep_id, key, name, (position, first_id), int(total or 0), int(count))
        for rep_id, key, name, position, first_id, total, count in rows
    ]


def pooled(tallies: Iterable[RatingTally]) -> HeatCell:
    """The average of every rating in these tallies, and how many ratings it rests on."""
    total = count = 0
    for tally in tallies:
        total += tally.total
        count += tally.count
    return heat_cell(total, count)


def heat_cell(total: int, count: int) -> HeatCell:
    """The average of `count` ratings adding up to `total`."""
    return HeatCell(total / count if count else None, count)


# Finding someone ------------------------------------------------------------------------------

# How many people a search lists; past it, the page asks for more of the name.
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class Found:
    person: User
    manager_name: str | None


@dataclass(frozen=True)
class Search:
    query: str
    found: list[Found]
    more: bool  # more people match than are listed


def search_people(db: Session, viewer: User, text: str) -> Search:
    """Managers, directors and reps below the viewer whose name or email holds `text` (any
    case; no wildcard of its own), those still active first, then by name; the viewer's
    scope as their pages have it (coachapp.policy.people_scope). Nothing for empty text."""
    query = search_text(text)
    if not query:
        return Search(query, [], False)
    manager = aliased(User)
    rows = db.execute(
        select(User, manager.name)
        .outerjoin(manager, manager.id == User.manager_id)
        .where(
            policy.people_scope(viewer),
            User.id != viewer.id,
            User.role.in_([Role.REP, Role.MANAGER, Role.DIRECTOR]),
            contains_text(query, User.name, User.email),
        )
        .order_by(User.active.desc(), User.name, User.id)
        .limit(SEARCH_LIMIT + 1)
    ).all()
    found = [Found(person, manager_name) for person, manager_name in rows]
    return Search(query, found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT)
