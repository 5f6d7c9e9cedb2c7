"""A small organisation of two levels of directors across time zones and the medical/commercial
wall, and every kind of change the dashboard's figures rest on, made through the services the
pages and the API call: for the stored-figures tests (tests/dashboard/test_stored_figures*.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from coachapp.coaching import service as coaching
from coachapp.db import Database
from coachapp.errors import Conflict, NotFound
from coachapp.models import (
    Account,
    AccountType,
    CadenceTarget,
    FollowUp,
    FollowUpStatus,
    Function,
    GuideVersion,
    Note,
    NoteStatus,
    NoteType,
    Role,
    User,
)
from coachapp.reporting_lines import change_manager
from tests.builders import make_guide_version, make_user

# key: (role, function, manager's key, time zone)
PEOPLE: dict[str, tuple[Role, Function, str | None, str]] = {
    "director": (Role.DIRECTOR, Function.SALES, None, "America/New_York"),
    "region": (Role.DIRECTOR, Function.SALES, "director", "America/Los_Angeles"),
    "m1": (Role.MANAGER, Function.SALES, "director", "America/New_York"),
    "m2": (Role.MANAGER, Function.SALES, "region", "America/Los_Angeles"),
    "m3": (Role.MANAGER, Function.MARKET_ACCESS, "region", "Pacific/Auckland"),
    "r1": (Role.REP, Function.SALES, "m1", "America/New_York"),
    "r2": (Role.REP, Function.KEY_ACCOUNT, "m1", "America/Chicago"),
    "r3": (Role.REP, Function.SALES, "m2", "America/Los_Angeles"),
    "r4": (Role.REP, Function.MSL, "m2", "America/Los_Angeles"),  # across the wall
    "r5": (Role.REP, Function.NURSE_EDUCATOR, "m3", "Pacific/Auckland"),
    "r6": (Role.REP, Function.REIMBURSEMENT, "m3", "Europe/Berlin"),
    "r7": (Role.REP, Function.SALES, "region", "America/Los_Angeles"),  # to a director
    "medical": (Role.DIRECTOR, Function.MSL, None, "Europe/London"),
    "msl_manager": (Role.MANAGER, Function.MSL, "medical", "Europe/London"),
    "msl": (Role.REP, Function.MSL, "msl_manager", "Europe/London"),
}
REPS = [key for key, (role, *_rest) in PEOPLE.items() if role == Role.REP]
MANAGERS = [key for key, (role, *_rest) in PEOPLE.items() if role != Role.REP]


@dataclass
class World:
    db: Session
    people: dict[str, User]
    version: GuideVersion
    account: Account
    now: dt.datetime
    notes: list[int] = field(default_factory=list)
    follow_ups: list[int] = field(default_factory=list)


def build_world(db: Session, now: dt.datetime) -> World:
    people: dict[str, User] = {}
    for key, (role, function, manager, zone) in PEOPLE.items():
        people[key] = make_user(
            db, role=role, function=function, timezone=zone, name=f"World {key}",
            manager=people[manager] if manager else None, region=f"Region {len(key)}",
            created_at=now - dt.timedelta(days=200),
        )  # fmt: skip
    version = make_guide_version(db)
    account = Account(name="Maple Health", type=AccountType.IDN, region="West")
    db.add(account)
    db.commit()
    return World(db, people, version, account, now)


def write(world: World, rep: str, days_ago: int, kind: NoteType, scores: list[int | None],
          share: bool, due_in: int, with_account: bool) -> None:  # fmt: skip
    db, person = world.db, world.people[rep]
    manager = db.get(User, person.manager_id) if person.manager_id else None
    if manager is None or manager.role != Role.MANAGER or not person.active:
        return
    competencies = [c.id for c in world.version.sections[0].competencies]
    data = {
        "rep_id": person.id,
        "guide_version_id": world.version.id,
        "type": kind,
        "occurred_on": coaching.occurred_on_for(manager, None) - dt.timedelta(days=days_ago),
        "ratings": [
            {"competency_id": c, "score": s} for c, s in zip(competencies, scores, strict=False)
        ],
        "strengths": "Opened with Maple Health's own goals." if with_account else "Good call.",
        "development_focus": "Bring the MSL in earlier.",
        "follow_ups": [
            {"title": "Send the dossier", "due_date": world.now.date() + dt.timedelta(due_in)}
        ],
        "account_id": world.account.id if with_account else None,
    }
    try:
        note, _ = coaching.create_note(db, manager, data, read_back=False)
    except NotFound:  # across the wall: the manager does not coach this rep
        db.rollback()
        return
    world.notes.append(note.id)
    world.follow_ups += [f.id for f in note.follow_ups]
    if share and any(score is not None for score in scores):
        coaching.share_note(db, manager, note.id)


def share(world: World, index: int) -> None:
    note = _note(world, index)
    if note is None or note.status != NoteStatus.DRAFT or not note.manager.active:
        return
    if any(r.score is not None for r in note.ratings):
        coaching.share_note(world.db, note.manager, note.id)


def self_rate(world: World, index: int, scores: list[int | None]) -> None:
    note = _note(world, index)
    if note is None or note.status != NoteStatus.SHARED:
        return
    ratings = [
        {"competency_id": r.competency_id, "score": s}
        for r, s in zip(note.ratings, scores, strict=False)
    ]
    try:
        coaching.set_self_assessment(world.db, note.rep, note.id, ratings)
    except Conflict:
        world.db.rollback()


def acknowledge(world: World, index: int) -> None:
    note = _note(world, index)
    if note is not None and note.status == NoteStatus.SHARED:
        coaching.acknowledge_note(world.db, note.rep, note.id, "Thanks")


def settle(world: World, index: int, status: FollowUpStatus) -> None:
    if not world.follow_ups:
        return
    follow_up = world.db.get(FollowUp, world.follow_ups[index % len(world.follow_ups)])
    if follow_up is None or (follow_up.note and follow_up.note.status == NoteStatus.DRAFT):
        return
    coaching.update_follow_up(world.db, follow_up.owner, follow_up.id, {"status": status})


def move(world: World, rep: str, manager: str) -> None:
    change_manager(world.db, world.people[rep], world.people[manager].id, actor=None)
    world.db.commit()


def toggle_active(world: World, rep: str) -> None:
    world.people[rep].active = not world.people[rep].active
    world.db.commit()


def target(world: World, manager: str, days: int) -> None:
    manager_id = world.people[manager].id
    row = world.db.scalar(select(CadenceTarget).where(CadenceTarget.team_manager_id == manager_id))
    if row is None:
        world.db.add(CadenceTarget(team_manager_id=manager_id, any_coaching_days=days))
    else:
        row.any_coaching_days = days
    world.db.commit()


def time_passes(world: World, hours: int) -> None:
    world.now += dt.timedelta(hours=hours)


def _note(world: World, index: int) -> Note | None:
    if not world.notes:
        return None
    return world.db.get(Note, world.notes[index % len(world.notes)])


@contextmanager
def world_in(app: Flask, connection: Connection, now: dt.datetime) -> Iterator[World]:
    """A world built in a session of its own, its writes rolled back afterwards (one per
    generated example)."""
    database: Database = app.extensions["coachapp.db"]
    savepoint = connection.begin_nested()
    db = database.sessionmaker()
    try:
        with app.app_context():
            yield build_world(db, now)
    finally:
        db.close()
        savepoint.rollback()
