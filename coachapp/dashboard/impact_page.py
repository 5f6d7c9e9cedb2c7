"""The impact page at a node of the organisation: a director's own (/org/impact) or a region
below them (/org/regions/<id>/impact), and a manager's own team.

Grouped by team, the rows are the node's direct children, as on the director's dashboard: a
region for each director reporting to the node (every plan owned by someone below that
director, at any depth, label "<name>'s region", linked to its own impact page), a team for
each first-line manager (the plans of the reps reporting to them), the node's own reps'
plans as its own team, and, as before, the team of the owner's manager for plans the viewer
sees through someone of theirs on the plan's team. So a national director reads fifty
regions, not two hundred and fifty teams; the region's page shows its teams. The figures of
a region are those of its plans, computed by the same functions as a team's
(coachapp.plans.impact).

Grouped by account or by the account's region, the groups are those of every plan in view at
the node. Accounts run into the thousands at national level: past MULTIPLES_AT_MOST groups
(or with a region among them) the page shows a table, a row per group with its latest
quarter beside the quarter before, ROWS_PER_PAGE rows to a page, in the groups' order, under
the small charts of every plan in view together; a page computes the figures of its own
accounts only (their plans, their owners).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.dashboard import service, stored
from coachapp.languages import N_, gettext
from coachapp.listing import first_row_of, page_count, page_within
from coachapp.models import AccountPlan, ImpactSummary, Role, User
from coachapp.plans.impact import (
    GroupBy,
    Grouping,
    ImpactSeries,
    ImpactView,
    Place,
    coached_owners,
    group_heads,
    grouping,
    managers_of,
    quarter_inputs,
    series_added_up,
    series_from_json,
    series_of,
)
from coachapp.plans.quarters import Quarter, quarters_ending
from coachapp.plans.rollup import OWNER, rollup

# Up to this many groups, and none a region, each group has its small charts over the
# quarters; more are rows of a table, a page of ROWS_PER_PAGE at a time.
MULTIPLES_AT_MOST = 20
ROWS_PER_PAGE = service.ROWS_PER_PAGE
TOTAL_KEY = "all"
TOTAL_LABEL = N_("All plans in view")


def region_key(director: User) -> str:
    """A region row's key (team rows' are team-<id>, account regions' region-<name>)."""
    return f"director-{director.id}"


@dataclass(frozen=True)
class ImpactPage:
    node: User  # whose plans: the viewer, or a director below them
    path: list[User]  # from the viewer down to the node, the node last
    view: ImpactView  # the groups on this page
    groups: int  # how many groups in all
    page: int
    regions: Mapping[str, User]  # a region row's key: its director
    # Every plan in view together, when the groups are rows of a table.
    total: ImpactSeries | None = None
    # When the figures were computed, if read from those the worker keeps (None: for this page).
    computed_at: dt.datetime | None = None

    @property
    def at_top(self) -> bool:
        return len(self.path) == 1

    @property
    def table(self) -> bool:
        return self.total is not None

    @property
    def pages(self) -> int:
        return page_count(self.groups, ROWS_PER_PAGE) if self.table else 1

    @property
    def first_row(self) -> int:
        return first_row_of(self.page, ROWS_PER_PAGE)


def impact_page(
    db: Session,
    viewer: User,
    node: User,
    group_by: GroupBy,
    last: Quarter,
    today: dt.date,
    now: dt.datetime,
    page: int = 1,
) -> ImpactPage:
    """The impact page at `node` (the viewer, or a director below them found with
    service.region_head_or_404), grouped by `group_by`, over the quarters up to `last`; the
    groups of `page` when they are rows of a table (one past the last is the last)."""
    at = _Node(db, viewer, node, quarters_ending(last), today, now)
    path = service.path_to(db, viewer, node)
    regions = {region_key(child): child for child in at.directors}
    if group_by == GroupBy.ACCOUNT:
        # Only the page's accounts are computed: their plans, their owners.
        heads = group_heads(db, viewer, group_by, at.narrowed)
        table = len(heads) > MULTIPLES_AT_MOST
        number = _page_number(page, len(heads)) if table else 1
        on_page = heads[(number - 1) * ROWS_PER_PAGE : number * ROWS_PER_PAGE] if table else heads
        ids = [plan_id for head in on_page for plan_id in head.plan_ids]
        series = at.computed([AccountPlan.id.in_(ids)], (group_by,))[group_by]
        total = at.total() if table else None
        view = _view(group_by, at.shown, today, series)
        return ImpactPage(node, path, view, len(heads), number, regions, total, at.computed_at)
    everything = sorted(at.series(group_by), key=lambda s: _row_order(s, regions))
    table = any(s.key in regions for s in everything) or len(everything) > MULTIPLES_AT_MOST
    number = _page_number(page, len(everything)) if table else 1
    page_series = (
        everything[(number - 1) * ROWS_PER_PAGE : number * ROWS_PER_PAGE] if table else everything
    )
    total = at.total() if table else None
    view = _view(group_by, at.shown, today, tuple(page_series))
    return ImpactPage(node, path, view, len(everything), number, regions, total, at.computed_at)


