"""The check every stored-figures test ends with: each director's dashboard, computed on the
fly as it always was (coachapp.dashboard.service.dashboard), against the rows stored for it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching.cadence import WINDOW_CHOICES, CadenceSummary, Quality, Trends, WeeklyTrend
from coachapp.dashboard.service import (
    CadenceFilters,
    RatingTally,
    dashboard,
    pooled,
    rating_tallies,
)
from coachapp.dashboard.summaries import (
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
            board = dashboard(db, director, CadenceFilters(window_days=window), now, reader.as_of)
            teams = {team.manager_id: team for team in board.teams}
            assert None not in teams, "a director's reps all report to someone below them"
            wanted = {(manager_id, TEAM) for manager_id in teams if manager_id is not None}
            stored = stored_figures(db, reader, window, wanted | {(director.id, SUBTREE)}, now)
            assert stored is not None, f"{director.email}: no stored figures for {window} days"
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
                cells = {k: c for (m, k), c in board.heatmap.cells.items() if m == manager_id}
                assert got.heat == cells, f"{where}: ratings"
                for key, (name, position) in got.competencies.items():
                    names[key] = name
                    order[key] = min(order.get(key, position), position)
                compared += 1
            listed = sorted(names.items(), key=lambda item: (order[item[0]], item[1]))
            assert listed == board.heatmap.competencies
            where = f"{director.email}, {window} days, everyone in view"
            whole = stored[(director.id, SUBTREE)]
            assert_same(
                whole, board.summary, board.quality, board.trends, board.gap_trend,
                board.regions, where,
            )  # fmt: skip
            everyone = [rep_id for team in board.teams for rep_id in (r.rep.id for r in team.rows)]
            assert whole.heat == _pooled_by_key(
                rating_tallies(db, everyone, window, reader.as_of)
            ), f"{where}: ratings"
            compared += 1
    return compared


def _pooled_by_key(tallies: Iterable[RatingTally]) -> dict[str, object]:
    by_key: dict[str, list[RatingTally]] = {}
    for tally in tallies:
        by_key.setdefault(tally.key, []).append(tally)
    return {key: pooled(group) for key, group in by_key.items()}
