"""Cadence across teams: who is in the viewer's scope, grouped by manager, with their figures,
weekly trends and the competency heatmap. The dashboard, a manager's Team page, the cadence
API and the CSV exports all read from here; the figures themselves come from
coachapp.coaching.cadence and the scope from coachapp.policy.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.coaching.cadence import (
    DEFAULT_WINDOW_DAYS,
    TREND_WEEKS,
    WINDOW_CHOICES,
    CadenceBook,
    CadenceSummary,
    Quality,
    RepCadence,
    Target,
    Trends,
    WeeklyTrend,
    load_cadence,
    window_start,
)
from coachapp.coaching.counts import counted
from coachapp.errors import NotFound
from coachapp.ids import typed_id
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

# Below this many ratings an average says more about the few notes than about the team.
MIN_RATINGS = 5


@dataclass(frozen=True)
class CadenceFilters:
    window_days: int = DEFAULT_WINDOW_DAYS
    region: str = ""
    function: str = ""
    manager_id: int | None = None

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
        )

    def as_args(self, with_manager: bool = True) -> dict[str, str]:
        """The query string that gives these filters back (the default period left out)."""
        args = {"region": self.region, "function": self.function}
        if self.window_days != DEFAULT_WINDOW_DAYS:
            args["period"] = str(self.window_days)
        if self.manager_id is not None and with_manager:
            args["manager_id"] = str(self.manager_id)
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


@dataclass
class Heatmap:
    """Average rating per team and competency over the window, with how many ratings each
    average rests on; an average of fewer than MIN_RATINGS ratings is not shown."""

    teams: list[TeamFigures]
    competencies: list[tuple[str, str]]  # (key, name) in guide order
    cells: dict[tuple[int | None, str], HeatCell] = field(default_factory=dict)
    min_ratings: int = MIN_RATINGS

    def cell(self, manager_id: int | None, key: str) -> HeatCell:
        return self.cells.get((manager_id, key), HeatCell(None, 0))

    def overall(self, key: str) -> HeatCell:
        parts = [
            (c.average, c.count)
            for (_, k), c in self.cells.items()
            if k == key and c.average is not None
        ]
        count = sum(n for _, n in parts)
        if not count:
            return HeatCell(None, 0)
        return HeatCell(sum(average * n for average, n in parts) / count, count)


@dataclass
class Dashboard:
    filters: CadenceFilters
    today: dt.date
    teams: list[TeamFigures]
    summary: CadenceSummary
    trends: Trends
    heatmap: Heatmap
    regions: list[str]
    quality: Quality | None = None
    gap_trend: WeeklyTrend | None = None


# Scope --------------------------------------------------------------------------------------


def scoped_reps(db: Session, viewer: User, filters: CadenceFilters) -> list[User]:
    """The active reps whose figures the viewer may see, narrowed by the filters."""
    return list(db.scalars(scoped_reps_query(viewer, filters)).all())


def scoped_reps_query(viewer: User, filters: CadenceFilters) -> Select[User]:
    """scoped_reps as a query, for a page of them (GET /api/v1/cadence)."""
    query = policy.visible_cadence_reps(viewer)
    if filters.region:
        query = query.where(User.region == filters.region)
    if filters.function:
        query = query.where(User.function == Function(filters.function))
    if filters.manager_id is not None:
        query = query.where(User.manager_id == filters.manager_id)
    return query


def rep_rows(db: Session, reps: Sequence[User], window_days: int, now: dt.datetime) -> list[RepRow]:
    """These reps with their figures, most in need of coaching first."""
    book = load_cadence(db, reps, now, window_days)
    return _urgent_first([RepRow(rep, book.reps[rep.id]) for rep in reps])


def regions_in_scope(
    db: Session, viewer: User, everyone: Iterable[User] | None = None
) -> list[str]:
    """Regions of the active reps in the viewer's scope, for the region filter. `everyone`:
    those reps, when a page has loaded them all already (no filter narrowed them)."""
    if everyone is not None:
        return sorted({rep.region for rep in everyone if rep.region})
    return list(
        db.scalars(
            select(User.region)
            .where(policy.cadence_scope(viewer), User.active.is_(True), User.region != "")
            .distinct()
            .order_by(User.region)
        ).all()
    )


def team_manager_or_404(db: Session, viewer: User, manager_id: int) -> User:
    """A manager whose team the viewer may look at: a director's subtree, or oneself."""
    person = policy.person_or_404(db, viewer, manager_id)
    if person.role != Role.MANAGER or viewer.role not in {Role.DIRECTOR, Role.MANAGER}:
        raise NotFound()
    return person


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


