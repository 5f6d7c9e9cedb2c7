"""A manager's team and a rep's page: who is on it, their accounts, their coaching."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from coachapp import policy
from coachapp.coaching.cadence import DEFAULT_WINDOW_DAYS, RepCadence, cadence_for_reps
from coachapp.coaching.preparation import open_follow_ups_of
from coachapp.dashboard.service import CadenceFilters, RepRow, cadence_rows
from coachapp.models import (
    Account,
    AccountPlan,
    CoachingSession,
    FollowUp,
    FollowUpStatus,
    PlanStatus,
    PlanTeamMember,
    Role,
    SessionStatus,
    User,
)
from coachapp.plans.service import plans_with_person


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
    sessions: list[CoachingSession]
    open_follow_ups: list[FollowUp]


def person_page(db: Session, viewer: User, person_id: int, now: dt.datetime) -> PersonPage:
    person = policy.person_or_404(db, viewer, person_id)
    cadence = None
    if person.role == Role.REP:
        cadence = cadence_for_reps(db, [person], now)[person.id]
    plans = plans_with_person(db, viewer, person.id, options=[joinedload(AccountPlan.account)])
    sessions = db.scalars(
        policy.visible_sessions(viewer)
        .where(CoachingSession.rep_id == person.id)
        .order_by(CoachingSession.occurred_on.desc(), CoachingSession.id.desc())
        .limit(10)
    ).all()
    follow_ups = open_follow_ups_of(db, viewer, person)
    return PersonPage(person, cadence, list(plans), list(sessions), list(follow_ups))


def drafts_of(db: Session, manager: User) -> list[CoachingSession]:
    """The manager's unfinished notes, with the rep and account each one names."""
    return list(
        db.scalars(
            select(CoachingSession)
            .where(
                CoachingSession.manager_id == manager.id,
                CoachingSession.status == SessionStatus.DRAFT,
            )
            .options(joinedload(CoachingSession.rep), joinedload(CoachingSession.account))
            .order_by(CoachingSession.updated_at.desc())
        ).all()
    )


def follow_ups_due(db: Session, viewer: User, until: dt.date) -> list[FollowUp]:
    """Open follow-ups the viewer can see, due by a date (overdue included)."""
    return list(
        db.scalars(
            policy.visible_follow_ups(viewer)
            .where(FollowUp.status == FollowUpStatus.OPEN, FollowUp.due_date <= until)
            .options(joinedload(FollowUp.owner))
            .order_by(FollowUp.due_date)
            .limit(50)
        ).all()
    )