class _Node:
    """The plans in view at a node, grouped: read from the figures the worker keeps where
    they stand for the page (a director's node, the quarters shown first, the kept figures
    usable: coachapp.dashboard.stored.computed_since), the rest computed here."""

    def __init__(
        self,
        db: Session,
        viewer: User,
        node: User,
        shown: Sequence[Quarter],
        today: dt.date,
        now: dt.datetime,
    ) -> None:
        self.db, self.viewer, self.node = db, viewer, node
        self.shown, self.today, self.now = list(shown), today, now
        self.narrowed = _plans_at(viewer, node)
        self.lines = service.lines_below(db, node) if node.role == Role.DIRECTOR else None
        leaders = self.lines.leaders if self.lines else []
        children = [leader for leader in leaders if leader.manager_id == node.id]
        self.directors = [c for c in children if c.role == Role.DIRECTOR]
        self.managers = [c for c in children if c.role == Role.MANAGER]
        self.computed_at = (
            stored.computed_since(db, now)
            if self.lines is not None and self.shown == quarters_ending(Quarter.of(today))
            else None
        )
        self._found: dict[GroupBy, tuple[ImpactSeries, ...]] = {}

    def series(self, group_by: GroupBy) -> tuple[ImpactSeries, ...]:
        """Every group of the plans in view at the node, in no particular order."""
        if group_by not in self._found:
            self._found[group_by] = (
                self._kept(group_by)
                if self.computed_at is not None
                else self.computed([], (group_by,))[group_by]
            )
        return self._found[group_by]

    def total(self) -> ImpactSeries:
        """Every plan in view as one group: the team rows added up (a plan and its owner are
        in one team row only)."""
        return series_added_up(TOTAL_KEY, gettext(TOTAL_LABEL), self.series(GroupBy.TEAM))

    def computed(
        self, narrowed: Sequence[ColumnElement[bool]], groupings: Sequence[GroupBy]
    ) -> dict[GroupBy, tuple[ImpactSeries, ...]]:
        """The plans in view at the node that meet `narrowed`, grouped each of these ways,
        computed here (team rows lifted into the node's regions, node_grouping)."""
        db, viewer = self.db, self.viewer
        rows = rollup(db, viewer, self.today, narrowed=[*self.narrowed, *narrowed])
        if not rows:
            return dict.fromkeys(groupings, ())
        owners = coached_owners(db, viewer, rows, self.node)
        inputs = quarter_inputs(db, rows, owners, self.shown, self.today, self.now)
        managers = managers_of(db, rows)
        return {
            group_by: series_of(
                rows, inputs, node_grouping(group_by, managers, self.node, self.lines)
            )
            for group_by in groupings
        }

    def _kept(self, group_by: GroupBy) -> tuple[ImpactSeries, ...]:
        """The groups read from the kept rows (models.ImpactSummary), and those of the plans
        no kept row holds computed: plans seen through someone on their team, a child new
        since the figures were computed."""
        assert self.lines is not None
        lines, node = self.lines, self.node
        reader = stored.Reader(policy.division_of(self.viewer).value, self.today)
        found: list[ImpactSeries] = []
        # The owners' managers whose plans the kept rows hold.
        covered: set[int] = set()
        # The managers and directors below each child of the node.
        below: dict[int, set[int]] = {}
        for leader in lines.leaders:
            below.setdefault(lines.child_of(leader.id), set()).add(leader.id)
        if group_by == GroupBy.TEAM:
            wanted = [(d.id, stored.SUBTREE) for d in self.directors]
            wanted += [(m.id, stored.IMPACT_TEAM) for m in [*self.managers, node]]
            read = read_impact(self.db, reader, wanted)
            for director in self.directors:
                data = read.get((director.id, stored.SUBTREE, ""))
                if data is not None:
                    label = gettext("%(name)s's region", name=director.name)
                    found.append(series_from_json(region_key(director), label, data))
                    covered.add(director.id)
                    covered |= below.get(director.id, set())
            for manager in [*self.managers, node]:
                data = read.get((manager.id, stored.IMPACT_TEAM, ""))
                if data is not None:
                    label = gettext("%(name)s's team", name=manager.name)
                    found.append(series_from_json(f"team-{manager.id}", label, data))
                    covered.add(manager.id)
        elif group_by == GroupBy.REGION:
            read = read_impact(self.db, reader, [(node.id, stored.SUBTREE)], regions_of=node.id)
            if (node.id, stored.SUBTREE, "") in read:
                for (_, scope, region), data in read.items():
                    if scope == stored.IMPACT_REGION:
                        label = region or gettext("No region")
                        found.append(series_from_json(f"region-{region}", label, data))
                covered = {node.id}.union(
                    *(leaders for child, leaders in below.items() if child != node.id)
                )
        # The ids written into the statement: as parameters, a prepared statement's generic
        # plan builds their array again for every person it reads (14 ms at --scale 50).
        kept = bindparam(
            "kept", sorted(covered), type_=Integer, expanding=True, literal_execute=True
        )
        rest = or_(OWNER.manager_id.is_(None), OWNER.manager_id.not_in(kept))
        return _merged([*found, *self.computed([rest], (group_by,))[group_by]])


