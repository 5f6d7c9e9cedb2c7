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
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.dashboard import service
from coachapp.models import AccountPlan, Role, User
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
    series_of,
)
from coachapp.plans.quarters import Quarter, quarters_ending
from coachapp.plans.rollup import rollup

# Up to this many groups, and none a region, each group has its small charts over the
# quarters; more are rows of a table, a page of ROWS_PER_PAGE at a time.
MULTIPLES_AT_MOST = 20
ROWS_PER_PAGE = service.ROWS_PER_PAGE
TOTAL_KEY = "all"
TOTAL_LABEL = "All plans in view"


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

    @property
    def at_top(self) -> bool:
        return len(self.path) == 1

    @property
    def table(self) -> bool:
        return self.total is not None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.groups / ROWS_PER_PAGE)) if self.table else 1

    @property
    def first_row(self) -> int:
        return (self.page - 1) * ROWS_PER_PAGE + 1


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
    shown = quarters_ending(last)
    narrowed = _plans_at(viewer, node)
    lines = service.lines_below(db, node) if node.role == Role.DIRECTOR else None
    children = (
        [c for c in lines.leaders if c.manager_id == node.id and c.role == Role.DIRECTOR]
        if lines
        else []
    )
    regions = {region_key(child): child for child in children}
    path = service.path_to(db, viewer, node)
    if group_by == GroupBy.ACCOUNT:
        # Only the page's accounts are computed: their plans, their owners.
        heads = group_heads(db, viewer, group_by, narrowed)
        table = len(heads) > MULTIPLES_AT_MOST
        number = _page_number(page, len(heads)) if table else 1
        on_page = heads[(number - 1) * ROWS_PER_PAGE : number * ROWS_PER_PAGE] if table else heads
        ids = [plan_id for head in on_page for plan_id in head.plan_ids]
        rows = rollup(db, viewer, today, narrowed=[*narrowed, AccountPlan.id.in_(ids)])
        owners = coached_owners(db, viewer, rows, node)
        series = series_of(
            rows, quarter_inputs(db, rows, owners, shown, today, now), grouping(group_by, {})
        )
        total = _total(db, viewer, node, lines, shown, today, now) if table else None
        view = _view(group_by, shown, today, series)
        return ImpactPage(node, path, view, len(heads), number, regions, total)
    found = node_series(db, viewer, node, lines, (group_by,), shown, today, now)[group_by]
    everything = sorted(found, key=lambda s: _row_order(s, regions))
    table = any(s.key in regions for s in everything) or len(everything) > MULTIPLES_AT_MOST
    number = _page_number(page, len(everything)) if table else 1
    page_series = (
        everything[(number - 1) * ROWS_PER_PAGE : number * ROWS_PER_PAGE] if table else everything
    )
    total = None
    if table:
        total = (
            series_added_up(TOTAL_KEY, TOTAL_LABEL, found)
            if group_by == GroupBy.TEAM
            else _total(db, viewer, node, lines, shown, today, now)
        )
    view = _view(group_by, shown, today, tuple(page_series))
    return ImpactPage(node, path, view, len(everything), number, regions, total)


def node_series(
    db: Session,
    viewer: User,
    node: User,
    lines: service.Lines | None,
    groupings: Sequence[GroupBy],
    shown: Sequence[Quarter],
    today: dt.date,
    now: dt.datetime,
) -> dict[GroupBy, tuple[ImpactSeries, ...]]:
    """Every group of the plans in view at the node, over the quarters shown, for each of
    these groupings (team rows lifted into the node's regions, node_grouping)."""
    rows = rollup(db, viewer, today, narrowed=_plans_at(viewer, node))
    inputs = quarter_inputs(db, rows, coached_owners(db, viewer, rows, node), shown, today, now)
    managers = managers_of(db, rows)
    return {
        group_by: series_of(rows, inputs, node_grouping(group_by, managers, node, lines))
        for group_by in groupings
    }


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
                return region_key(child), f"{child.name}'s region"
        return plain(place)

    return group_of


def _plans_at(viewer: User, node: User) -> list[ColumnElement[bool]]:
    """The plans in view at the node: the viewer's, and below a region its own."""
    return [] if node.id == viewer.id else [policy.plans_below(node)]


def _total(
    db: Session,
    viewer: User,
    node: User,
    lines: service.Lines | None,
    shown: Sequence[Quarter],
    today: dt.date,
    now: dt.datetime,
) -> ImpactSeries:
    """Every plan in view at the node, as one group: its team rows added up (a plan and its
    owner are in one team row only)."""
    teams = node_series(db, viewer, node, lines, (GroupBy.TEAM,), shown, today, now)
    return series_added_up(TOTAL_KEY, TOTAL_LABEL, teams[GroupBy.TEAM])


def _row_order(series: ImpactSeries, regions: Mapping[str, User]) -> tuple[bool, str, str]:
    """Regions first, then the other groups, each in the groups' order."""
    return (series.key not in regions, series.label.lower(), series.key)


def _page_number(page: int, count: int) -> int:
    return min(max(page, 1), max(1, math.ceil(count / ROWS_PER_PAGE)))


def _view(
    group_by: GroupBy, shown: Sequence[Quarter], today: dt.date, series: tuple[ImpactSeries, ...]
) -> ImpactView:
    return ImpactView(group_by, tuple(shown), today, series)
