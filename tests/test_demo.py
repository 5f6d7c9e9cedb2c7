"""The demo organisation of DESIGN.md's stable contract, seeded idempotently."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import coachapp.demo
from coachapp.auth.passwords import verify_password
from coachapp.coaching.cadence import cadence_for_reps
from coachapp.db import Database
from coachapp.demo import DemoDataError, load_content, seed_demo
from coachapp.models import (
    AccountPlan,
    CoachingGuide,
    Function,
    Note,
    NoteRating,
    NoteStatus,
    PlanGoal,
    PlannedRideAlong,
    Role,
    User,
)
from coachapp.plans.attainment import Track, goal_attainment, plan_attainment
from coachapp.plans.quarters import Quarter, quarters_ending
from coachapp.plans.snapshots import attainment_in_quarters
from coachapp.policy import subtree_ids

TODAY = dt.date(2026, 11, 20)
# A rep as people.toml has them, for the mistakes below.
_REP = """
[[reps]]
handle = "rep99"
name = "Test Person"
function = "msl"
timezone = "America/Chicago"
manager = "manager3"
account = "Maple Bend"
joined_days_ago = 100
"""


def by_email(db: Session, email: str) -> User:
    return db.scalars(select(User).where(User.email == email)).one()


# DESIGN.md's stable contract: each line's people, by the handle of their line manager.
LINES = {
    "manager": [f"rep{n}" for n in range(1, 9)],
    "access-manager": [f"access{n}" for n in range(1, 5)],
    "msl-manager": [f"msl{n}" for n in range(1, 5)],
    "nurse-manager": [f"nurse{n}" for n in range(1, 4)],
}
FUNCTIONS = {
    "manager": {Function.SALES, Function.KEY_ACCOUNT},
    "access-manager": {Function.MARKET_ACCESS, Function.REIMBURSEMENT},
    "msl-manager": {Function.MSL},
    "nurse-manager": {Function.NURSE_EDUCATOR},
}


# The checks that only read the seeded demo share one, per backend (seeding takes seconds).


@pytest.fixture(scope="class")
def demo(app: Flask) -> Iterator[Session]:
    """The demo organisation seeded once, in a transaction rolled back after the class."""
    database: Database = app.extensions["coachapp.db"]
    with database.engine.connect() as connection:
        outer = connection.begin()
        session = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )()
        seed_demo(session, today=TODAY)
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


class TestTheSeededDemo:
    def test_demo_organisation_matches_the_contract(self, demo: Session) -> None:
        director = by_email(demo, "director@example.com")
        manager = by_email(demo, "manager@example.com")
        assert director.role == Role.DIRECTOR and manager.manager_id == director.id
        reps = [by_email(demo, f"rep{n}@example.com") for n in range(1, 9)]
        assert all(r.role == Role.REP and r.manager_id == manager.id for r in reps)
        # Sales reps and key account managers; the other functions have lines of their own.
        assert {r.function for r in reps} == {Function.SALES, Function.KEY_ACCOUNT}
        for email in ("manager2@example.com", "manager3@example.com"):
            other = by_email(demo, email)
            assert other.manager_id == director.id
            assert demo.scalar(select(func.count()).where(User.manager_id == other.id))
        assert by_email(demo, "admin@example.com").role == Role.ADMIN
        # Reps work in the region of their account; each team has one or two regions.
        assert {r.region for r in reps} == {"Northeast", "Southeast"}
        assert by_email(demo, "rep9@example.com").region in {"West", "Southwest"}
        assert manager.region and director.region
        assert verify_password(manager.password_hash, "demo-password")
        assert demo.scalars(
            select(CoachingGuide).where(CoachingGuide.name == "Account management field coaching")
        ).one()

    def test_each_line_has_its_own_managers(self, demo: Session) -> None:
        director = by_email(demo, "director@example.com")
        medical = by_email(demo, "medical-director@example.com")
        assert (medical.role, medical.function, medical.manager_id) == (
            Role.DIRECTOR,
            Function.MSL,
            None,
        )
        leaders = {
            "access-manager": director.id,
            "msl-manager": medical.id,
            "nurse-manager": None,
            "manager": director.id,
        }
        for handle, above in leaders.items():
            leader = by_email(demo, f"{handle}@example.com")
            assert leader.role == Role.MANAGER and leader.manager_id == above, handle
            assert verify_password(leader.password_hash, "demo-password")
            for person in LINES[handle]:
                member = by_email(demo, f"{person}@example.com")
                assert member.role == Role.REP and member.manager_id == leader.id, person
                assert member.function in FUNCTIONS[handle], person
                assert verify_password(member.password_hash, "demo-password")
                # The new lines' people have a coaching history of their own, by their own line
                # manager (in sales, rep8 joined recently and has not been coached yet).
                assert handle == "manager" or demo.scalar(
                    select(func.count()).where(
                        Note.rep_id == member.id,
                        Note.manager_id == leader.id,
                        Note.status != NoteStatus.DRAFT,
                    )
                ), person
        # Nobody of the medical line or patient services reports into sales, at any depth.
        for user in demo.scalars(select(User).where(User.role == Role.REP)):
            chain = [user.manager]
            while chain[-1] is not None:
                chain.append(chain[-1].manager)
            if user.function == Function.MSL:
                assert director not in chain, user.email
            if user.function in {Function.MSL, Function.NURSE_EDUCATOR}:
                assert by_email(demo, "manager@example.com") not in chain, user.email

    def test_every_account_team_spans_three_lines(self, demo: Session) -> None:
        plans = demo.scalars(select(AccountPlan).where(AccountPlan.status != "archived")).all()
        assert len(plans) == 18
        for plan in plans:
            line_managers = {member.user.manager_id for member in plan.team}
            assert len(line_managers) >= 3, plan.account.name
            assert plan.owner_id in {member.user_id for member in plan.team}
        rep1 = by_email(demo, "rep1@example.com")
        teams = {
            member.user.email for plan in plans if plan.owner_id == rep1.id for member in plan.team
        }
        assert {"access1@example.com", "msl1@example.com"} <= teams

    def test_texts_vary_per_account_and_person(self, demo: Session) -> None:
        evidence = [text for text in demo.scalars(select(NoteRating.evidence)) if text]
        assert len(evidence) > 1000
        assert len(set(evidence)) / len(evidence) > 0.9

    def test_notes_on_msls_read_as_scientific_exchange(self, demo: Session) -> None:
        """No sales pitch in medical coaching (coaching.toml's medical_competencies)."""
        msls = select(User.id).where(User.function == Function.MSL)
        notes = demo.scalars(select(Note).where(Note.rep_id.in_(msls))).all()
        assert len(notes) > 30
        texts = [
            text
            for note in notes
            for text in (
                note.strengths,
                note.development_focus,
                *(r.evidence for r in note.ratings),
            )
        ]
        for phrase in ("product features", "value story", "dosing card", "capacity calculator"):
            assert not [text for text in texts if phrase in text], phrase
        assert any("unsolicited" in text for text in texts)

    def test_history_has_realistic_spread(self, demo: Session) -> None:
        manager = by_email(demo, "manager@example.com")
        reps = demo.scalars(select(User).where(User.manager_id == manager.id)).all()
        now = dt.datetime.combine(TODAY, dt.time(18), tzinfo=dt.UTC)
        cadence = cadence_for_reps(demo, reps, now)
        statuses = {c.status for c in cadence.values()}
        assert {"on_track", "overdue", "never"} <= statuses
        assert demo.scalar(
            select(func.count()).where(
                Note.status == NoteStatus.DRAFT, Note.manager_id == manager.id
            )
        )
        oldest = demo.scalar(select(func.min(Note.occurred_on)))
        assert oldest is not None and (TODAY - oldest).days > 90

    def test_the_manager_rides_along_tomorrow_and_only_recent_notes_are_unread(
        self, demo: Session
    ) -> None:
        manager = by_email(demo, "manager@example.com")
        ride = demo.scalars(
            select(PlannedRideAlong).where(PlannedRideAlong.manager_id == manager.id)
        ).one()
        assert ride.day == TODAY + dt.timedelta(days=1)  # the manager's evening in New York
        assert ride.rep.email == "rep3@example.com" and ride.plan is not None
        assert ride.plan.owner_id == ride.rep_id
        shown = demo.scalars(select(Note).where(Note.status != NoteStatus.DRAFT)).all()
        unread = [s for s in shown if s.rep_seen_at is None]
        assert unread, "a rep or two have a note they have not opened yet"
        for note in unread:
            assert note.status == NoteStatus.SHARED and (TODAY - note.occurred_on).days <= 3
        for note in shown:
            if note.rep_seen_at is not None:
                assert note.shared_at is not None and note.shared_at <= note.rep_seen_at
                assert note.acknowledged_at is None or note.rep_seen_at <= note.acknowledged_at

    def test_goals_have_actuals_over_four_quarters_that_move_or_stall(self, demo: Session) -> None:
        """DESIGN.md's contract: goals with actuals over four quarters. Every live plan's goals are
        measured (a metric, a baseline and target or stages); most have an actual at the end of
        each of the last four quarters; some are on track, some at risk, a few have no data."""
        plans = demo.scalars(select(AccountPlan).where(AccountPlan.status != "archived")).all()
        goals = [goal for plan in plans for goal in plan.goals]
        assert goals and all(goal.metric for goal in goals)
        assert all(
            goal.stages if goal.kind == "stages" else goal.baseline is not None and goal.target
            for goal in goals
        )
        quarters = {tuple(sorted({a.measured_on for a in goal.actuals})) for goal in goals}
        assert (
            dt.date(2025, 12, 31), dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30)
        ) in quarters  # fmt: skip
        tracks = Counter(goal_attainment(goal, goal.actuals, TODAY).track for goal in goals)
        assert tracks[Track.ON_TRACK] >= 5 and tracks[Track.AT_RISK] >= 5
        assert 0 < tracks[Track.NO_DATA] < len(goals) // 4
        assert all(plan_attainment([goal_attainment(g, g.actuals, TODAY) for g in plan.goals])
                   .goals_with_data for plan in plans)  # fmt: skip
        sources = {actual.source.value for goal in goals for actual in goal.actuals}
        assert sources == {"typed", "imported"}

    def test_its_past_quarters_have_their_attainment_snapshotted(self, demo: Session) -> None:
        """The impact page's closed quarters read the demo's snapshots, as a running worker
        would have left them; the running quarter is computed."""
        goals = demo.scalars(select(PlanGoal)).all()
        shown = quarters_ending(Quarter.of(TODAY))
        attainment = attainment_in_quarters(demo, [goal.id for goal in goals], shown, TODAY)
        *closed, running = shown
        for quarter in closed:
            kept = attainment[quarter]
            assert set(kept.snapshots) == {goal.id for goal in goals}
            assert all(
                kept.of(goal) == goal_attainment(goal, goal.actuals, quarter.end) for goal in goals
            )
        assert attainment[running].snapshots == {}


