"""An account's team across reporting lines, as one viewer may see it: every member with their
function, line manager, role on the account and open plan actions, and when each function last
engaged the customer.

Who sees it is coachapp.policy.account_or_404: the members and each member's line (managers
and directors above them); anyone else gets 404. What it shows of a member is what the account
team shares across lines, the plan and who is on it, never coaching content. A member's name
links to their person page only where policy.people_scope opens that page to the viewer.

When a function last engaged the customer is drawn from two facts and no others:
- a plan action on one of the account's live plans marked done by someone of that function, on
  the day it was done: plan content, which every member and every member's line already reads;
- a ride-along or a virtual call at this account, from a coaching note the viewer may read
  themselves (policy.notes_scope, which keeps the medical and the commercial line apart): its
  day and its kind, nothing of what it says.
So a commercial manager never learns from this page when an MSL was coached at the account (the
MSL's function shows its last completed plan action only), and two viewers may see different
days for one function: each sees what they could read already. Left out on purpose: changes to
the plan (writing the plan is not meeting the customer) and the calls a manager captures during
a ride-along day (the manager's working notes, which name the account in free text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from coachapp import policy
from coachapp.languages import gettext
from coachapp.models import (
    FUNCTION_LABELS,
    NOTE_TYPE_LABELS,
    Account,
    AccountPlan,
    ActionStatus,
    Function,
    Note,
    NoteType,
    PlanActionItem,
    PlanTeamMember,
    User,
)
from coachapp.timezones import local_time

OWNER_ROLE = "Plan owner"
# Coaching conversations held with the customer: the manager saw the member at the account.
AT_THE_CUSTOMER = (NoteType.RIDE_ALONG, NoteType.VIRTUAL_CALL)


@dataclass(frozen=True)
class OpenAction:
    id: int
    plan_id: int
    title: str
    due_date: dt.date | None
    overdue: bool


@dataclass(frozen=True)
class LastContact:
    """When someone of one function last engaged the customer, as far as the viewer knows."""

    function: Function
    on: dt.date | None
    how: str  # "Ride-along", "Virtual call" or "Action done: <title>"; "" when never
    by: str  # who it was; "" when never

    @property
    def function_label(self) -> str:
        return FUNCTION_LABELS[self.function]


@dataclass(frozen=True)
class Member:
    person: User
    role_on_account: str
    open_actions: tuple[OpenAction, ...]
    owns_a_plan: bool
    # The viewer may open the member's, and the line manager's, person page.
    page_open: bool
    manager_page_open: bool
    last_contact_of_function: LastContact

    @property
    def user_id(self) -> int:
        return self.person.id

    @property
    def name(self) -> str:
        return self.person.name

    @property
    def email(self) -> str:
        return self.person.email

    @property
    def function(self) -> Function:
        return self.person.function

    @property
    def line_manager(self) -> User | None:
        return self.person.manager

    @property
    def line_manager_id(self) -> int | None:
        return self.person.manager_id

    @property
    def function_last_engaged_on(self) -> dt.date | None:
        return self.last_contact_of_function.on


@dataclass(frozen=True)
class AccountTeam:
    account: Account
    plans: tuple[AccountPlan, ...]  # the account's live plans, newest period first
    visible_plan_ids: frozenset[int]  # those the viewer may open
    members: tuple[Member, ...]  # plan owners first, then by name
    last_contact: tuple[LastContact, ...]  # one per function on the team, in Function order

    @property
    def visible_plans(self) -> tuple[AccountPlan, ...]:
        return tuple(plan for plan in self.plans if plan.id in self.visible_plan_ids)


def account_team(db: Session, viewer: User, account_id: int, today: dt.date) -> AccountTeam:
    """The account's team as the viewer may see it (404 outside policy.account_or_404);
    `today` is the viewer's day, against which actions are overdue."""
    account = policy.account_or_404(db, viewer, account_id)
    plans = _live_plans(db, account.id)
    seats = _seats(plans)
    people = {person.id: person for person, _ in seats.values()}
    managers = {p.manager_id for p in people.values() if p.manager_id is not None}
    pages = set(
        db.scalars(
            select(User.id).where(User.id.in_(set(people) | managers), policy.people_scope(viewer))
        )
    )
    actions = _open_actions(plans, today)
    functions = [f for f in Function if any(p.function == f for p in people.values())]
    contacts = _last_contacts(db, viewer, account.id, plans, functions)
    members = [
        Member(
            person=person,
            role_on_account="; ".join(roles),
            open_actions=tuple(actions.get(person.id, ())),
            owns_a_plan=any(plan.owner_id == person.id for plan in plans),
            page_open=person.id in pages,
            manager_page_open=person.manager_id in pages,
            last_contact_of_function=contacts[person.function],
        )
        for person, roles in seats.values()
    ]
    members.sort(key=lambda m: (not m.owns_a_plan, m.name.casefold(), m.user_id))
    visible = frozenset(
        db.scalars(
            select(AccountPlan.id).where(
                AccountPlan.account_id == account.id, policy.plans_scope(viewer)
            )
        )
    )
    return AccountTeam(
        account=account,
        plans=tuple(plans),
        visible_plan_ids=visible,
        members=tuple(members),
        last_contact=tuple(contacts[f] for f in functions),
    )