def read_impact(
    db: Session,
    reader: stored.Reader,
    groups: Collection[tuple[int, str]],
    regions_of: int | None = None,
) -> dict[tuple[int, str, str], Mapping[str, Any]]:
    """The kept impact rows of these groups (person id, IMPACT_TEAM or SUBTREE) and, with
    `regions_of`, that person's rows by region, as `reader` reads them, in one query; check
    stored.computed_since first. By (person id, scope, region)."""
    by_scope: dict[str, set[int]] = {}
    for person_id, scope in groups:
        by_scope.setdefault(scope, set()).add(person_id)
    wanted = [
        and_(ImpactSummary.scope == scope, ImpactSummary.person_id.in_(ids))
        for scope, ids in by_scope.items()
    ]
    if regions_of is not None:
        wanted.append(
            and_(ImpactSummary.scope == stored.IMPACT_REGION, ImpactSummary.person_id == regions_of)
        )
    if not wanted:
        return {}
    rows = db.execute(
        select(
            ImpactSummary.person_id,
            ImpactSummary.scope,
            ImpactSummary.region,
            ImpactSummary.figures,
        ).where(
            or_(*wanted),
            ImpactSummary.division == reader.division,
            ImpactSummary.as_of == reader.as_of,
        )
    ).all()
    return {(person_id, scope, region): figures for person_id, scope, region, figures in rows}


def _merged(series: Sequence[ImpactSeries]) -> tuple[ImpactSeries, ...]:
    """One series per key: those of one key (a region's kept accounts and its accounts seen
    through someone on their team) added up."""
    by_key: dict[str, list[ImpactSeries]] = {}
    for one in series:
        by_key.setdefault(one.key, []).append(one)
    return tuple(
        group[0] if len(group) == 1 else series_added_up(key, group[0].label, group)
        for key, group in by_key.items()
    )


def node_grouping(
    group_by: GroupBy, managers: Mapping[int, str], node: User, lines: service.Lines | None
) -> Grouping:
    """coachapp.plans.impact.grouping at a node: by team, a plan whose owner's manager is below
    a director reporting to the node is in that director's region."""
    plain = grouping(group_by, managers)
    if group_by != GroupBy.TEAM or lines is None:
        return plain
    leaders = {leader.id: leader for leader in lines.leaders}

    def group_of(place: Place) -> tuple[str, str]:
        manager = place.manager_id
        if manager is not None and manager != node.id and manager in leaders:
            child = leaders.get(lines.child_of(manager))
            if child is not None and child.role == Role.DIRECTOR:
                return region_key(child), gettext("%(name)s's region", name=child.name)
        return plain(place)

    return group_of


def _plans_at(viewer: User, node: User) -> list[ColumnElement[bool]]:
    """The plans in view at the node: the viewer's, and below a region its own."""
    return [] if node.id == viewer.id else [policy.plans_below(node)]


def _row_order(series: ImpactSeries, regions: Mapping[str, User]) -> tuple[bool, str, str]:
    """Regions first, then the other groups, each in the groups' order."""
    return (series.key not in regions, series.label.lower(), series.key)


def _page_number(page: int, count: int) -> int:
    return page_within(page, count, ROWS_PER_PAGE)


def _view(
    group_by: GroupBy, shown: Sequence[Quarter], today: dt.date, series: tuple[ImpactSeries, ...]
) -> ImpactView:
    return ImpactView(group_by, tuple(shown), today, series)
