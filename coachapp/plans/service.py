"""Account plans: reading, writing piece by piece, concurrency, and the plan's history.

Pages, the API and the worker all come here. Every read goes through coachapp.policy;
every write checks who may make it and records it in the audit trail.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from coachapp import audit, policy
from coachapp.db import utcnow
from coachapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coachapp.field_messages import filled_in
from coachapp.languages import N_
from coachapp.listing import Choices, choices_among
from coachapp.models import (
    Account,
    AccountPlan,
    ActionStatus,
    AuditEvent,
    FollowUp,
    FollowUpStatus,
    PlanActionItem,
    PlanGoal,
    PlanStakeholder,
    PlanTeamMember,
    Role,
    User,
)
from coachapp.versioning import (
    ExpectedVersion,
    VersionRequired,
    check_version,
    commit_versioned,
    merge_fields,
    plain_value,
)

PLAN_FIELDS = (
    "period",
    "status",
    "insights_need_approval",
    "strategic_priorities",
    "profile_business",
    "profile_clinical",
    "profile_operational",
    "profile_reimbursement",
)
GOAL_FIELDS = (
    "title", "measure", "target_date", "status", "value",
    "kind", "metric", "unit", "baseline", "baseline_date", "target", "stages",
)  # fmt: skip
ACTION_FIELDS = ("title", "owner_id", "due_date", "status")
# What a teammate may change on an action they own in someone else's plan.
ACTION_FIELDS_FOR_ASSIGNEE = ("due_date", "status")
STAKEHOLDER_FIELDS = ("name", "title", "decision_role", "relationship")


def full_plan_options() -> list[Any]:
    """Everything the plan page, completeness and the API need, in a fixed number of queries."""
    return [joinedload(AccountPlan.account), joinedload(AccountPlan.owner), *plan_items_options()]


def plan_items_options() -> list[Any]:
    """full_plan_options but the account and the owner (for a query that joins them already):
    goals with their actuals, actions with their owners, stakeholders, the team."""
    return [
        selectinload(AccountPlan.goals).selectinload(PlanGoal.actuals),
        selectinload(AccountPlan.action_items).joinedload(PlanActionItem.owner),
        selectinload(AccountPlan.stakeholders),
        selectinload(AccountPlan.team).joinedload(PlanTeamMember.user),
    ]


# Reading ----------------------------------------------------------------------


def get_plan(db: Session, viewer: User, plan_id: int) -> AccountPlan:
    plan = db.scalars(
        policy.visible_plans(viewer).where(AccountPlan.id == plan_id).options(*full_plan_options())
    ).first()
    if plan is None:
        raise NotFound()
    return plan


def plans_with_person(
    db: Session,
    viewer: User,
    person_id: int,
    *,
    options: Sequence[Any] | None = None,
) -> Sequence[AccountPlan]:
    """Plans a person owns or is on the account team of, as far as the viewer may see them,
    newest period first; loaded in full (full_plan_options) unless `options` say otherwise."""
    query = policy.visible_plans(viewer).where(
        (AccountPlan.owner_id == person_id)
        | AccountPlan.team.any(PlanTeamMember.user_id == person_id)
    )
    query = query.options(*(full_plan_options() if options is None else options)).order_by(
        AccountPlan.period.desc(), AccountPlan.id
    )
    return db.scalars(query).unique().all()


def plans_of_person(db: Session, viewer: User, person_id: int) -> Sequence[AccountPlan]:
    """Every plan of a person the viewer may see, newest period first; anyone outside the
    viewer's scope is not found."""
    if person_id != viewer.id:
        policy.person_or_404(db, viewer, person_id)
    return plans_with_person(db, viewer, person_id)


def may_join_a_team(person: User) -> bool:
    """Who may be on an account team: an active rep of any function, in any line."""
    return person.active and person.role == Role.REP


def team_choices(
    db: Session, plan: AccountPlan, q: str = "", chosen: int | None = None
) -> Choices[User]:
    """Active reps of any function not yet on the account team (may_join_a_team, as a query),
    found by `q` in a name or an email address, by name; `chosen` kept (listing.choices_among)."""
    wanted = [
        User.active.is_(True),
        User.role == Role.REP,
        User.id.not_in([member.user_id for member in plan.team] or [0]),
    ]
    return choices_among(db, User, wanted, (User.name, User.id), q, (User.name, User.email), chosen)


