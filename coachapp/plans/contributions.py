"""What the whole account team adds to a plan, whatever line each member reports up: insights
per profiling area (business, clinical, operational, reimbursement) and comments.

The plan stays its owner's to write; who may add to it, and who sees an insight in which
state, is coachapp.policy's ("Contributions"). When the owner approves insights first
(AccountPlan.insights_need_approval), a teammate's insight waits (pending) until the owner
approves or declines it; the owner's own, and every insight while the setting is off, is
approved as it is added. Turning the setting off later leaves waiting insights waiting.

Creating either is exactly once: the client's client_uuid finds what an earlier send of the
same form or request made (coachapp.replay). Each addition and decision is audited on the plan
without its text, as the plan's history is read by everyone who sees the plan and a waiting
insight is not theirs to read yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from coachapp import audit, policy, replay
from coachapp.db import utcnow
from coachapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coachapp.languages import N_
from coachapp.models import AccountPlan, InsightStatus, PlanComment, PlanInsight, User
from coachapp.plans.service import get_plan, touch_plan

ANOTHER_INSIGHT = "That client_uuid belongs to another insight."
ANOTHER_COMMENT = "That client_uuid belongs to another comment."
DECISIONS = {"approve": InsightStatus.APPROVED, "decline": InsightStatus.DECLINED}
# Why a decision on an insight was refused: decided before, or by someone else meanwhile.
ALREADY_DECIDED = {
    InsightStatus.APPROVED: N_("This insight was approved already."),
    InsightStatus.DECLINED: N_("This insight was declined already."),
}
DECIDED_MEANWHILE = {
    InsightStatus.APPROVED: N_("This insight was approved meanwhile."),
    InsightStatus.DECLINED: N_("This insight was declined meanwhile."),
}


# Insights ---------------------------------------------------------------------------


def visible_insights(db: Session, viewer: User, plan: AccountPlan) -> Sequence[PlanInsight]:
    """The plan's insights the viewer sees (policy.insights_scope), oldest first."""
    return db.scalars(
        select(PlanInsight)
        .where(policy.insights_scope(viewer, plan))
        .options(joinedload(PlanInsight.author))
        .order_by(PlanInsight.created_at, PlanInsight.id)
    ).all()


def insights_of_plan(db: Session, viewer: User, plan_id: int) -> Sequence[PlanInsight]:
    return visible_insights(db, viewer, get_plan(db, viewer, plan_id))


def add_insight(
    db: Session, viewer: User, plan_id: int, data: dict[str, Any]
) -> tuple[PlanInsight, bool]:
    """A member of the account team adds an insight (`data` as InsightSchema loads it):
    (insight, created). The same client_uuid again returns the first one."""
    plan = get_plan(db, viewer, plan_id)
    client_uuid = data.get("client_uuid") or uuid.uuid4()

    def mine(found: PlanInsight) -> bool:
        return found.author_id == viewer.id and found.plan_id == plan.id

    existing = replay.made_before(db, PlanInsight, client_uuid, mine, ANOTHER_INSIGHT)
    if existing is not None:
        return existing, False
    if not policy.can_contribute_to_plan(viewer, plan):
        raise PermissionDenied("Only the members of the account team add insights to its plan.")
    text = _required(data["text"], "text", "Write the insight.")
    waits = plan.insights_need_approval and not policy.can_decide_insights(viewer, plan)
    insight = PlanInsight(
        client_uuid=client_uuid,
        plan_id=plan.id,
        author_id=viewer.id,
        area=data["area"],
        text=text,
        status=InsightStatus.PENDING if waits else InsightStatus.APPROVED,
    )
    raced = replay.add_new(db, insight, mine, ANOTHER_INSIGHT)
    if raced is not None:
        return raced, False
    touch_plan(db, plan)
    _record(db, viewer, plan, "plan.insight.add", insight)
    db.commit()
    return insight, True