def test_seeding_twice_adds_nothing(db: Session) -> None:
    seed_demo(db, today=TODAY)
    counts = [db.scalar(select(func.count()).select_from(t)) for t in (User, Note)]
    again = seed_demo(db, today=TODAY)
    assert not any(again.values())
    assert counts == [db.scalar(select(func.count()).select_from(t)) for t in (User, Note)]


def person(db: Session, user: User) -> tuple[object, ...]:
    """What the contract promises of a demo user: who they are and where they report."""
    manager = db.get(User, user.manager_id) if user.manager_id else None
    return (
        user.name, user.role, user.function, user.region, user.timezone,
        manager.email if manager else None,
    )  # fmt: skip


def test_scale_grows_the_directors_subtree_by_regions(db: Session) -> None:
    """DESIGN.md: `--scale N` grows the demo organisation to N regions under
    director@example.com, each with its teams and reps, every contract user kept."""
    seed_demo(db, today=TODAY)
    director = by_email(db, "director@example.com")
    contract = {user.email: person(db, user) for user in db.scalars(select(User))}
    assert len(contract) == 38  # the 37 people of the contract and admin@example.com
    medical = set(db.scalars(subtree_ids(by_email(db, "medical-director@example.com"))))
    subtree = {1: set(db.scalars(subtree_ids(director)))}

    seed_demo(db, scale=3, today=TODAY)
    subtree[3] = set(db.scalars(subtree_ids(director)))
    regional = db.scalars(
        select(User).where(User.manager_id == director.id, User.role == Role.DIRECTOR)
    ).all()
    assert sorted(user.email for user in regional) == [
        "r2.director@example.com",
        "r3.director@example.com",
    ]
    now = dt.datetime.combine(TODAY, dt.time(18), tzinfo=dt.UTC)
    for head in regional:
        managers = db.scalars(select(User).where(User.manager_id == head.id)).all()
        assert len(managers) == 5 and {m.role for m in managers} == {Role.MANAGER}
        reps = db.scalars(select(User).where(User.manager_id.in_([m.id for m in managers]))).all()
        assert len(reps) == 51 and {r.role for r in reps} == {Role.REP}
        # The commercial line only: medical affairs and patient services keep their own.
        assert {r.function for r in reps} == {
            Function.SALES,
            Function.KEY_ACCOUNT,
            Function.MARKET_ACCESS,
            Function.REIMBURSEMENT,
        }
        # One region, named, in its own time zone; coaching history with a spread.
        assert len({u.region for u in (head, *managers, *reps)}) == 1 and head.region
        assert head.region not in {"Northeast", "Southeast", "Midwest", "West", "National"}
        statuses = {c.status for c in cadence_for_reps(db, reps, now).values()}
        assert {"on_track", "overdue"} <= statuses
    assert len(subtree[3]) == len(subtree[1]) + 2 * (1 + 5 + 51)
    assert subtree[1] < subtree[3]
    assert set(db.scalars(subtree_ids(by_email(db, "medical-director@example.com")))) == medical
    # Every contract user exists once, as they were.
    for email, before in contract.items():
        assert db.scalar(select(func.count()).where(User.email == email)) == 1, email
        assert person(db, by_email(db, email)) == before, email

    tables = (User, Note, AccountPlan, PlannedRideAlong)
    counts = [db.scalar(select(func.count()).select_from(t)) for t in tables]
    for scale in (3, 2):
        assert not any(seed_demo(db, scale=scale, today=TODAY).values())
    assert counts == [db.scalar(select(func.count()).select_from(t)) for t in tables]