def account_choices(
    db: Session, q: str = "", chosen: int | None = None, territory_ids: Collection[int] = ()
) -> Choices[Account]:
    """The accounts a new plan may be written for (every account: a plan's account is the
    organisation's), found by `q` in their name, region or CRM id, by name, those in
    `territory_ids` (the writer's own territories) first; `chosen` kept."""
    searched = (Account.name, Account.region, Account.external_id)
    order: list[Any] = [Account.name, Account.id]
    if territory_ids:
        order.insert(0, case((Account.territory_id.in_(territory_ids), 0), else_=1))
    return choices_among(db, Account, (), order, q, searched, chosen)


def history(db: Session, viewer: User, plan_id: int, limit: int = 100) -> Sequence[AuditEvent]:
    plan = get_plan(db, viewer, plan_id)
    return db.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "plan", AuditEvent.object_id == plan.id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()


# Permissions ------------------------------------------------------------------


def _require_owner(viewer: User, plan: AccountPlan) -> None:
    if not policy.can_edit_plan(viewer, plan):
        raise PermissionDenied("Only the plan's owner can change this part of the plan.")


def _editable_plan(db: Session, viewer: User, plan_id: int) -> AccountPlan:
    plan = get_plan(db, viewer, plan_id)
    _require_owner(viewer, plan)
    return plan


def touch_plan(db: Session, plan: AccountPlan) -> None:
    """Marks activity on the plan without bumping its own version (items have theirs)."""
    now = utcnow()
    db.execute(update(AccountPlan).where(AccountPlan.id == plan.id).values(last_activity_at=now))
    db.expire(plan, ["last_activity_at"])


def _values(obj: Any, names: Sequence[str]) -> dict[str, Any]:
    return {name: plain_value(getattr(obj, _attribute(name))) for name in names}


def _attribute(name: str) -> str:
    return "relationship_strength" if name == "relationship" else name


def _record(db: Session, viewer: User, plan: AccountPlan, action: str, **details: Any) -> None:
    audit.record(db, viewer, action, "plan", plan.id, **details)


def _comparable(value: Any) -> str:
    """Form posts, JSON and the database compare as text: None and "" alike."""
    plain = plain_value(value)
    if isinstance(plain, float) and plain.is_integer():
        return str(int(plain))  # 12.0 is shown and typed as 12
    return "" if plain is None else str(plain)


def _apply(
    db: Session,
    viewer: User,
    plan: AccountPlan,
    obj: Any,
    names: Sequence[str],
    changes: dict[str, Any],
    *,
    expected_version: ExpectedVersion,
    bases: dict[str, Any] | None,
    require_version: bool,
    action: str,
    item: str,
    also: dict[str, Any] | None = None,
) -> dict[str, list[Any]]:
    """Applies validated changes to a plan or one of its items under optimistic locking.

    `bases` (HTML autosave) checks field by field; otherwise the whole object's version.
    `also` are attributes that follow from the change (e.g. completed_at).
    """
    changes = {k: v for k, v in changes.items() if k in names}
    current = _values(obj, names)
    before = {k: _comparable(v) for k, v in current.items()}
    after = {k: _comparable(v) for k, v in changes.items()}
    if bases is not None:
        merge_fields(
            obj.version,
            before,
            after,
            {k: _comparable(v) for k, v in bases.items() if k in changes},
        )
    else:
        if expected_version is None and require_version:
            raise VersionRequired()
        check_version(obj.version, expected_version, current)
    wanted = {k: v for k, v in changes.items() if after[k] != before[k]}
    if not wanted:
        return {}
    for name, value in {**wanted, **(also or {})}.items():
        setattr(obj, _attribute(name), value)
    try:
        db.flush()
    except IntegrityError as exc:
        db.rollback()
        raise Conflict(
            "That would clash with another plan for the same account and period."
        ) from exc
    touch_plan(db, plan)
    diff = {k: [current[k], plain_value(v)] for k, v in wanted.items()}
    _record(db, viewer, plan, action, item=item, item_id=obj.id, changes=_short(diff))
    commit_versioned(db, obj)
    return diff


