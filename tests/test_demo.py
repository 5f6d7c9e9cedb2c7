"""The demo organisation of DESIGN.md's stable contract, seeded idempotently."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.auth.passwords import verify_password
from coachapp.coaching.cadence import cadence_for_reps
from coachapp.demo import seed_demo
from coachapp.models import (
    CoachingGuide,
    CoachingSession,
    PlannedRideAlong,
    Role,
    SessionStatus,
    User,
)

TODAY = dt.date(2026, 11, 20)


def by_email(db: Session, email: str) -> User:
    return db.scalars(select(User).where(User.email == email)).one()


def test_demo_organisation_matches_the_contract(db: Session) -> None:
    seed_demo(db, today=TODAY)
    director = by_email(db, "director@example.com")
    manager = by_email(db, "manager@example.com")
    assert director.role == Role.DIRECTOR and manager.manager_id == director.id
    reps = [by_email(db, f"rep{n}@example.com") for n in range(1, 9)]
    assert all(r.role == Role.REP and r.manager_id == manager.id for r in reps)
    assert len({r.function for r in reps}) >= 4  # mixed functions
    for email in ("manager2@example.com", "manager3@example.com"):
        other = by_email(db, email)
        assert other.manager_id == director.id
        assert db.scalar(select(func.count()).where(User.manager_id == other.id))
    assert by_email(db, "admin@example.com").role == Role.ADMIN
    # Reps work in the region of their account; each team has one or two regions.
    assert {r.region for r in reps} == {"Northeast", "Southeast"}
    assert by_email(db, "rep9@example.com").region in {"West", "Southwest"}
    assert manager.region and director.region
    assert verify_password(manager.password_hash, "demo-password")
    assert db.scalars(
        select(CoachingGuide).where(CoachingGuide.name == "Account management field coaching")
    ).one()


def test_history_has_realistic_spread(db: Session) -> None:
    seed_demo(db, today=TODAY)
    manager = by_email(db, "manager@example.com")
    reps = db.scalars(select(User).where(User.manager_id == manager.id)).all()
    now = dt.datetime.combine(TODAY, dt.time(18), tzinfo=dt.UTC)
    cadence = cadence_for_reps(db, reps, now)
    statuses = {c.status for c in cadence.values()}
    assert {"on_track", "overdue", "never"} <= statuses
    assert db.scalar(
        select(func.count()).where(
            CoachingSession.status == SessionStatus.DRAFT, CoachingSession.manager_id == manager.id
        )
    )
    oldest = db.scalar(select(func.min(CoachingSession.occurred_on)))
    assert oldest is not None and (TODAY - oldest).days > 90


def test_seeding_twice_adds_nothing(db: Session) -> None:
    seed_demo(db, today=TODAY)
    counts = [db.scalar(select(func.count()).select_from(t)) for t in (User, CoachingSession)]
    again = seed_demo(db, today=TODAY)
    assert not any(again.values())
    assert counts == [
        db.scalar(select(func.count()).select_from(t)) for t in (User, CoachingSession)
    ]


def test_scale_makes_copies_with_their_own_people(db: Session) -> None:
    seed_demo(db, scale=2, today=TODAY)
    assert by_email(db, "s2.manager@example.com").role == Role.MANAGER
    assert db.scalar(select(func.count()).select_from(User)) == 1 + 2 * 22


def test_seed_demo_command_if_empty(runner: Any, db: Session) -> None:
    first = runner.invoke(args=["seed-demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "demo-password" in first.output
    second = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has users" in second.output


def test_the_manager_rides_along_tomorrow_and_only_recent_notes_are_unread(db: Session) -> None:
    seed_demo(db, today=TODAY)
    manager = by_email(db, "manager@example.com")
    ride = db.scalars(
        select(PlannedRideAlong).where(PlannedRideAlong.manager_id == manager.id)
    ).one()
    assert ride.day == TODAY + dt.timedelta(days=1)  # the manager's evening in New York
    assert ride.rep.email == "rep3@example.com" and ride.plan is not None
    assert ride.plan.owner_id == ride.rep_id
    shown = db.scalars(
        select(CoachingSession).where(CoachingSession.status != SessionStatus.DRAFT)
    ).all()
    unread = [s for s in shown if s.rep_seen_at is None]
    assert unread, "a rep or two have a note they have not opened yet"
    for note in unread:
        assert note.status == SessionStatus.SHARED and (TODAY - note.occurred_on).days <= 3
    for note in shown:
        if note.rep_seen_at is not None:
            assert note.shared_at is not None and note.shared_at <= note.rep_seen_at
            assert note.acknowledged_at is None or note.rep_seen_at <= note.acknowledged_at