def _live_plans(db: Session, account_id: int) -> Sequence[AccountPlan]:
    return (
        db.scalars(
            policy.live_account_plans(account_id)
            .options(
                joinedload(AccountPlan.owner).joinedload(User.manager),
                selectinload(AccountPlan.team)
                .joinedload(PlanTeamMember.user)
                .joinedload(User.manager),
                selectinload(AccountPlan.action_items).joinedload(PlanActionItem.owner),
            )
            .order_by(AccountPlan.period.desc(), AccountPlan.id)
        )
        .unique()
        .all()
    )


def _seats(plans: Iterable[AccountPlan]) -> dict[int, tuple[User, list[str]]]:
    """Everyone on the team (owners and members of every live plan) with their roles on the
    account: what they are responsible for on each plan, said once."""
    seats: dict[int, tuple[User, list[str]]] = {}

    def seat(person: User, role: str) -> None:
        _, roles = seats.setdefault(person.id, (person, []))
        role = role.strip()
        if role and role not in roles:
            roles.append(role)

    for plan in plans:
        own_seat = next((m for m in plan.team if m.user_id == plan.owner_id), None)
        written = own_seat.responsibility if own_seat is not None else ""
        # An owner's responsibility often starts by saying so ("Plan owner. Product education…").
        if not written.strip().casefold().startswith(OWNER_ROLE.casefold()):
            seat(plan.owner, OWNER_ROLE)
        for member in plan.team:
            seat(member.user, member.responsibility)
    return seats


def _open_actions(plans: Iterable[AccountPlan], today: dt.date) -> dict[int, list[OpenAction]]:
    found: dict[int, list[OpenAction]] = {}
    for plan in plans:
        for action in plan.action_items:
            if action.status != ActionStatus.OPEN:
                continue
            overdue = action.due_date is not None and action.due_date < today
            found.setdefault(action.owner_id, []).append(
                OpenAction(action.id, plan.id, action.title, action.due_date, overdue)
            )
    for actions in found.values():
        actions.sort(key=lambda a: (a.due_date is None, a.due_date or dt.date.max, a.id))
    return found


def _last_contacts(
    db: Session,
    viewer: User,
    account_id: int,
    plans: Sequence[AccountPlan],
    functions: Iterable[Function],
) -> dict[Function, LastContact]:
    """The latest contact per function (see the module's docstring for what counts)."""
    latest = {f: LastContact(f, None, "", "") for f in Function}

    def offer(found: LastContact) -> None:
        current = latest[found.function].on
        if found.on is not None and (current is None or found.on > current):
            latest[found.function] = found

    for plan in plans:
        for action in plan.action_items:
            if action.status == ActionStatus.DONE and action.completed_at is not None:
                day = local_time(action.completed_at, viewer.timezone).date()
                done = gettext("Action done: %(title)s", title=action.title)
                offer(LastContact(action.owner.function, day, done, action.owner.name))
    plan_ids = [plan.id for plan in plans]
    notes = db.execute(
        select(Note.occurred_on, Note.type, User.function, User.name)
        .join(User, User.id == Note.rep_id)
        .where(
            policy.notes_scope(viewer),
            or_(Note.account_id == account_id, Note.plan_id.in_(plan_ids)),
            Note.type.in_(AT_THE_CUSTOMER),
        )
    )
    for occurred_on, kind, function, name in notes:
        if kind is not None:  # always, by the query; a kind not yet chosen is no visit
            offer(LastContact(function, occurred_on, NOTE_TYPE_LABELS[kind], name))
    wanted = set(functions)
    return {f: contact for f, contact in latest.items() if f in wanted}
