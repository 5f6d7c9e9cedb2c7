"""A manager's team and a rep's page: who is on it, their accounts, their coaching."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from coachapp import policy
from coachapp.coaching.cadence import DEFAULT_WINDOW_DAYS, RepCadence, cadence_for_reps
from coachapp.coaching.preparation import open_follow_ups_of
from coachapp.coaching.service import FollowUpCounts, follow_up_counts
from coachapp.dashboard.service import CadenceFilters, RepRow, cadence_rows
from coachapp.models import (
    Account,
    AccountPlan,
    FollowUp,
    Note,
    NoteStatus,
    PlannedRideAlong,
    PlanStatus,
    PlanTeamMember,
    Role,
    User,
)
from coachapp.plans.service import plans_with_person
from coachapp.ride_alongs import service as ride_alongs


@dataclass
class TeamRow:
    rep: User
    cadence: RepCadence
    accounts: list[str] = field(default_factory=list)


def accounts_by_person(db: Session, user_ids: list[int]) -> dict[int, list[str]]:
    """Account names each person works on, as plan owner or account-team member."""
    if not user_ids:
        return {}
    live = AccountPlan.status != PlanStatus.ARCHIVED
    owned = (
        select(AccountPlan.owner_id, Account.name)
        .join(Account)
        .where(AccountPlan.owner_id.in_(user_ids), live)
    )
    member = (
        select(PlanTeamMember.user_id, Account.name)
        .join(AccountPlan, PlanTeamMember.plan_id == AccountPlan.id)
        .join(Account)
        .where(PlanTeamMember.user_id.in_(user_ids), live)
    )
    names: dict[int, set[str]] = {}
    for user_id, name in db.execute(owned.union(member)).all():
        names.setdefault(user_id, set()).add(name)
    return {user_id: sorted(found) for user_id, found in names.items()}


def team_rows(db: Session, rows: list[RepRow]) -> list[TeamRow]:
    accounts = accounts_by_person(db, [row.rep.id for row in rows])
    return [TeamRow(row.rep, row.cadence, accounts.get(row.rep.id, [])) for row in rows]


def team_of(
    db: Session, viewer: User, now: dt.datetime, window_days: int = DEFAULT_WINDOW_DAYS
) -> list[TeamRow]:
    """The viewer's reps with their cadence figures, who needs coaching next first."""
    filters = CadenceFilters(window_days=window_days)
    return team_rows(db, cadence_rows(db, viewer, filters, now))


@dataclass
class PersonPage:
    person: User
    cadence: RepCadence | None
    plans: list[AccountPlan]
    notes: list[Note]
    open_follow_ups: list[FollowUp]


def person_page(db: Session, viewer: User, person_id: int, now: dt.datetime) -> PersonPage:
    person = policy.person_or_404(db, viewer, person_id)
    cadence = None
    if person.role == Role.REP:
        cadence = cadence_for_reps(db, [person], now)[person.id]
    plans = plans_with_person(
        db,
        viewer,
        person.id,
        options=[joinedload(AccountPlan.account), joinedload(AccountPlan.owner)],
    )
    notes = policy.as_seen_by(
        db,
        viewer,
        db.scalars(
            policy.visible_notes(viewer)
            .where(Note.rep_id == person.id)
            .order_by(Note.occurred_on.desc(), Note.id.desc())
            .limit(10)
        ).all(),
    )
    follow_ups = open_follow_ups_of(db, viewer, person)
    return PersonPage(person, cadence, list(plans), list(notes), list(follow_ups))


# Who is due for coaching: overdue, never coached, or due within a few days. Today counts
# them and the Team page filtered with ?due=1 lists them.
NEEDS_COACHING = frozenset({"overdue", "never", "due_soon"})
DUE_NAMES = 3


def needs_coaching(rows: list[TeamRow]) -> list[TeamRow]:
    return [row for row in rows if row.cadence.status in NEEDS_COACHING]


@dataclass
class TodayPage:
    """A manager's day at a glance: how many of each thing wait, not every item (each count
    links to the list it counts), and the ride-alongs of today and tomorrow."""

    team_size: int
    coaching_due: int
    # First names of those most in need of coaching, to say who without listing them.
    due_names: list[str]
    drafts: int
    follow_ups: FollowUpCounts
    rides: list[PlannedRideAlong]


def today_page(db: Session, manager: User, now: dt.datetime, today: dt.date) -> TodayPage:
    rows = cadence_rows(db, manager, CadenceFilters(), now)
    drafts = db.scalar(
        select(func.count()).where(
            Note.manager_id == manager.id,
            Note.status == NoteStatus.DRAFT,
        )
    )
    rides = ride_alongs.rides_of(
        db,
        manager,
        today,
        until=today + dt.timedelta(days=1),
        options=[
            joinedload(PlannedRideAlong.rep),
            joinedload(PlannedRideAlong.plan).joinedload(AccountPlan.account),
        ],
    )
    due = [row for row in rows if row.cadence.status in NEEDS_COACHING]
    return TodayPage(
        team_size=len(rows),
        coaching_due=len(due),
        due_names=[row.rep.first_name for row in due[:DUE_NAMES]],
        drafts=drafts or 0,
        follow_ups=follow_up_counts(db, manager, today),
        rides=[ride for ride in rides if ride.manager_id == manager.id],
    )
