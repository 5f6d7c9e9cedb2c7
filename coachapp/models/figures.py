"""Figures computed once, read many times: each team's and region's cadence, quality and
competency figures as a dashboard shows them (coachapp.dashboard.summaries fills and reads
them), when they were computed, and the changes since that call for another computation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from coachapp.db import Base, utcnow


class FigureSummary(Base):
    """The figures of one group of reps, as a dashboard shows them: those of `person_id`'s
    team (the active reps reporting to them) or of their whole subtree, over a window of
    `window_days` days, seen from one side of the medical/commercial wall (`division`: the
    division of whoever reads it, as coachapp.policy narrows their scope) by someone whose
    today is `as_of` (the weekly trends and the ratings' window end on the reader's today)."""

    __tablename__ = "figure_summaries"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    window_days: Mapped[int] = mapped_column(Integer, primary_key=True)
    division: Mapped[str] = mapped_column(String(32), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    # The figures (coachapp.dashboard.summaries.figures_json).
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint("scope IN ('team', 'subtree')", name="scope_known"),
        CheckConstraint("window_days > 0", name="window_positive"),
    )


class FigureRefresh(Base):
    """When the summaries were last computed (one row): every row of figure_summaries is of
    that computation. `zones`: the time zones whose dates the figures were judged on, so
    the worker computes them again when one of those dates turns."""

    __tablename__ = "figure_refreshes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    computed_at: Mapped[dt.datetime]
    zones: Mapped[list[str]] = mapped_column(JSON, default=list)
    # How long the computation took (CPU seconds of the process), and the rows it wrote.
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    rows: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)


class FigureChange(Base):
    """Something the figures rest on changed (a note, a rating, a follow-up, a person, a
    target...): written in the transaction of the change, deleted by the computation that
    has seen it. Rows are only ever inserted by writers, so concurrent writers never wait
    for each other here."""

    __tablename__ = "figure_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ImpactSummary(Base):
    """The impact figures (coachapp.plans.impact) of one group of live plans over the quarters
    the impact page shows first (the reader's quarter and the three before it): the plans owned
    by the reps reporting to `person_id` (scope `team`), by anyone below them (`subtree`: a
    region's row), or by anyone below them on accounts of one region (`region`, `region` the
    accounts' region); as seen from one side of the medical/commercial wall (`division`) by
    someone whose today is `as_of`. Kept only for groups with plans; computed in the same
    round as figure_summaries (figure_refreshes says when)."""

    __tablename__ = "impact_summaries"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    region: Mapped[str] = mapped_column(String(80), primary_key=True, default="")
    division: Mapped[str] = mapped_column(String(32), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    # The figures, quarter by quarter (coachapp.dashboard.stored.impact_json).
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint("scope IN ('team', 'subtree', 'region')", name="scope_known"),
    )