def decide_insight(
    db: Session, viewer: User, plan_id: int, insight_id: int, decision: str
) -> PlanInsight:
    """The plan's owner approves or declines a waiting insight. The same decision again
    changes nothing; the other one on an insight already decided is a Conflict."""
    plan = get_plan(db, viewer, plan_id)
    insight = db.scalars(
        select(PlanInsight)
        .where(PlanInsight.id == insight_id, policy.insights_scope(viewer, plan))
        .options(joinedload(PlanInsight.author))
    ).first()
    if insight is None:
        raise NotFound()
    if not policy.can_decide_insights(viewer, plan):
        raise PermissionDenied("Only the plan's owner approves or declines insights.")
    wanted = DECISIONS[decision]
    if insight.status == wanted:
        return insight
    if insight.status != InsightStatus.PENDING:
        raise Conflict(ALREADY_DECIDED[insight.status])
    # Fenced on the state it was read in: of two decisions crossing, one changes it.
    result = db.execute(
        update(PlanInsight)
        .where(PlanInsight.id == insight.id, PlanInsight.status == InsightStatus.PENDING)
        .values(status=wanted, decided_at=utcnow(), decided_by_id=viewer.id)
        .execution_options(synchronize_session=False)
    )
    db.expire(insight)
    if int(result.rowcount or 0) != 1:  # type: ignore[attr-defined]
        db.rollback()
        if insight.status == wanted:
            return insight
        raise Conflict(DECIDED_MEANWHILE[insight.status])
    touch_plan(db, plan)
    _record(db, viewer, plan, f"plan.insight.{decision}", insight)
    db.commit()
    return insight


def _record(
    db: Session, viewer: User, plan: AccountPlan, action: str, insight: PlanInsight
) -> None:
    audit.record(
        db, viewer, action, "plan", plan.id,
        item="insight", item_id=insight.id, area=insight.area, status=insight.status.value,
    )  # fmt: skip


# Comments ---------------------------------------------------------------------------


def comments(db: Session, plan: AccountPlan) -> Sequence[PlanComment]:
    return db.scalars(
        select(PlanComment)
        .where(PlanComment.plan_id == plan.id)
        .options(joinedload(PlanComment.author))
        .order_by(PlanComment.created_at, PlanComment.id)
    ).all()


def comments_of_plan(db: Session, viewer: User, plan_id: int) -> Sequence[PlanComment]:
    return comments(db, get_plan(db, viewer, plan_id))


def add_comment(
    db: Session, viewer: User, plan_id: int, data: dict[str, Any]
) -> tuple[PlanComment, bool]:
    """A member of the account team, or the owner's manager, comments (`data` as
    CommentSchema loads it): (comment, created). The same client_uuid again returns the
    first one."""
    plan = get_plan(db, viewer, plan_id)
    client_uuid = data.get("client_uuid") or uuid.uuid4()

    def mine(found: PlanComment) -> bool:
        return found.author_id == viewer.id and found.plan_id == plan.id

    existing = replay.made_before(db, PlanComment, client_uuid, mine, ANOTHER_COMMENT)
    if existing is not None:
        return existing, False
    if not policy.can_comment_on_plan(viewer, plan):
        raise PermissionDenied(
            "Only the account team and the plan owner's manager comment on a plan."
        )
    body = _required(data["body"], "body", "Write a comment.")
    comment = PlanComment(client_uuid=client_uuid, plan_id=plan.id, author_id=viewer.id, body=body)
    raced = replay.add_new(db, comment, mine, ANOTHER_COMMENT)
    if raced is not None:
        return raced, False
    touch_plan(db, plan)
    audit.record(db, viewer, "plan.comment", "plan", plan.id, item="comment", item_id=comment.id)
    db.commit()
    return comment, True


def _required(text: str, field: str, message: str) -> str:
    """The text without surrounding spaces; spaces alone are no text."""
    stripped = text.strip()
    if not stripped:
        raise InvalidInput(message, {field: [message]})
    return stripped