def test_a_scale_beyond_the_regions_is_refused(runner: Any, db: Session) -> None:
    result = runner.invoke(args=["seed-demo", "--scale", "999"])
    assert result.exit_code == 2 and "regions" in result.output, result.output
    assert not db.scalar(select(func.count()).select_from(User))


def test_seed_demo_command_if_empty(runner: Any, db: Session) -> None:
    first = runner.invoke(args=["seed-demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "demo-password" in first.output
    second = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has users" in second.output


def demo_data_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(Path(coachapp.demo.__file__).parent / "data", folder)
    return folder


def append(path: Path, lines: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(textwrap.dedent(lines))


def test_a_person_and_a_note_are_a_few_lines_of_data(db: Session, tmp_path: Path) -> None:
    data = demo_data_copy(tmp_path)
    append(
        data / "accounts.toml",
        """
        [[accounts]]
        name = "Harbor Point Health"
        short = "Harbor Point"
        type = "health_system"
        region = "Northeast"
        situation = "Two-hospital system."
        priorities = ["Formulary review.", "Infusion in-services.", "Payer mix."]
        """,
    )
    append(
        data / "people.toml",
        """
        [[reps]]
        handle = "access9"
        name = "Noor Haddad"
        function = "market_access"
        timezone = "America/New_York"
        manager = "manager"
        account = "Harbor Point"
        joined_days_ago = 200
        last_coached_days_ago = [3, 9]
        """,
    )
    append(
        data / "notes.toml",
        """
        [[notes]]
        rep = "access9"
        days_ago = 2
        type = "one_on_one"
        status = "shared"
        strengths = "Briefed the account team on the payer policy change the same day."
        ratings = [
            { competency = "team_communication", score = 4, evidence = "Three lines, same day." },
            { competency = "questioning" },
        ]
        follow_ups = [{ owner = "rep", title = "Send the policy summary", due_in_days = 5 }]
        """,
    )
    seed_demo(db, today=TODAY, content=load_content(data))

    person = by_email(db, "access9@example.com")
    assert person.manager_id == by_email(db, "manager@example.com").id
    assert (person.role, person.function, person.region) == (
        Role.REP,
        Function.MARKET_ACCESS,
        "Northeast",
    )
    assert db.scalar(select(func.count()).where(AccountPlan.owner_id == person.id)) == 1
    written = db.scalars(
        select(Note).where(
            Note.rep_id == person.id,
            Note.strengths.startswith("Briefed the account team"),
        )
    ).one()
    assert written.occurred_on == TODAY - dt.timedelta(days=2)
    assert written.status == NoteStatus.SHARED and written.rep_seen_at is None  # still new
    assert sorted(r.score or 0 for r in written.ratings) == [0, 4]
    assert [(f.title, f.due_date) for f in written.follow_ups] == [
        ("Send the policy summary", TODAY + dt.timedelta(days=3))
    ]
    generated = db.scalar(
        select(func.count()).where(Note.rep_id == person.id, Note.id != written.id)
    )
    assert generated, "the new rep also has a coaching history drawn for them"


@pytest.mark.parametrize(
    ("file", "lines", "message"),
    [
        ("people.toml", _REP + 'focsu = ["questioning"]\n', "reps[29]: unknown focsu"),
        ("people.toml", _REP + 'focus = ["listening"]\n', "not competencies of the default"),
        ("people.toml", _REP.replace("manager3", "manager9"), "'manager9' is no leader"),
        ("people.toml", _REP.replace("Maple Bend", "Nowhere"), "'Nowhere' is unknown"),
        ("people.toml", _REP.replace('"msl"', '"surgeon"'), "'surgeon' is not one of"),
        ("people.toml", _REP.replace("rep99", "rep1"), "handles used twice: rep1"),
        ("notes.toml", '[[notes]]\nrep = "rep1"\n', "notes[0]: days_ago is missing"),
        ("accounts.toml", "[[accounts]\n", "accounts.toml: "),  # not TOML
    ],
)
def test_a_mistake_in_the_data_names_its_place(
    tmp_path: Path, file: str, lines: str, message: str
) -> None:
    data = demo_data_copy(tmp_path)
    append(data / file, "\n" + lines)
    with pytest.raises(DemoDataError, match=re.escape(message)):
        load_content(data)


def test_a_text_naming_an_unknown_context_is_refused(tmp_path: Path) -> None:
    data = demo_data_copy(tmp_path)
    coaching = data / "coaching.toml"
    coaching.write_text(
        coaching.read_text(encoding="utf-8").replace("{rep_first}", "{first_name}"),
        encoding="utf-8",
    )
    with pytest.raises(DemoDataError, match=re.escape("unknown {first_name}")):
        load_content(data)
