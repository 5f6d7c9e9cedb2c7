"""Where a plan's goals stand over time: actuals recorded by the account team (typed on the
plan page, set through the API, or imported).

Whoever may see the plan reads its goals' actuals; the owner and every member of the account
team, of any line, records them (policy.can_record_actuals); whoever recorded one, and the
plan's owner, corrects or removes it. Recording is exactly once by client_uuid
(coachapp.replay). Each change is audited on the plan like its other pieces.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from coachapp import policy, replay
from coachapp.errors import InvalidInput, NotFound, PermissionDenied
from coachapp.models import AccountPlan, ActualSource, GoalActual, GoalKind, PlanGoal, User
from coachapp.plans.service import _record, get_plan, touch_plan
from coachapp.timezones import local_today
from coachapp.versioning import ExpectedVersion, VersionRequired, check_version, commit_versioned

ANOTHER_ACTUAL = "That client_uuid belongs to another actual."
CANNOT_RECORD = "Only the plan's owner and its account team record actuals."
CANNOT_CHANGE = "Only whoever recorded this actual, or the plan's owner, changes it."


def goal_of(db: Session, viewer: User, goal_id: int) -> tuple[AccountPlan, PlanGoal]:
    """The goal and its plan, loaded in full; not found outside the viewer's plans."""
    plan_id = db.get(PlanGoal, goal_id)
    if plan_id is None:
        raise NotFound()
    plan = get_plan(db, viewer, plan_id.plan_id)
    goal = next((g for g in plan.goals if g.id == goal_id), None)
    if goal is None:
        raise NotFound()
    return plan, goal


def actuals_of(db: Session, viewer: User, goal_id: int) -> list[GoalActual]:
    return list(goal_of(db, viewer, goal_id)[1].actuals)


def check_actual(viewer: User, goal: PlanGoal, data: dict[str, Any]) -> None:
    """A date no later than the recorder's today; a stage goal's value is a stage number."""
    errors: dict[str, list[str]] = {}
    if "measured_on" in data and data["measured_on"] > local_today(viewer.timezone):
        errors["date"] = ["Record where the goal stood on a date up to today."]
    if "value" in data and goal.kind == GoalKind.STAGES:
        value = data["value"]
        if value != int(value) or not 1 <= value <= len(goal.stages):
            errors["value"] = [f"Choose a stage from 1 to {len(goal.stages)}."]
    if errors:
        raise InvalidInput("Check the actual.", errors)


def record_actual(
    db: Session,
    viewer: User,
    goal_id: int,
    data: dict[str, Any],
    source: ActualSource = ActualSource.TYPED,
) -> tuple[GoalActual, bool]:
    """Records an actual (`data` as ActualSchema loads it): (actual, created). The same
    client_uuid again returns the first one."""
    plan, goal = goal_of(db, viewer, goal_id)
    client_uuid = data.get("client_uuid") or uuid.uuid4()

    def mine(found: GoalActual) -> bool:
        return found.recorded_by_id == viewer.id and found.goal_id == goal.id

    existing = replay.made_before(db, GoalActual, client_uuid, mine, ANOTHER_ACTUAL)
    if existing is not None:
        return existing, False
    if not policy.can_record_actuals(viewer, plan):
        raise PermissionDenied(CANNOT_RECORD)
    check_actual(viewer, goal, data)
    actual = GoalActual(
        client_uuid=client_uuid,
        goal_id=goal.id,
        measured_on=data["measured_on"],
        value=float(data["value"]),
        source=source,
        recorded_by_id=viewer.id,
    )
    raced = replay.add_new(db, actual, mine, ANOTHER_ACTUAL)
    if raced is not None:
        return raced, False
    touch_plan(db, plan)
    _record(
        db, viewer, plan, "plan.goal.actual.add", item="actual", item_id=actual.id,
        goal_id=goal.id, date=actual.measured_on.isoformat(), value=actual.value,
        source=actual.source.value,
    )  # fmt: skip
    db.commit()
    db.expire(goal, ["actuals"])
    return actual, True


def _actual_of(
    db: Session, viewer: User, goal_id: int, actual_id: int
) -> tuple[AccountPlan, PlanGoal, GoalActual]:
    plan, goal = goal_of(db, viewer, goal_id)
    actual = next((a for a in goal.actuals if a.id == actual_id), None)
    if actual is None:
        raise NotFound()
    if not policy.can_change_actual(viewer, plan, actual.recorded_by_id):
        raise PermissionDenied(CANNOT_CHANGE)
    return plan, goal, actual


def _current(actual: GoalActual) -> dict[str, Any]:
    return {"date": actual.measured_on.isoformat(), "value": actual.value}


def update_actual(
    db: Session,
    viewer: User,
    goal_id: int,
    actual_id: int,
    changes: dict[str, Any],
    *,
    expected_version: ExpectedVersion,
) -> GoalActual:
    """Corrects an actual's date or value; If-Match must name its current version."""
    plan, goal, actual = _actual_of(db, viewer, goal_id, actual_id)
    if expected_version is None:
        raise VersionRequired()
    check_version(actual.version, expected_version, _current(actual))
    check_actual(viewer, goal, changes)
    before = _current(actual)
    if "measured_on" in changes:
        actual.measured_on = changes["measured_on"]
    if "value" in changes:
        actual.value = float(changes["value"])
    after = _current(actual)
    diff = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not diff:
        return actual
    db.flush()
    touch_plan(db, plan)
    _record(
        db, viewer, plan, "plan.goal.actual.update", item="actual", item_id=actual.id,
        goal_id=goal.id, changes=diff,
    )  # fmt: skip
    commit_versioned(db, actual)
    return actual


def delete_actual(
    db: Session,
    viewer: User,
    goal_id: int,
    actual_id: int,
    *,
    expected_version: ExpectedVersion,
    require_version: bool = True,
) -> None:
    plan, goal, actual = _actual_of(db, viewer, goal_id, actual_id)
    if expected_version is None and require_version:
        raise VersionRequired()
    if expected_version is not None:
        check_version(actual.version, expected_version, _current(actual))
    details = _current(actual)
    goal.actuals.remove(actual)
    touch_plan(db, plan)
    _record(
        db, viewer, plan, "plan.goal.actual.delete", item="actual", item_id=actual_id,
        goal_id=goal.id, **details,
    )  # fmt: skip
    db.commit()


def latest_date(goal: PlanGoal) -> dt.date | None:
    return max((a.measured_on for a in goal.actuals), default=None)
