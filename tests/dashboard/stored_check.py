"""The check every stored-figures test ends with: each director's figures, computed on the fly
as they always were (every team of their subtree, coachapp.dashboard.service.teams_of, its
ratings per competency, and everyone in view), against the rows stored for them; and each
dashboard a director may open (their own, each region below them) read from the stored rows
against the same computed on the fly (coachapp.dashboard.service.figures_for_children)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.coaching.cadence import (
    TREND_WEEKS,
    WINDOW_CHOICES,
    CadenceSummary,
    Quality,
    Trends,
    WeeklyTrend,
)
from coachapp.dashboard.service import (
    CadenceFilters,
    RatingTally,
    figures_for_children,
    figures_from_store,
    heat_cell,
    pooled,
    rating_tallies,
    regions_in_scope,
    teams_of,
)
from coachapp.dashboard.stored import (
    SUBTREE,
    TEAM,
    GroupFigures,
    QualityFigures,
    Reader,
    SummaryFigures,
    stored_figures,
)
from coachapp.models import Role, User

SUMMARY_FIELDS = [f.name for f in dataclasses.fields(SummaryFigures) if f.name != "focus_counts"]
QUALITY_FIELDS = [f.name for f in dataclasses.fields(QualityFigures)]


def assert_same(
    stored: GroupFigures,
    summary: CadenceSummary,
    quality: Quality | None,
    trends: Trends | None,
    gap_trend: WeeklyTrend | None,
    regions: Iterable[str],
    where: str,
) -> None:
    for name in SUMMARY_FIELDS:
        assert getattr(stored.summary, name) == getattr(summary, name), f"{where}: {name}"
    assert stored.summary.focus(99) == summary.focus(99), f"{where}: focus"
    assert stored.summary.focus() == summary.focus(), f"{where}: focus"
    for name in QUALITY_FIELDS:
        assert getattr(stored.quality, name) == getattr(quality, name), f"{where}: {name}"
    assert stored.trends == trends, f"{where}: trends"
    assert stored.gap_trend == gap_trend, f"{where}: gap trend"
    assert stored.regions == tuple(sorted(set(regions))), f"{where}: regions"


def assert_stored_match_on_the_fly(
    db: Session, now: dt.datetime, windows: Iterable[int] = WINDOW_CHOICES
) -> int:
    """Every active director's dashboard in every period (of `windows`) against the stored
    rows of its teams and of the director's whole subtree; how many groups were compared."""
    compared = 0
    directors = db.scalars(
        select(User).where(User.role == Role.DIRECTOR, User.active.is_(True)).order_by(User.id)
    ).all()
    for director in directors:
        reader = Reader.of(director, now)
        for window in windows:
            filters = CadenceFilters(window_days=window)
            board, book = teams_of(
                db, director, filters, now, reader.as_of, TREND_WEEKS, quality=True
            )
            teams = {team.manager_id: team for team in board}
            assert None not in teams, "a director's reps all report to someone below them"
            wanted = {(manager_id, TEAM) for manager_id in teams if manager_id is not None}
            stored = stored_figures(db, reader, window, wanted | {(director.id, SUBTREE)}, now)
            assert stored is not None, f"{director.email}: no stored figures for {window} days"
            everyone = [rep_id for team in board for rep_id in (r.rep.id for r in team.rows)]
            tallies = rating_tallies(db, everyone, window, reader.as_of)
            names: dict[str, str] = {}
            order: dict[str, tuple[int, int]] = {}
            for manager_id, team in teams.items():
                assert manager_id is not None
                where = f"{director.email}, {window} days, team of {manager_id}"
                got = stored[(manager_id, TEAM)]
                assert_same(
                    got, team.summary, team.quality, team.trends, team.gap_trend,
                    (row.rep.region for row in team.rows if row.rep.region), where,
                )  # fmt: skip
                ids = {row.rep.id for row in team.rows}
                cells = _pooled_by_key(t for t in tallies if t.rep_id in ids)
                assert _cells(got) == cells, f"{where}: ratings"
                for key, (name, position) in got.competencies.items():
                    names[key] = name
                    order[key] = min(order.get(key, position), position)
                compared += 1
            listed = sorted(names.items(), key=lambda item: (order[item[0]], item[1]))
            # The competencies as the heatmap lists them on the fly, in the guide's order.
            rated: dict[str, str] = {}
            first: dict[str, tuple[int, int]] = {}
            for tally in tallies:
                rated[tally.key] = tally.name
                first[tally.key] = min(first.get(tally.key, tally.order), tally.order)
            assert listed == sorted(rated.items(), key=lambda item: (first[item[0]], item[1]))
            where = f"{director.email}, {window} days, everyone in view"
            whole = stored[(director.id, SUBTREE)]
            assert_same(
                whole, book.summary(), book.quality(),
                book.trends(book.reps.keys(), reader.as_of, TREND_WEEKS),
                book.gap_trend(book.reps.keys(), reader.as_of, TREND_WEEKS),
                regions_in_scope(db, director, book.people.values()), where,
            )  # fmt: skip
            assert _cells(whole) == _pooled_by_key(tallies), f"{where}: ratings"
            compared += 1
            compared += assert_dashboards_read_as_computed(db, director, window, now)
    return compared


def assert_dashboards_read_as_computed(
    db: Session, director: User, window: int, now: dt.datetime
) -> int:
    """The director's own dashboard and each region's below them, read from the stored rows,
    equal the same computed on the fly, row by row; how many were compared."""
    today = Reader.of(director, now).as_of
    below = db.scalars(
        select(User).where(
            User.id.in_(policy.subtree_ids(director)),
            User.role == Role.DIRECTOR,
            policy.coaching_side(director, User.id),
        )
    ).all()
    for node in [director, *below]:
        where = f"{director.email} at {node.email}, {window} days"
        kept = figures_from_store(db, director, node, window, now, today)
        assert kept is not None, f"{where}: not read from the stored rows"
        figures, _computed_at = kept
        fresh = figures_for_children(db, director, node, CadenceFilters(window), now, today)
        assert [r.leader for r in figures.rows] == [r.leader for r in fresh.rows], where
        for got, expected in zip(figures.rows, fresh.rows, strict=True):
            assert got == expected, f"{where}, row of {expected.leader.email}"
        assert figures == fresh, where
    return 1 + len(below)


def _cells(group: GroupFigures) -> dict[str, object]:
    return {key: heat_cell(total, count) for key, (total, count) in group.ratings.items()}


def _pooled_by_key(tallies: Iterable[RatingTally]) -> dict[str, object]:
    by_key: dict[str, list[RatingTally]] = {}
    for tally in tallies:
        by_key.setdefault(tally.key, []).append(tally)
    return {key: pooled(group) for key, group in by_key.items()}
