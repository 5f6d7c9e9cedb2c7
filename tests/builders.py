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
from coachapp.coaching.default_guide import ensure_default_guide
from coachapp.db import utcnow
from coachapp.models import (
    Account,
    AccountPlan,
    AccountType,
    CoachingGuide,
    CoachTheCoachNote,
    Competency,
    DevelopmentFocus,
    FollowUp,
    FollowUpStatus,
    Function,
    GuideSection,
    GuideStatus,
    GuideTranslation,
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
from coachapp.timezones import local_today

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
        PlanTeamMember(user_id=member.id, responsibility="Account lead") for member in team
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


def make_guide_translation(
    db: Session, version: GuideVersion, names: dict[str, str], **competencies: Any
) -> GuideTranslation:
    """The version's text in Spanish: its behaviours' names by key (`names`), and any more
    of a behaviour's text by key (`competencies`: {"indicators": [...], "questions": [...]})."""
    texts: dict[str, Any] = {"competencies": {}}
    for key in names.keys() | competencies.keys():
        given = dict(competencies.get(key) or {})
        if key in names:
            given["name"] = names[key]
        texts["competencies"][key] = given
    translation = GuideTranslation(version_id=version.id, language="es", texts=texts)
    db.add(translation)
    db.commit()
    return translation


def make_note(
    db: Session, manager: User, rep: User, status: NoteStatus = NoteStatus.SHARED, **kw: Any
) -> Note:
    version = kw.pop("guide_version", None) or make_guide_version(db)
    # {competency id: score}; by default every competency of the guide's first section, 3.
    scores: dict[int, int | None] | None = kw.pop("scores", None)
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
    if scores is None:
        scores = {c.id: 3 for c in version.sections[0].competencies}
    coaching.ratings = [
        NoteRating(competency_id=competency_id, score=score, evidence="Seen on the call")
        for competency_id, score in scores.items()
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


# A national field force: directors over directors -----------------------------------------


@dataclass
class Nation:
    """A national director over regional directors over first-line managers over reps, with
    teams reporting to the national director straight away too; beside it a medical line of
    the same shape (build_nation)."""

    national: User
    regions: list[User]  # the regional directors, in order
    direct_managers: list[User]  # teams reporting to the national director
    managers: dict[int, list[User]]  # each director's first-line managers, by the director's id
    reps: dict[int, list[User]]  # each manager's reps, by the manager's id
    medical_director: User
    medical_regional: User
    msl_manager: User
    msls: list[User]
    accounts: list[Account] = field(default_factory=list)

    @property
    def teams(self) -> list[User]:
        """Every first-line manager of the commercial line."""
        return [
            m for director in [self.national, *self.regions] for m in self.managers[director.id]
        ]

    def reps_under(self, director: User) -> list[User]:
        return [r for m in self.managers[director.id] for r in self.reps[m.id]]


def build_nation(
    db: Session,
    regions: int = 5,
    teams_per_region: int = 12,
    reps_per_team: int = 6,
    direct_teams: int = 2,
) -> Nation:
    """national ─ region 1..R (directors) ─ RxT managers ─ reps (each with a ride-along a week
    ago, acknowledged, and a 1:1 five weeks ago, rated on four of the default guide's
    competencies in turn, an open and a done follow-up and a development focus)
             └ direct_teams managers ─ reps (as above)
    medical_director ─ medical_regional ─ msl_manager ─ 3 MSLs (notes of their own)

    One account team per team (the team's first rep owns the plan, the second is on it). In
    batches, as build_org: the defaults make 62 teams and 372 reps in a few seconds."""
    n = next(_sequence)
    sales = Function.SALES
    with batched(db):
        national = make_user(
            db, role=Role.DIRECTOR, name=f"Nadia National {n}", function=sales, region=""
        )
        managers: dict[int, list[User]] = {}
        reps: dict[int, list[User]] = {}
        region_heads = []

        def team(director: User, label: str, region: str) -> User:
            manager = make_user(
                db, role=Role.MANAGER, name=f"Manager {label}", manager=director, region=region
            )
            managers.setdefault(id(director), []).append(manager)
            reps[id(manager)] = [
                make_user(
                    db,
                    name=f"Rep {label}.{k + 1}",
                    manager=manager,
                    region=region,
                    function=sales if k % 3 else Function.KEY_ACCOUNT,
                )
                for k in range(reps_per_team)
            ]
            return manager

        for r in range(regions):
            region = f"Region {r + 1}"
            head = make_user(
                db, role=Role.DIRECTOR, name=f"Regional Director {r + 1}", function=sales,
                manager=national, region=region,
            )  # fmt: skip
            region_heads.append(head)
            for t in range(teams_per_region):
                team(head, f"{r + 1}.{t + 1}", region)
        for t in range(direct_teams):
            team(national, f"0.{t + 1}", "Head office")
        medical = make_user(db, role=Role.DIRECTOR, name="Mila Medical", function=Function.MSL)
        medical_regional = make_user(
            db, role=Role.DIRECTOR, name="Mo Medical-Region", function=Function.MSL,
            manager=medical,
        )  # fmt: skip
        msl_manager = make_user(
            db, role=Role.MANAGER, name="Lee Msl-Lead", function=Function.MSL,
            manager=medical_regional,
        )  # fmt: skip
        msls = [
            make_user(db, name=f"Msl {k + 1}", function=Function.MSL, manager=msl_manager)
            for k in range(3)
        ]
        version = ensure_default_guide(db)
    competencies = [c.id for section in version.sections for c in section.competencies]
    keys = [c.key for section in version.sections for c in section.competencies]
    today = local_today(TIMEZONE, utcnow())
    nation = Nation(
        national=national,
        regions=region_heads,
        direct_managers=[],
        managers={},
        reps={},
        medical_director=medical,
        medical_regional=medical_regional,
        msl_manager=msl_manager,
        msls=msls,
    )
    for director in [national, *region_heads]:
        nation.managers[director.id] = managers.get(id(director), [])
        for manager in nation.managers[director.id]:
            nation.reps[manager.id] = reps[id(manager)]
    nation.direct_managers = nation.managers[national.id]
    nation.reps[msl_manager.id] = msls

    with batched(db):
        everyone = [(m, r) for m in [*nation.teams, msl_manager] for r in nation.reps[m.id]]
        for i, (manager, rep) in enumerate(everyone):
            for weeks, kind, status in (
                (1, NoteType.RIDE_ALONG, NoteStatus.ACKNOWLEDGED),
                (5, NoteType.ONE_ON_ONE, NoteStatus.SHARED),
            ):
                rated = [(i + weeks + k) % len(competencies) for k in range(4)]
                note = make_note(
                    db, manager, rep, status, guide_version=version, type=kind,
                    occurred_on=today - dt.timedelta(weeks=weeks),
                    scores={competencies[c]: 1 + (i + c) % 4 for c in rated},
                )  # fmt: skip
                if weeks == 1:
                    make_follow_up(db, rep, manager, note=note, due_date=today + dt.timedelta(2))
                    make_follow_up(
                        db, rep, manager, note=note, status=FollowUpStatus.DONE,
                        due_date=today - dt.timedelta(days=3),
                    )  # fmt: skip
            db.add(
                DevelopmentFocus(
                    rep_id=rep.id, competency_key=keys[i % len(keys)], period="2026-H1",
                    created_by_id=manager.id,
                )
            )  # fmt: skip
        for manager in nation.teams:
            team_reps = nation.reps[manager.id]
            account = make_account(db, name=f"Account of {manager.name}", region=manager.region)
            nation.accounts.append(account)
            make_plan(db, team_reps[0], team=tuple(team_reps[1:2]), account=account)
    db.commit()
    return nation
