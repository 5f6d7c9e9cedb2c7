"""Cadence figures: when each rep was last coached and whether that meets the target."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.models import CadenceTarget, CoachingSession, FollowUp, FollowUpStatus, SessionStatus

DEFAULT_ANY_COACHING_DAYS = 14
DEFAULT_RIDE_ALONG_DAYS = 30
HELD = (SessionStatus.SHARED, SessionStatus.ACKNOWLEDGED)


class CadenceStatus(enum.StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    NEVER = "never"


CADENCE_LABELS = {
    CadenceStatus.ON_TRACK: "On track",
    CadenceStatus.DUE_SOON: "Due soon",
    CadenceStatus.OVERDUE: "Overdue",
    CadenceStatus.NEVER: "Not yet coached",
}


@dataclass(frozen=True)
class Target:
    any_coaching_days: int
    ride_along_days: int


@dataclass(frozen=True)
class RepCadence:
    rep_id: int
    last_coached_on: dt.date | None
    days_since_last: int | None
    target_days: int
    overdue_follow_ups: int
    status: CadenceStatus

    @property
    def label(self) -> str:
        return CADENCE_LABELS[self.status]


def targets_by_manager(db: Session, manager_ids: Iterable[int]) -> dict[int | None, Target]:
    """The organisation default under None, plus any per-team overrides."""
    ids = set(manager_ids)
    rows = db.scalars(
        select(CadenceTarget).where(
            CadenceTarget.team_manager_id.is_(None) | CadenceTarget.team_manager_id.in_(ids)
        )
    ).all()
    targets: dict[int | None, Target] = {
        None: Target(DEFAULT_ANY_COACHING_DAYS, DEFAULT_RIDE_ALONG_DAYS)
    }
    for row in rows:
        targets[row.team_manager_id] = Target(row.any_coaching_days, row.ride_along_days)
    return targets


def last_coached_on(db: Session, rep_ids: Iterable[int]) -> dict[int, dt.date]:
    ids = list(set(rep_ids))
    if not ids:
        return {}
    rows = db.execute(
        select(CoachingSession.rep_id, func.max(CoachingSession.occurred_on))
        .where(CoachingSession.rep_id.in_(ids), CoachingSession.status.in_(HELD))
        .group_by(CoachingSession.rep_id)
    ).all()
    return {rep_id: last for rep_id, last in rows}


def overdue_follow_up_counts(
    db: Session, owner_ids: Iterable[int], today: dt.date
) -> dict[int, int]:
    ids = list(set(owner_ids))
    if not ids:
        return {}
    rows = db.execute(
        select(FollowUp.owner_id, func.count())
        .where(
            FollowUp.owner_id.in_(ids),
            FollowUp.status == FollowUpStatus.OPEN,
            FollowUp.due_date < today,
        )
        .group_by(FollowUp.owner_id)
    ).all()
    return {owner_id: count for owner_id, count in rows}


def cadence_status(days_since: int | None, target_days: int) -> CadenceStatus:
    if days_since is None:
        return CadenceStatus.NEVER
    if days_since > target_days:
        return CadenceStatus.OVERDUE
    if days_since >= target_days * 0.75:
        return CadenceStatus.DUE_SOON
    return CadenceStatus.ON_TRACK


def cadence_for_reps(
    db: Session, reps: Iterable[tuple[int, int | None]], today: dt.date
) -> dict[int, RepCadence]:
    """Cadence per rep, given (rep_id, manager_id) pairs; three queries whatever the team size."""
    pairs = list(reps)
    rep_ids = [rep_id for rep_id, _ in pairs]
    targets = targets_by_manager(db, {m for _, m in pairs if m is not None})
    last = last_coached_on(db, rep_ids)
    overdue = overdue_follow_up_counts(db, rep_ids, today)
    result = {}
    for rep_id, manager_id in pairs:
        target = targets.get(manager_id, targets[None])
        last_on = last.get(rep_id)
        days = (today - last_on).days if last_on else None
        result[rep_id] = RepCadence(
            rep_id=rep_id,
            last_coached_on=last_on,
            days_since_last=days,
            target_days=target.any_coaching_days,
            overdue_follow_ups=overdue.get(rep_id, 0),
            status=cadence_status(days, target.any_coaching_days),
        )
    return result