def _filtered(filters: CadenceFilters) -> bool:
    """Whether scoped_reps leaves anyone in the viewer's scope out."""
    return filters.narrowed or filters.manager_id is not None


def _urgent_first(rows: list[RepRow]) -> list[RepRow]:
    return sorted(rows, key=lambda row: (row.cadence.urgency, row.rep.name))


# Figures ------------------------------------------------------------------------------------


def cadence_rows(
    db: Session, viewer: User, filters: CadenceFilters, now: dt.datetime
) -> list[RepRow]:
    """Every rep in scope with their figures, most in need of coaching first."""
    return rep_rows(db, scoped_reps(db, viewer, filters), filters.window_days, now)


def teams_of(
    db: Session,
    viewer: User,
    filters: CadenceFilters,
    now: dt.datetime,
    today: dt.date,
    trend_weeks: int = 0,
    quality: bool = False,
) -> tuple[list[TeamFigures], CadenceBook]:
    reps = scoped_reps(db, viewer, filters)
    book = load_cadence(db, reps, now, filters.window_days, trend_weeks, quality)
    leaders = _leaders(db, viewer, reps, filters)
    by_manager: dict[int | None, list[RepRow]] = {}
    for rep in reps:
        by_manager.setdefault(rep.manager_id, []).append(RepRow(rep, book.reps[rep.id]))
    known = {leader.id for leader in leaders}
    managers: list[User | None] = list(leaders)
    if any(m not in known for m in by_manager):
        managers.append(None)
    teams = []
    for manager in managers:
        if manager is None:
            rows = [row for m, group in by_manager.items() if m not in known for row in group]
        else:
            rows = by_manager.get(manager.id, [])
        rows = _urgent_first(rows)
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
    db: Session, viewer: User, filters: CadenceFilters, now: dt.datetime, today: dt.date
) -> Dashboard:
    """A director's teams with their figures, coaching quality, 13-week trends and the
    competency heatmap."""
    teams, book = teams_of(db, viewer, filters, now, today, TREND_WEEKS, quality=True)
    return Dashboard(
        filters=filters,
        today=today,
        teams=teams,
        summary=book.summary(),
        trends=book.trends(book.reps.keys(), today, TREND_WEEKS),
        heatmap=competency_heatmap(db, teams, filters.window_days, today),
        regions=regions_in_scope(db, viewer, None if _filtered(filters) else book.people.values()),
        quality=book.quality(),
        gap_trend=book.gap_trend(book.reps.keys(), today, TREND_WEEKS),
    )


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
    return HeatCell(total / count if count else None, count)


def competency_heatmap(
    db: Session, teams: list[TeamFigures], window_days: int, today: dt.date
) -> Heatmap:
    """Ratings on shared notes about each team's current reps, dated in the window ending
    today, by competency (its key: stable across guide versions)."""
    rep_team = {row.rep.id: team.manager_id for team in teams for row in team.rows}
    heatmap = Heatmap(teams=teams, competencies=[])
    names: dict[str, str] = {}
    order: dict[str, tuple[int, int]] = {}
    by_cell: dict[tuple[int | None, str], list[RatingTally]] = {}
    for tally in rating_tallies(db, rep_team, window_days, today):
        names[tally.key] = tally.name
        order[tally.key] = min(order.get(tally.key, tally.order), tally.order)
        by_cell.setdefault((rep_team[tally.rep_id], tally.key), []).append(tally)
    heatmap.competencies = sorted(names.items(), key=lambda item: (order[item[0]], item[1]))
    heatmap.cells = {where: pooled(tallies) for where, tallies in by_cell.items()}
    return heatmap