def _short(diff: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Audit details keep long texts short; the plan itself holds the full text."""
    return {
        k: [v[:200] + "…" if isinstance(v, str) and len(v) > 200 else v for v in pair]
        for k, pair in diff.items()
    }


# Plans ------------------------------------------------------------------------


def _has_a_plan(account: str, period: str) -> str:
    return filled_in(
        N_("%(account)s already has a plan for %(period)s."), account=account, period=period
    )


def create_plan(db: Session, viewer: User, data: dict[str, Any]) -> AccountPlan:
    """A rep starts a plan for an account (existing, or new by name) and a period."""
    if viewer.role != Role.REP:
        raise PermissionDenied("Plans are written by the account team member who owns them.")
    account = _account_for(db, data)
    exists = db.scalar(
        select(func.count()).where(
            AccountPlan.account_id == account.id, AccountPlan.period == data["period"]
        )
    )
    if exists:
        raise Conflict(
            _has_a_plan(account.name, data["period"]),
            {"period": ["There is already a plan for this account and period."]},
        )
    plan = AccountPlan(
        account_id=account.id,
        period=data["period"],
        owner_id=viewer.id,
        status=data.get("status") or "draft",
        strategic_priorities=data.get("strategic_priorities") or "",
    )
    plan.team = [PlanTeamMember(user_id=viewer.id, responsibility="Plan owner")]
    db.add(plan)
    try:
        db.flush()
    except IntegrityError as exc:
        db.rollback()
        raise Conflict(_has_a_plan(account.name, data["period"])) from exc
    _record(db, viewer, plan, "plan.create", account=account.name, period=plan.period)
    db.commit()
    return get_plan(db, viewer, plan.id)


def _account_for(db: Session, data: dict[str, Any]) -> Account:
    if data.get("account_id"):
        account = db.get(Account, data["account_id"])
        if account is None:
            raise InvalidInput("Choose an account from the list.", {"account_id": ["Unknown."]})
        return account
    name = (data.get("account_name") or "").strip()
    if not name:
        raise InvalidInput(
            "Choose an account or name a new one.",
            {"account_id": ["Choose an account or enter a new account's name."]},
        )
    existing = db.scalars(select(Account).where(func.lower(Account.name) == name.lower())).first()
    if existing is not None:
        return existing
    account = Account(
        name=name, type=data.get("account_type") or "idn", region=data.get("account_region") or ""
    )
    db.add(account)
    db.flush()
    return account


def update_plan(
    db: Session,
    viewer: User,
    plan_id: int,
    changes: dict[str, Any],
    *,
    expected_version: ExpectedVersion = None,
    bases: dict[str, Any] | None = None,
    require_version: bool = False,
) -> AccountPlan:
    plan = _editable_plan(db, viewer, plan_id)
    _apply(
        db, viewer, plan, plan, PLAN_FIELDS, changes,
        expected_version=expected_version, bases=bases, require_version=require_version,
        action="plan.update", item="plan",
    )  # fmt: skip
    return plan


# Goals ------------------------------------------------------------------------


def _item(plan: AccountPlan, items: Sequence[Any], item_id: int) -> Any:
    for item in items:
        if item.id == item_id:
            return item
    raise NotFound()


def check_goal_shape(values: dict[str, Any]) -> None:
    """A stage goal has at least two stages; a baseline is dated no later than the target."""
    errors: dict[str, list[str]] = {}
    if plain_value(values.get("kind")) == "stages" and len(values.get("stages") or []) < 2:
        errors["stages"] = ["List at least two stages, one per line, in order."]
    start, end = values.get("baseline_date"), values.get("target_date")
    if start and end and start >= end:
        errors["baseline_date"] = ["Date the baseline before the target date."]
    if errors:
        raise InvalidInput("Check the goal's figures.", errors)


def add_goal(db: Session, viewer: User, plan_id: int, data: dict[str, Any]) -> PlanGoal:
    plan = _editable_plan(db, viewer, plan_id)
    check_goal_shape(data)
    goal = PlanGoal(position=len(plan.goals), **_only(data, GOAL_FIELDS))
    plan.goals.append(goal)
    db.flush()
    touch_plan(db, plan)
    _record(db, viewer, plan, "plan.goal.add", item="goal", item_id=goal.id, title=goal.title)
    db.commit()
    return goal


def update_goal(
    db: Session,
    viewer: User,
    plan_id: int,
    goal_id: int,
    changes: dict[str, Any],
    *,
    expected_version: ExpectedVersion = None,
    bases: dict[str, Any] | None = None,
    require_version: bool = False,
) -> PlanGoal:
    plan = _editable_plan(db, viewer, plan_id)
    goal: PlanGoal = _item(plan, plan.goals, goal_id)
    current = {name: getattr(goal, name) for name in GOAL_FIELDS}
    check_goal_shape({**current, **{k: v for k, v in changes.items() if k in GOAL_FIELDS}})
    _apply(
        db, viewer, plan, goal, GOAL_FIELDS, changes,
        expected_version=expected_version, bases=bases, require_version=require_version,
        action="plan.goal.update", item="goal",
    )  # fmt: skip
    return goal


def delete_goal(db: Session, viewer: User, plan_id: int, goal_id: int) -> None:
    plan = _editable_plan(db, viewer, plan_id)
    goal: PlanGoal = _item(plan, plan.goals, goal_id)
    plan.goals.remove(goal)
    touch_plan(db, plan)
    _record(db, viewer, plan, "plan.goal.delete", item="goal", item_id=goal_id, title=goal.title)
    db.commit()


# Action items -----------------------------------------------------------------


def _check_owner_on_team(plan: AccountPlan, owner_id: int) -> None:
    if owner_id not in {member.user_id for member in plan.team}:
        raise InvalidInput(
            "The owner must be on the account team.",
            {"owner_id": ["Add this person to the account team first."]},
        )


def add_action(db: Session, viewer: User, plan_id: int, data: dict[str, Any]) -> PlanActionItem:
    plan = _editable_plan(db, viewer, plan_id)
    _check_owner_on_team(plan, data["owner_id"])
    action = PlanActionItem(**_only(data, ACTION_FIELDS))
    if action.status == ActionStatus.DONE:
        action.completed_at = utcnow()
    plan.action_items.append(action)
    db.flush()
    touch_plan(db, plan)
    _record(
        db, viewer, plan, "plan.action.add", item="action", item_id=action.id, title=action.title
    )
    db.commit()
    return action


def can_update_action(viewer: User, plan: AccountPlan, action: PlanActionItem) -> bool:
    return policy.can_edit_plan(viewer, plan) or (
        viewer.role == Role.REP and action.owner_id == viewer.id
    )


def update_action(
    db: Session,
    viewer: User,
    plan_id: int,
    action_id: int,
    changes: dict[str, Any],
    *,
    expected_version: ExpectedVersion = None,
    bases: dict[str, Any] | None = None,
    require_version: bool = False,
) -> PlanActionItem:
    """The plan owner changes anything; a teammate updates the date and status of their own."""
    plan = get_plan(db, viewer, plan_id)
    action: PlanActionItem = _item(plan, plan.action_items, action_id)
    if not can_update_action(viewer, plan, action):
        raise PermissionDenied("Only the plan owner or the action's owner can update it.")
    allowed = ACTION_FIELDS if policy.can_edit_plan(viewer, plan) else ACTION_FIELDS_FOR_ASSIGNEE
    refused = sorted(set(changes) - set(allowed))
    if refused:
        raise PermissionDenied(
            "You can update the status and due date of your own actions; the plan owner "
            "changes the rest.",
            {name: ["Only the plan owner can change this."] for name in refused},
        )
    if "owner_id" in changes:
        _check_owner_on_team(plan, changes["owner_id"])
    also = {}
    if "status" in changes and changes["status"] != action.status:
        also["completed_at"] = utcnow() if changes["status"] == ActionStatus.DONE else None
    diff = _apply(
        db, viewer, plan, action, allowed, changes,
        expected_version=expected_version, bases=bases, require_version=require_version,
        action="plan.action.update", item="action", also=also,
    )  # fmt: skip
    if "status" in diff:
        _follow_linked_follow_ups(db, action)
    return action


def _follow_linked_follow_ups(db: Session, action: PlanActionItem) -> None:
    """Follow-ups made from this action take its new status (and the other way round in
    coachapp.coaching.service), so one tap closes both."""
    now = utcnow()
    if action.status == ActionStatus.DONE:
        values: dict[str, Any] = {"status": FollowUpStatus.DONE, "completed_at": now}
        current = FollowUpStatus.OPEN
    elif action.status == ActionStatus.CANCELLED:
        values, current = {"status": FollowUpStatus.CANCELLED}, FollowUpStatus.OPEN
    else:
        values = {"status": FollowUpStatus.OPEN, "completed_at": None}
        current = FollowUpStatus.DONE
    db.execute(
        update(FollowUp)
        .where(FollowUp.action_item_id == action.id, FollowUp.status == current)
        .values(**values, updated_at=now)
    )
    db.commit()


def delete_action(db: Session, viewer: User, plan_id: int, action_id: int) -> None:
    plan = _editable_plan(db, viewer, plan_id)
    action: PlanActionItem = _item(plan, plan.action_items, action_id)
    plan.action_items.remove(action)
    touch_plan(db, plan)
    _record(
        db, viewer, plan, "plan.action.delete", item="action", item_id=action_id, title=action.title
    )
    db.commit()


# Stakeholders -----------------------------------------------------------------


def add_stakeholder(
    db: Session, viewer: User, plan_id: int, data: dict[str, Any]
) -> PlanStakeholder:
    plan = _editable_plan(db, viewer, plan_id)
    values = _only(data, STAKEHOLDER_FIELDS)
    if "relationship" in values:
        values["relationship_strength"] = values.pop("relationship")
    person = PlanStakeholder(**values)
    plan.stakeholders.append(person)
    db.flush()
    touch_plan(db, plan)
    _record(
        db, viewer, plan, "plan.stakeholder.add", item="stakeholder", item_id=person.id,
        name=person.name,
    )  # fmt: skip
    db.commit()
    return person


def update_stakeholder(
    db: Session,
    viewer: User,
    plan_id: int,
    stakeholder_id: int,
    changes: dict[str, Any],
    *,
    expected_version: ExpectedVersion = None,
    bases: dict[str, Any] | None = None,
    require_version: bool = False,
) -> PlanStakeholder:
    plan = _editable_plan(db, viewer, plan_id)
    person: PlanStakeholder = _item(plan, plan.stakeholders, stakeholder_id)
    _apply(
        db, viewer, plan, person, STAKEHOLDER_FIELDS, changes,
        expected_version=expected_version, bases=bases, require_version=require_version,
        action="plan.stakeholder.update", item="stakeholder",
    )  # fmt: skip
    return person


def delete_stakeholder(db: Session, viewer: User, plan_id: int, stakeholder_id: int) -> None:
    plan = _editable_plan(db, viewer, plan_id)
    person: PlanStakeholder = _item(plan, plan.stakeholders, stakeholder_id)
    plan.stakeholders.remove(person)
    touch_plan(db, plan)
    _record(
        db, viewer, plan, "plan.stakeholder.delete", item="stakeholder", item_id=stakeholder_id,
        name=person.name,
    )  # fmt: skip
    db.commit()


# Account team -----------------------------------------------------------------


def add_team_member(
    db: Session, viewer: User, plan_id: int, data: dict[str, Any]
) -> PlanTeamMember:
    plan = _editable_plan(db, viewer, plan_id)
    person = db.get(User, data["user_id"])
    if person is None or not may_join_a_team(person):
        raise InvalidInput(
            "Choose an active colleague.", {"user_id": ["Choose someone from the list."]}
        )
    if any(member.user_id == person.id for member in plan.team):
        raise Conflict(
            filled_in(N_("%(name)s is already on the account team."), name=person.name),
            {"user_id": ["Already on the team."]},
        )
    member = PlanTeamMember(user=person, responsibility=data.get("responsibility") or "")
    plan.team.append(member)
    db.flush()
    touch_plan(db, plan)
    _record(
        db, viewer, plan, "plan.team.add", item="team", item_id=member.id, name=person.name,
        function=person.function.value,
    )  # fmt: skip
    db.commit()
    return member


def remove_team_member(db: Session, viewer: User, plan_id: int, user_id: int) -> None:
    plan = _editable_plan(db, viewer, plan_id)
    member = next((m for m in plan.team if m.user_id == user_id), None)
    if member is None:
        raise NotFound()
    if user_id == plan.owner_id:
        raise Conflict("The plan's owner stays on the account team.")
    open_actions = [
        a for a in plan.action_items if a.owner_id == user_id and a.status == ActionStatus.OPEN
    ]
    if open_actions:
        raise Conflict(
            filled_in(
                N_("%(name)s still owns %(count)s open action(s); reassign or close them first."),
                name=member.user.name,
                count=len(open_actions),
            )
        )
    plan.team.remove(member)
    touch_plan(db, plan)
    _record(db, viewer, plan, "plan.team.remove", item="team", name=member.user.name)
    db.commit()


def _only(data: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in names}
