"""A goal's attainment as it stood at the end of a closed quarter, kept so that quarter keeps
its figures when the goal's baseline, target or actuals change later."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coachapp.db import Base, utcnow
from coachapp.models.org import str_enum


class Track(enum.StrEnum):
    """Where a goal stands against the straight line to its target (coachapp.plans.attainment
    decides it)."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    NO_DATA = "no_data"
    NO_TIMELINE = "no_timeline"


class AttainmentSnapshot(Base):
    """What coachapp.plans.attainment computed for one goal at its quarter's last day, and
    the goal's baseline and target it rested on; one per goal and quarter."""

    __tablename__ = "attainment_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("plan_goals.id", ondelete="CASCADE"))
    # `2026-Q3` (coachapp.plans.quarters.Quarter.label): the figures stand at its last day.
    quarter: Mapped[str] = mapped_column(String(7))
    track: Mapped[Track] = mapped_column(str_enum(Track, "attainment_track"))
    progress: Mapped[float | None] = mapped_column(Float)
    expected: Mapped[float | None] = mapped_column(Float)
    latest_value: Mapped[float | None] = mapped_column(Float)
    latest_on: Mapped[dt.date | None] = mapped_column(Date)
    # Actuals measured on or before the quarter's last day.
    actuals: Mapped[int] = mapped_column(Integer)
    # The goal as it was: numeric goals' baseline and target, stage goals' number of stages.
    baseline: Mapped[float | None] = mapped_column(Float)
    baseline_date: Mapped[dt.date | None] = mapped_column(Date)
    target: Mapped[float | None] = mapped_column(Float)
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    stages: Mapped[int | None] = mapped_column(Integer)
    taken_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # Taken once: a second worker, or the same job again, inserts nothing.
        UniqueConstraint("goal_id", "quarter", name="uq_attainment_snapshots_goal_quarter"),
        CheckConstraint("actuals >= 0", name="actuals_not_negative"),
    )
