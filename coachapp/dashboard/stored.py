"""The dashboard's figures as the worker keeps them (figure_summaries): their JSON form, and
reading them for a reader, a period and some groups of reps. coachapp.dashboard.summaries
computes and writes them; coachapp.dashboard.service reads them for a dashboard's rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import sys
import typing
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.coaching.cadence import (
    WINDOW_CHOICES,
    CadenceStatus,
    CadenceSummary,
    Focus,
    Quality,
    RepCadence,
    Target,
    Trends,
    WeeklyTrend,
)
from coachapp.models import FigureChange, FigureRefresh, FigureSummary, User
from coachapp.timezones import local_today

if TYPE_CHECKING:
    from coachapp.dashboard.service import RatingTally

TEAM = "team"  # the active reps reporting to the person
SUBTREE = "subtree"  # the active reps anywhere below the person
# A change waiting longer than this means no worker computes the figures again: readers
# compute them on the fly rather than show figures that old.
STALE_AFTER = dt.timedelta(minutes=5)
STATE_ID = 1


@dataclass(frozen=True)
class Reader:
    """Whose reading a stored row serves: their division (their side of the wall) and their
    today."""

    division: str
    as_of: dt.date

    @classmethod
    def of(cls, person: User, now: dt.datetime) -> Reader:
        return cls(policy.division_of(person).value, local_today(person.timezone, now))


Key = tuple[int, str, int, str, dt.date]  # person, scope, window, division, as_of

# The impact page's groups kept (models.ImpactSummary): the plans owned by the reps reporting
# to a person (IMPACT_TEAM), by anyone below them (SUBTREE), or by anyone below them on the
# accounts of one region (IMPACT_REGION).
IMPACT_TEAM = TEAM
IMPACT_REGION = "region"
ImpactKey = tuple[int, str, str, str, dt.date]  # person, scope, region, division, as_of


# The figures of a group, as stored ------------------------------------------------------------


def figures_json(
    summary: CadenceSummary,
    quality: Quality,
    trends: Trends,
    gap_trend: WeeklyTrend,
    tallies: Iterable[RatingTally],
    regions: Iterable[str] = (),
    row: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What a dashboard shows of a group of reps, as plain JSON values: their summary
    (coachapp.coaching.cadence.CadenceSummary's figures), coaching quality, weekly trends, and
    their ratings per competency key (totals and counts: coachapp.dashboard.service.pooled);
    `row`: what a dashboard row of the group shows beside them (a region's "teams", a team's
    "target" and "due_next", the reps' RepCadence as rep_json gives them)."""
    heat: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    order: dict[str, tuple[int, int]] = {}
    for tally in tallies:
        cell = heat.setdefault(tally.key, [0, 0])
        cell[0] += tally.total
        cell[1] += tally.count
        names[tally.key] = tally.name
        order[tally.key] = min(order.get(tally.key, tally.order), tally.order)
    return {
        "summary": {
            "rep_count": summary.rep_count,
            "by_status": dict(sorted(summary.by_status.items())),
            "within_target": summary.within_target,
            "behind": summary.behind,
            "within_target_share": summary.within_target_share,
            "sessions_in_window": summary.sessions_in_window,
            "ride_alongs_in_window": summary.ride_alongs_in_window,
            "behind_on_ride_alongs": summary.behind_on_ride_alongs,
            "open_follow_ups": summary.open_follow_ups,
            "overdue_follow_ups": summary.overdue_follow_ups,
            "follow_ups_due": summary.follow_ups_due,
            "follow_ups_done": summary.follow_ups_done,
            "follow_up_completion": summary.follow_up_completion,
            "notes_shared": summary.notes_shared,
            "notes_acknowledged": summary.notes_acknowledged,
            "acknowledged_share": summary.acknowledged_share,
            "median_hours_to_acknowledge": summary.median_hours_to_acknowledge,
            "notes_acknowledged_late": summary.notes_acknowledged_late,
            "notes_past_deadline": summary.notes_past_deadline,
            "focus": [[f.key, f.name, n] for f, n in summary.focus(limit=sys.maxsize)],
        },
        "quality": {
            "notes": quality.notes,
            "notes_with_specific_evidence": quality.notes_with_specific_evidence,
            "specific_evidence_share": quality.specific_evidence_share,
            "mean_absolute_gap": quality.mean_absolute_gap,
            "rated_pairs": quality.rated_pairs,
        },
        "week_ends": [day.isoformat() for day in trends.conversations.week_ends],
        "trends": [_trend_json(trend) for trend in (*trends, gap_trend)],
        "heat": {key: heat[key] for key in sorted(heat)},
        "competencies": [[key, names[key], list(order[key])] for key in sorted(names)],
        "regions": sorted(set(regions)),
        **(row or {}),
    }


