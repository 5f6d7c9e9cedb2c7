"""Builders for test data: make_user(db, ...) and friends, and a small organisation."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from coachapp.auth.passwords import hash_password
from coachapp.db import utcnow
from coachapp.models import (
    Account,
    AccountPlan,
    AccountType,
    CoachingGuide,
    CoachTheCoachNote,
    Competency,
    FollowUp,
    Function,
    GuideSection,
    GuideStatus,
    GuideVersion,
    Note,
    NoteRating,
    NoteStatus,
    NoteType,
    Notification,
    Observation,
    PlanStatus,
    PlanTeamMember,
    Role,
    User,
)

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


# build_org adds its objects in two batches (coachapp's ids are the database's): the make_*
# builders flush each object at once, except inside `batched`.
_flush_each = [True]


@contextmanager
def batched(db: Session) -> Iterator[None]:
    """The builders only add their objects; one flush at the end sends them (a few
    statements instead of one or more per object)."""
    _flush_each[0] = False
    try:
        yield
    finally:
        _flush_each[0] = True
    db.flush()


def _flush(db: Session) -> None:
    if _flush_each[0]:
        db.flush()


@cache
def password_hash() -> str:
    # Hashing once keeps builders fast; argon2 is deliberately slow.
    return hash_password(PASSWORD)


# Where the people built here work; the tests' own clock reads the same zone (conftest).
TIMEZONE = "America/New_York"


def make_user(db: Session, **kw: Any) -> User:
    n = next(_sequence)
    values: dict[str, Any] = {
        "email": f"person{n}-{uuid.uuid4().hex[:6]}@example.com",
        "name": f"Person {n}",
        "role": Role.REP,
        "function": Function.SALES,
        "timezone": TIMEZONE,
        "password_hash": password_hash(),
    }
    values.update(kw)
    user = User(**values)
    db.add(user)
    _flush(db)
    return user


def make_account(db: Session, **kw: Any) -> Account:
    n = next(_sequence)
    values: dict[str, Any] = {
        "name": f"Account {n} Health",
        "type": AccountType.IDN,
        "region": "Midwest",
    }
    values.update(kw)
    account = Account(**values)
    db.add(account)
    _flush(db)
    return account


def make_plan(db: Session, owner: User, team: tuple[User, ...] = (), **kw: Any) -> AccountPlan:
    values: dict[str, Any] = {
        "account": kw.pop("account", None) or make_account(db),
        "period": "2026-H2",
        "owner_id": owner.id,
        "status": PlanStatus.ACTIVE,
        "strategic_priorities": "Win formulary access at the system P&T committee.",
    }
    values.update(kw)
    plan = AccountPlan(**values)
    plan.team = [PlanTeamMember(user_id=owner.id, responsibility="Plan owner")] + [
        PlanTeamMember(user_id=member.id, responsibility="Account team") for member in team
    ]
    db.add(plan)
    _flush(db)
    return plan


def make_guide_version(db: Session) -> GuideVersion:
    guide = CoachingGuide(name=f"Test guide {next(_sequence)}")
    version = GuideVersion(
        guide=guide, number=1, status=GuideStatus.PUBLISHED, published_at=utcnow()
    )
    section = GuideSection(version=version, position=0, title="Collaboration")
    section.competencies = [
        Competency(
            key="shares_plan", name="Shares the plan", indicators=["Shares"], questions=["How?"]
        ),
        Competency(key="listens", name="Listens", indicators=["Listens"], questions=["What?"]),
    ]
    db.add_all([guide, version, section])
    _flush(db)
    return version


def make_note(
    db: Session, manager: User, rep: User, status: NoteStatus = NoteStatus.SHARED, **kw: Any
) -> Note:
    version = kw.pop("guide_version", None) or make_guide_version(db)
    shared_at = None if status == NoteStatus.DRAFT else utcnow()
    values: dict[str, Any] = {
        "client_uuid": uuid.uuid4(),
        "manager_id": manager.id,
        "rep_id": rep.id,
        "guide_version_id": version.id,
        "type": NoteType.RIDE_ALONG,
        "occurred_on": dt.date.today() - dt.timedelta(days=3),
        "status": status,
        "strengths": "Opened with the customer's own goals.",
        "development_focus": "Bring the MSL in earlier.",
        "private_notes": "PRIVATE-NOTE-MARKER",
        "shared_at": shared_at,
    }
    if status == NoteStatus.ACKNOWLEDGED:
        values.update(acknowledged_at=utcnow(), ack_comment="Thanks, agreed.")
    values.update(kw)
    coaching = Note(**values)
    coaching.ratings = [
        NoteRating(competency_id=c.id, score=3, evidence="Seen on the call")
        for c in version.sections[0].competencies
    ]
    db.add(coaching)
    _flush(db)
    return coaching


def make_follow_up(db: Session, owner: User, created_by: User, **kw: Any) -> FollowUp:
    values: dict[str, Any] = {
        "owner_id": owner.id,
        "created_by_id": created_by.id,
        "title": "Send the formulary dossier",
        "due_date": dt.date.today() + dt.timedelta(days=2),
    }
    values.update(kw)
    follow_up = FollowUp(**values)
    db.add(follow_up)
    _flush(db)
    return follow_up


def make_notification(db: Session, recipient: User, **kw: Any) -> Notification:
    values: dict[str, Any] = {
        "recipient_id": recipient.id,
        "kind": "note_shared",
        "title": "New coaching note",
        "url": "/inbox",
        "dedupe_key": f"test:{uuid.uuid4().hex}",
    }
    values.update(kw)
    notification = Notification(**values)
    db.add(notification)
    _flush(db)
    return notification


def make_coach_note(
    db: Session,
    director: User,
    manager: User,
    status: NoteStatus = NoteStatus.SHARED,
    **kw: Any,
) -> CoachTheCoachNote:
    values: dict[str, Any] = {
        "director_id": director.id,
        "manager_id": manager.id,
        "situation": "Ride-along debrief in the car park.",
        "action": "Asked the rep to rate the call first.",
        "result": "The rep named the next step themself.",
        "status": status,
        "shared_at": None if status == NoteStatus.DRAFT else utcnow(),
    }
    if status == NoteStatus.ACKNOWLEDGED:
        values.update(acknowledged_at=utcnow(), ack_comment="Noted, thanks.")
    values.update(kw)
    note = CoachTheCoachNote(**values)
    db.add(note)
    _flush(db)
    return note


def make_observation(
    db: Session, author: User, subject: User, account: Account, competency: Competency, **kw: Any
) -> Observation:
    """An observation of `subject` by `author` at `account`, routed to the subject's manager
    (no check of who may observe whom: coachapp.observations.service does that)."""
    values: dict[str, Any] = {
        "author_id": author.id,
        "subject_id": subject.id,
        "account_id": account.id,
        "competency_id": competency.id,
        "routed_to_id": subject.manager_id,
        "text": "Brought the formulary timeline to the account meeting before being asked.",
    }
    values.update(kw)
    observation = Observation(**values)
    db.add(observation)
    _flush(db)
    return observation


@dataclass
class Org:
    """Everyone by their part in the tests, and objects in every visibility state."""

    people: dict[str, User] = field(default_factory=dict)
    plans: dict[str, AccountPlan] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)
    follow_ups: dict[str, FollowUp] = field(default_factory=dict)
    notifications: dict[str, Notification] = field(default_factory=dict)
    guide_ids: dict[str, int] = field(default_factory=dict)
    coach_notes: dict[str, CoachTheCoachNote] = field(default_factory=dict)


def build_org(db: Session) -> Org:
    """director ─ manager ─ rep, rep2
             └ manager2 ─ other_rep
    director2 ─ manager3 ─ far_rep;   admin
    medical_director ─ msl_manager ─ msl   (the medical line; msl is on rep's account team)

    Made in two batches (people, accounts and the guide; then what refers to them), since
    every test that asks for `org` builds it.
    """
    org = Org()
    p = org.people
    with batched(db):
        p["admin"] = make_user(db, role=Role.ADMIN, name="Ada Admin", function=Function.OTHER)
        p["director"] = make_user(db, role=Role.DIRECTOR, name="Dana Director")
        p["manager"] = make_user(
            db, role=Role.MANAGER, name="Morgan Manager", manager=p["director"]
        )
        p["manager2"] = make_user(db, role=Role.MANAGER, name="Mo Manager", manager=p["director"])
        p["rep"] = make_user(db, name="Riley Rep", manager=p["manager"])
        p["rep2"] = make_user(
            db, name="Robin Key", function=Function.KEY_ACCOUNT, manager=p["manager"]
        )
        p["other_rep"] = make_user(db, name="Oli Other", manager=p["manager2"])
        p["director2"] = make_user(db, role=Role.DIRECTOR, name="Drew Director")
        p["manager3"] = make_user(db, role=Role.MANAGER, name="Max Far", manager=p["director2"])
        p["far_rep"] = make_user(db, name="Fran Far", manager=p["manager3"])
        accounts = [make_account(db) for _ in range(3)]
        p["medical_director"] = make_user(
            db, role=Role.DIRECTOR, name="Mira Medical", function=Function.MSL
        )
        p["msl_manager"] = make_user(
            db,
            role=Role.MANAGER,
            name="Mel Msl-Lead",
            function=Function.MSL,
            manager=p["medical_director"],
        )
        p["msl"] = make_user(
            db, name="Sam Science", function=Function.MSL, manager=p["msl_manager"]
        )
        version = make_guide_version(db)

    with batched(db):
        org.plans["rep"] = make_plan(db, p["rep"], team=(p["rep2"],), account=accounts[0])
        org.plans["other_rep_with_rep"] = make_plan(
            db, p["other_rep"], team=(p["rep"],), account=accounts[1]
        )
        org.plans["far"] = make_plan(db, p["far_rep"], account=accounts[2])
        org.plans["rep"].team.append(PlanTeamMember(user_id=p["msl"].id, responsibility="MSL"))

        org.guide_ids["main"] = version.guide_id
        s = org.notes
        s["draft"] = make_note(db, p["manager"], p["rep"], NoteStatus.DRAFT, guide_version=version)
        s["shared"] = make_note(
            db, p["manager"], p["rep"], NoteStatus.SHARED, guide_version=version
        )
        s["acknowledged"] = make_note(
            db, p["manager"], p["rep"], NoteStatus.ACKNOWLEDGED, guide_version=version
        )
        s["other_team"] = make_note(db, p["manager2"], p["other_rep"], guide_version=version)
        s["far"] = make_note(db, p["manager3"], p["far_rep"], guide_version=version)
        s["msl"] = make_note(db, p["msl_manager"], p["msl"], guide_version=version)

        org.follow_ups["rep_shared"] = make_follow_up(db, p["rep"], p["manager"], note=s["shared"])
        org.follow_ups["rep_draft"] = make_follow_up(db, p["rep"], p["manager"], note=s["draft"])
        org.follow_ups["far"] = make_follow_up(db, p["far_rep"], p["manager3"], note=s["far"])

        org.notifications["rep"] = make_notification(db, p["rep"])
        org.notifications["manager"] = make_notification(db, p["manager"])
        for state in (NoteStatus.DRAFT, NoteStatus.SHARED):
            org.coach_notes[state.value] = make_coach_note(db, p["director"], p["manager"], state)
    db.commit()
    return org


# The lines of an organisation ----------------------------------------------------

MEDICAL, COMMERCIAL, PATIENT = "medical", "commercial", "patient_services"


@dataclass
class Lines:
    people: dict[str, User]
    notes: dict[str, Note]  # by the rep's key
    side: dict[str, str]  # each person's division


# key: (role, function, manager's key)
LINE_PEOPLE: dict[str, tuple[Role, Function, str | None]] = {
    "medical_director": (Role.DIRECTOR, Function.MSL, None),
    "msl_manager": (Role.MANAGER, Function.MSL, "medical_director"),
    "msl": (Role.REP, Function.MSL, "msl_manager"),
    "director": (Role.DIRECTOR, Function.SALES, None),
    "sales_manager": (Role.MANAGER, Function.SALES, "director"),
    "rep": (Role.REP, Function.KEY_ACCOUNT, "sales_manager"),
    "access_manager": (Role.MANAGER, Function.MARKET_ACCESS, "director"),
    "access_rep": (Role.REP, Function.REIMBURSEMENT, "access_manager"),
    "nurse_manager": (Role.MANAGER, Function.NURSE_EDUCATOR, None),
    "nurse": (Role.REP, Function.NURSE_EDUCATOR, "nurse_manager"),
    # Crossed chains: an MSL put under a sales manager, and a commercial director over an
    # MSL manager.
    "crossed_msl": (Role.REP, Function.MSL, "sales_manager"),
    "msl_manager2": (Role.MANAGER, Function.MSL, "director"),
    "msl2": (Role.REP, Function.MSL, "msl_manager2"),
}
SIDE = {Function.MSL: MEDICAL, Function.NURSE_EDUCATOR: PATIENT}


def build_lines(db: Session) -> Lines:
    """The organisation's lines side by side, one account team across them (LINE_PEOPLE)."""
    people: dict[str, User] = {}
    with batched(db):  # the people and the guide, then what refers to them (as build_org)
        for key, (role, function, manager) in LINE_PEOPLE.items():
            people[key] = make_user(
                db,
                role=role,
                function=function,
                name=f"Lines {key.replace('_', ' ').title()}",
                manager=people[manager] if manager else None,
            )
        version = make_guide_version(db)
    notes = {}
    with batched(db):
        for key, (role, _function, manager) in LINE_PEOPLE.items():
            if role != Role.REP or manager is None:
                continue
            rep = people[key]
            notes[key] = make_note(
                db,
                people[manager],
                rep,
                NoteStatus.ACKNOWLEDGED,
                guide_version=version,
                strengths=f"NOTE-ABOUT-{key.upper()}",
                private_notes=f"PRIVATE-ABOUT-{key.upper()}",
                self_assessment={"ratings": [], "at": "2026-11-01T10:00:00+00:00"},
            )
        # One account team mixing the lines: seeing the plan across lines is allowed.
        make_plan(db, people["rep"], team=(people["msl"], people["access_rep"], people["nurse"]))
        make_coach_note(db, people["director"], people["msl_manager2"])
        make_coach_note(db, people["director"], people["sales_manager"])
    db.commit()
    side = {key: SIDE.get(fn, COMMERCIAL) for key, (_r, fn, _m) in LINE_PEOPLE.items()}
    return Lines(people, notes, side)