def _trend_json(trend: WeeklyTrend) -> dict[str, Any]:
    return {"name": trend.name, "unit": trend.unit, "values": list(trend.values)}


@dataclass(frozen=True)
class SummaryFigures:
    """A group's CadenceSummary figures as stored: the same names, without its reps."""

    rep_count: int
    by_status: Mapping[str, int]
    within_target: int
    behind: int
    within_target_share: float | None
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
    focus_counts: tuple[tuple[Focus, int], ...]

    def focus(self, limit: int = 3) -> list[tuple[Focus, int]]:
        return list(self.focus_counts[:limit])


@dataclass(frozen=True)
class QualityFigures:
    """A group's Quality figures as stored: the same names, without each rating gap."""

    notes: int
    notes_with_specific_evidence: int
    specific_evidence_share: float | None
    mean_absolute_gap: float | None
    rated_pairs: int


@dataclass(frozen=True)
class GroupFigures:
    """One group's stored figures: a team's or a subtree's, in one period, for one reader."""

    summary: SummaryFigures
    quality: QualityFigures
    trends: Trends
    gap_trend: WeeklyTrend
    # The ratings per competency key (their total and count), and each competency's name and
    # order in the guide.
    ratings: Mapping[str, tuple[int, int]]
    competencies: Mapping[str, tuple[str, tuple[int, int]]]
    regions: tuple[str, ...]
    # What a dashboard row shows beside the figures (subtree rows): a region's number of teams,
    # a team's cadence target and its reps due next.
    teams: int = 0
    target: Target | None = None
    due_next: tuple[RepCadence, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GroupFigures:
        summary = dict(data["summary"])
        focus = tuple((Focus(key, name), n) for key, name, n in summary.pop("focus"))
        week_ends = tuple(dt.date.fromisoformat(day) for day in data["week_ends"])
        conversations, within, completion, gap = (
            WeeklyTrend(t["name"], t["unit"], week_ends, tuple(t["values"])) for t in data["trends"]
        )
        target = data.get("target")
        return cls(
            summary=SummaryFigures(**summary, focus_counts=focus),
            quality=QualityFigures(**data["quality"]),
            trends=Trends(conversations, within, completion),
            gap_trend=gap,
            ratings={key: (total, count) for key, (total, count) in data["heat"].items()},
            competencies={key: (name, (o[0], o[1])) for key, name, o in data["competencies"]},
            regions=tuple(data["regions"]),
            teams=data.get("teams", 0),
            target=Target(*target) if target else None,
            due_next=tuple(rep_from_json(rep) for rep in data.get("due_next", ())),
        )


REP_HINTS = typing.get_type_hints(RepCadence)


def rep_json(cadence: RepCadence) -> dict[str, Any]:
    """One rep's figures (coachapp.coaching.cadence.RepCadence) as plain JSON values."""
    found: dict[str, Any] = {}
    for item in dataclasses.fields(RepCadence):
        value = getattr(cadence, item.name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, enum.Enum):
            value = value.value
        elif item.name == "focus":
            value = [[focus.key, focus.name] for focus in value]
        elif isinstance(value, tuple):
            value = list(value)
        found[item.name] = value
    return found


def rep_from_json(data: Mapping[str, Any]) -> RepCadence:
    values: dict[str, Any] = {}
    for item in dataclasses.fields(RepCadence):
        value, hint = data[item.name], REP_HINTS[item.name]
        if value is None:
            pass
        elif hint is dt.date or dt.date in typing.get_args(hint):
            value = dt.date.fromisoformat(value)
        elif hint is CadenceStatus:
            value = CadenceStatus(value)
        elif item.name == "focus":
            value = tuple(Focus(key, name) for key, name in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[item.name] = value
    return RepCadence(**values)


# Reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFigures:
    """Rows read for one reader and period, by (person, scope), and when they were computed."""

    computed_at: dt.datetime
    groups: Mapping[tuple[int, str], GroupFigures]

    def __getitem__(self, key: tuple[int, str]) -> GroupFigures:
        return self.groups[key]


def stored_figures(
    db: Session,
    reader: Reader,
    window_days: int,
    groups: Collection[tuple[int, str]],
    now: dt.datetime,
) -> StoredFigures | None:
    """The stored figures of these groups (person id, TEAM or SUBTREE) as `reader` sees them,
    in two queries whatever the size of the groups; None when they cannot stand for what an
    on-the-fly computation would show (usable_since), or one of the groups is missing. The
    caller computes on the fly then."""
    computed_at = usable_since(db, window_days, now)
    if computed_at is None:
        return None
    read = read_groups(db, reader, window_days, groups)
    if any(group not in read for group in groups):
        return None
    return StoredFigures(computed_at=computed_at, groups={group: read[group] for group in groups})


def usable_since(db: Session, window_days: int, now: dt.datetime) -> dt.datetime | None:
    """When the stored figures were computed, if they stand for what an on-the-fly computation
    would show at `now` (one query): None for a period not kept, before the first computation,
    when a date has turned since in a time zone they were judged in, or when a change has
    waited longer than STALE_AFTER (no worker computes them)."""
    if window_days not in WINDOW_CHOICES:
        return None
    return computed_since(db, now)


def computed_since(db: Session, now: dt.datetime) -> dt.datetime | None:
    """When the stored figures (the dashboard's and the impact page's) were computed, if they
    stand for what an on-the-fly computation would show at `now` (usable_since, whatever the
    period)."""
    oldest_change = select(func.min(FigureChange.changed_at)).scalar_subquery()
    found = db.execute(
        select(FigureRefresh, oldest_change).where(FigureRefresh.id == STATE_ID)
    ).first()
    if found is None:
        return None
    state, waiting_since = found
    if dates_turned(state, now) or (
        waiting_since is not None and now - _aware(waiting_since) > STALE_AFTER
    ):
        return None
    return state.computed_at


def read_groups(
    db: Session, reader: Reader, window_days: int, groups: Collection[tuple[int, str]]
) -> dict[tuple[int, str], GroupFigures]:
    """The stored rows of these groups (person id, TEAM or SUBTREE) for the reader and period,
    in one query; check usable_since first. Only the groups asked for are read: a row's JSON
    takes longer to decode than to fetch."""
    by_scope: dict[str, set[int]] = {}
    for person_id, scope in groups:
        by_scope.setdefault(scope, set()).add(person_id)
    rows = db.execute(
        select(FigureSummary.person_id, FigureSummary.scope, FigureSummary.figures).where(
            or_(
                *(
                    and_(FigureSummary.scope == scope, FigureSummary.person_id.in_(ids))
                    for scope, ids in by_scope.items()
                )
            ),
            FigureSummary.window_days == window_days,
            FigureSummary.division == reader.division,
            FigureSummary.as_of == reader.as_of,
        )
    ).all()
    return {
        (person_id, scope): GroupFigures.from_json(figures) for person_id, scope, figures in rows
    }


def dates_turned(state: FigureRefresh, now: dt.datetime) -> bool:
    return any(local_today(z, now) != local_today(z, state.computed_at) for z in state.zones)


def _aware(value: dt.datetime) -> dt.datetime:
    """func.min over a UTCDateTime column comes back as the driver gives it (naive on SQLite)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
