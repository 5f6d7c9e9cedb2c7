"""Account-team reviews: a first-line manager reviews one account with its whole team, any line.

What is recorded: the day, who took part (members of the account's team, all by default), how
the plan is progressing (in words, with the account's live plans summarised as they stood),
the 3C's rated for the team as a whole, and the cross-functional agreements made — follow-ups
(review_id) owned by anyone on the team, in any line, so each owner finds them among their
follow-ups and is nudged as they come due. Open agreements of the account's earlier reviews
come back on the next one, to carry forward or mark done there.

A review is recorded once, complete: saving it shares it (there are no drafts and no later
changes, so what people acknowledge is what was agreed); its agreements then change as any
follow-up does. Its participants and their line managers are told (inbox and push, kind
review_to_acknowledge) and acknowledge it, each once. Who sees it is coachapp.policy's
(reviews_scope). Pages and the API both come here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from coachapp import audit, policy, replay
from coachapp.db import insert_for, utcnow
from coachapp.errors import InvalidInput, NotFound, PermissionDenied
from coachapp.inbox.service import mark_read_about
from coachapp.languages import N_, formatted, gettext, writing_for
from coachapp.links import path_for
from coachapp.models import (
    Account,
    AccountPlan,
    AccountReview,
    ActionStatus,
    FollowUp,
    FollowUpStatus,
    PlanActionItem,
    PlanStatus,
    ReviewAcknowledgement,
    ReviewEarlierAgreement,
    ReviewParticipant,
    ReviewRating,
    User,
)
from coachapp.nudges import subjects
from coachapp.nudges.outbox import notify
from coachapp.reviews.schemas import CLOSED
from coachapp.timezones import local_today

ANOTHER_REVIEW = "That client_uuid belongs to another review."
IN_THE_FUTURE = N_("The review cannot be in the future.")
NOT_ON_THE_TEAM = N_("Choose members of the account's team.")
OWNER_NOT_ON_THE_TEAM = N_("Choose someone on the account's team.")
DUE_BEFORE_REVIEW = N_("Give a due date on or after the day of the review.")
NOT_AN_EARLIER_AGREEMENT = N_("Choose open agreements of this account's earlier reviews.")
# What the plan summary keeps of each live plan, so a review stays a page long.
SUMMARY_GOALS = 12
SUMMARY_ACTIONS = 12


def review_options() -> list[Any]:
    return [
        joinedload(AccountReview.account),
        joinedload(AccountReview.author),
        selectinload(AccountReview.participants)
        .joinedload(ReviewParticipant.user)
        .joinedload(User.manager),
        selectinload(AccountReview.ratings),
        selectinload(AccountReview.acknowledgements).joinedload(ReviewAcknowledgement.user),
        selectinload(AccountReview.agreements).joinedload(FollowUp.owner),
        selectinload(AccountReview.earlier_agreements)
        .joinedload(ReviewEarlierAgreement.follow_up)
        .joinedload(FollowUp.owner),
    ]


# Reading ------------------------------------------------------------------------------------


def reviews_for(
    db: Session, viewer: User, account_id: int | None = None, limit: int = 100
) -> Sequence[AccountReview]:
    """The reviews the viewer sees (of one account, if given), the latest first."""
    return db.scalars(
        reviews_query(viewer, account_id)
        .order_by(AccountReview.held_on.desc(), AccountReview.id.desc())
        .limit(limit)
    ).all()


def reviews_query(viewer: User, account_id: int | None = None) -> Select[AccountReview]:
    """reviews_for as a query, in no order."""
    query = policy.visible_reviews(viewer).options(*review_options())
    if account_id is not None:
        query = query.where(AccountReview.account_id == account_id)
    return query


def get_review(db: Session, viewer: User, review_id: int) -> AccountReview:
    found = db.scalars(
        policy.visible_reviews(viewer)
        .where(AccountReview.id == review_id)
        .options(*review_options())
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        raise NotFound()
    return found


def team_members(db: Session, account_id: int) -> list[User]:
    """The active members of the account's team, any line, by name."""
    return list(
        db.scalars(
            select(User)
            .where(User.id.in_(policy.account_team_ids(account_id)), User.active.is_(True))
            .options(joinedload(User.manager))
            .order_by(User.name)
        ).all()
    )


def agreement_owners(members: Sequence[User], author: User) -> list[User]:
    """Who may own an agreement: anyone on the team, or the manager who runs the review."""
    owners = list(members)
    if all(member.id != author.id for member in owners):
        owners.append(author)
    return owners


def earlier_open_agreements(
    db: Session, account_id: int, before: int | None = None
) -> list[FollowUp]:
    """The open agreements of the account's reviews (those before review `before`, if given),
    the soonest due first: what the next review goes over again."""
    reviews = select(AccountReview.id).where(AccountReview.account_id == account_id)
    if before is not None:
        reviews = reviews.where(AccountReview.id < before)
    return list(
        db.scalars(
            select(FollowUp)
            .where(FollowUp.review_id.in_(reviews), FollowUp.status == FollowUpStatus.OPEN)
            .options(joinedload(FollowUp.owner), joinedload(FollowUp.review))
            .order_by(FollowUp.due_date, FollowUp.id)
        ).all()
    )


def open_agreements_of(db: Session, viewer: User, account_ids: Sequence[int]) -> Sequence[FollowUp]:
    """The open agreements of the reviews the viewer sees of these accounts, the soonest due
    first: what a QBR still waits on across the account teams."""
    if not account_ids:
        return []
    reviews = policy.visible_reviews(viewer).where(AccountReview.account_id.in_(account_ids))
    return db.scalars(
        select(FollowUp)
        .where(
            FollowUp.review_id.in_(reviews.with_only_columns(AccountReview.id)),
            FollowUp.status == FollowUpStatus.OPEN,
        )
        .options(
            joinedload(FollowUp.owner),
            joinedload(FollowUp.review).joinedload(AccountReview.account),
        )
        .order_by(FollowUp.due_date, FollowUp.id)
    ).all()


def plan_summary(db: Session, account_id: int, today: dt.date) -> list[dict[str, Any]]:
    """The account's live plans as they stand: each plan's goals and open actions, read-only.
    A review keeps it as it was on the day (AccountReview.plan_summary)."""
    plans = db.scalars(
        select(AccountPlan)
        .where(AccountPlan.account_id == account_id, AccountPlan.status != PlanStatus.ARCHIVED)
        .options(
            joinedload(AccountPlan.owner),
            selectinload(AccountPlan.goals),
            selectinload(AccountPlan.action_items).joinedload(PlanActionItem.owner),
        )
        .order_by(AccountPlan.period.desc(), AccountPlan.id.desc())
    ).all()
    summary = []
    for plan in plans:
        open_actions = [a for a in plan.action_items if a.status == ActionStatus.OPEN]
        open_actions.sort(key=lambda a: (a.due_date or dt.date.max, a.id))
        summary.append(
            {
                "period": plan.period,
                "owner": plan.owner.name,
                "goals": [
                    {
                        "title": goal.title,
                        "status": goal.status.value,
                        "target_date": goal.target_date.isoformat() if goal.target_date else None,
                    }
                    for goal in plan.goals[:SUMMARY_GOALS]
                ],
                "goals_total": len(plan.goals),
                "open_actions": [
                    {
                        "title": action.title,
                        "owner": action.owner.name,
                        "due_date": action.due_date.isoformat() if action.due_date else None,
                        "overdue": action.due_date is not None and action.due_date < today,
                    }
                    for action in open_actions[:SUMMARY_ACTIONS]
                ],
                "open_actions_total": len(open_actions),
                "actions_done": sum(a.status == ActionStatus.DONE for a in plan.action_items),
            }
        )
    return summary


# Writing ------------------------------------------------------------------------------------


def held_on_for(author: User, value: dt.date | None) -> dt.date:
    """The day of the review on its author's calendar: today there when none is given, never
    after it (as a coaching note's day)."""
    today = local_today(author.timezone)
    if value is None:
        return today
    if value > today:
        raise InvalidInput(IN_THE_FUTURE, {"held_on": [IN_THE_FUTURE]})
    return value


def create_review(db: Session, author: User, data: dict[str, Any]) -> tuple[AccountReview, bool]:
    """Records a review (validated by ReviewCreateSchema) and shares it; the same client_uuid
    again returns the same review: (review, created)."""
    client_uuid = data.get("client_uuid") or uuid.uuid4()

    def mine(found: AccountReview) -> bool:
        return found.author_id == author.id

    existing = replay.made_before(db, AccountReview, client_uuid, mine, ANOTHER_REVIEW)
    if existing is not None:
        return get_review(db, author, existing.id), False
    account = policy.reviewable_account_or_404(db, author, data["account_id"])
    held_on = held_on_for(author, data.get("held_on"))
    members = team_members(db, account.id)
    participants = _participants(members, data.get("participant_ids"))
    agreements = _agreements(data["agreements"], agreement_owners(members, author), held_on)
    earlier = earlier_open_agreements(db, account.id)
    outcomes = _earlier_outcomes(earlier, data["earlier_agreements"])

    review = AccountReview(
        client_uuid=client_uuid,
        account_id=account.id,
        author_id=author.id,
        held_on=held_on,
        plan_progress=data["plan_progress"].strip(),
        plan_summary=plan_summary(db, account.id, local_today(author.timezone)),
    )
    raced = replay.add_new(db, review, mine, ANOTHER_REVIEW)
    if raced is not None:
        return get_review(db, author, raced.id), False
    db.add_all(
        [
            ReviewParticipant(review_id=review.id, user_id=person.id, function=person.function)
            for person in participants
        ]
        + [
            ReviewRating(
                review_id=review.id,
                competency_key=rating["competency_key"],
                score=rating["score"],
                evidence=rating["evidence"].strip(),
            )
            for rating in data["ratings"]
        ]
        + [
            FollowUp(
                review_id=review.id,
                owner_id=item["owner_id"],
                created_by_id=author.id,
                title=item["title"],
                due_date=item["due_date"],
            )
            for item in agreements
        ]
    )  # fmt: skip
    for follow_up in earlier:
        outcome = outcomes.get(follow_up.id, "open")
        db.add(
            ReviewEarlierAgreement(review_id=review.id, follow_up_id=follow_up.id, outcome=outcome)
        )
        if outcome == CLOSED:
            _close_at_review(db, author, follow_up, review)
    db.flush()
    audit.record(
        db, author, "review.create", "account_review", review.id,
        account_id=account.id, participants=len(participants), agreements=len(agreements),
        closed=sorted(i for i, outcome in outcomes.items() if outcome == CLOSED),
    )  # fmt: skip
    _ask_to_acknowledge(db, review, author, participants, account)
    db.commit()
    return get_review(db, author, review.id), True


def _participants(members: Sequence[User], chosen: list[int] | None) -> list[User]:
    if chosen is None:
        return list(members)
    by_id = {member.id: member for member in members}
    if any(person_id not in by_id for person_id in chosen):
        raise InvalidInput(NOT_ON_THE_TEAM, {"participant_ids": [NOT_ON_THE_TEAM]})
    wanted = set(chosen)
    return [member for member in members if member.id in wanted]


def _agreements(
    items: list[dict[str, Any]], owners: Sequence[User], held_on: dt.date
) -> list[dict[str, Any]]:
    allowed = {owner.id for owner in owners}
    problems: dict[int, dict[str, list[str]]] = {}
    for index, item in enumerate(items):
        if item["owner_id"] not in allowed:
            problems.setdefault(index, {})["owner_id"] = [OWNER_NOT_ON_THE_TEAM]
        if item["due_date"] < held_on:
            problems.setdefault(index, {})["due_date"] = [DUE_BEFORE_REVIEW]
    if problems:
        raise InvalidInput(
            N_("Please correct the agreements marked below."), {"agreements": problems}
        )
    return items


def _earlier_outcomes(earlier: Sequence[FollowUp], given: list[dict[str, Any]]) -> dict[int, str]:
    known = {follow_up.id for follow_up in earlier}
    if any(item["id"] not in known for item in given):
        raise InvalidInput(
            NOT_AN_EARLIER_AGREEMENT, {"earlier_agreements": [NOT_AN_EARLIER_AGREEMENT]}
        )
    return {item["id"]: item["status"] for item in given}


def _close_at_review(db: Session, author: User, follow_up: FollowUp, review: AccountReview) -> None:
    """An earlier agreement the team agrees is done: marked done by the review's author, as
    its owner or the author of the earlier review would."""
    follow_up.status = FollowUpStatus.DONE
    follow_up.completed_at = utcnow()
    audit.record(
        db, author, "follow_up.update", "follow_up", follow_up.id,
        fields=["status"], at_review=review.id,
    )  # fmt: skip
    mark_read_about(db, subjects.follow_up(follow_up.id))


def _ask_to_acknowledge(
    db: Session, review: AccountReview, author: User, participants: list[User], account: Account
) -> None:
    """Each participant and each participant's line manager is asked, once."""
    asked = policy.acknowledgers_of(author.id, participants)
    people = db.scalars(select(User).where(User.id.in_(asked), User.active.is_(True))).all()
    url = path_for("reviews.show", review_id=review.id)
    for person in people:
        with writing_for(person):
            title = gettext(
                "Account-team review of %(account)s on %(day)s: please acknowledge",
                account=account.name,
                day=formatted(review.held_on, "%-d %b"),
            )
            body = gettext("Run by %(name)s.", name=author.name)
        notify(
            db, person.id, "review_to_acknowledge", title,
            url, f"review_to_acknowledge:{review.id}:{person.id}",
            body=body, subject=subjects.review(review.id),
        )  # fmt: skip


def acknowledge_review(
    db: Session, viewer: User, review_id: int, comment: str = ""
) -> tuple[AccountReview, bool]:
    """A participant or a participant's line manager acknowledges the review, once: the same
    acknowledgement again (a double tap, a replay) changes nothing. (review, acknowledged now)."""
    review = get_review(db, viewer, review_id)
    if not policy.may_acknowledge_review(viewer, review):
        raise PermissionDenied(N_("Its participants and their line managers acknowledge a review."))
    insert = insert_for(db)
    added = db.execute(
        insert(ReviewAcknowledgement)
        .values(
            review_id=review.id,
            user_id=viewer.id,
            acknowledged_at=utcnow(),
            comment=comment.strip() or None,
        )
        .on_conflict_do_nothing(index_elements=["review_id", "user_id"])
        .returning(ReviewAcknowledgement.id)
    ).first()
    if added is not None:
        audit.record(
            db, viewer, "review.acknowledge", "account_review", review.id,
            with_comment=bool(comment.strip()),
        )  # fmt: skip
        mark_read_about(db, subjects.review(review.id), viewer)
    db.commit()
    return get_review(db, viewer, review.id), added is not None
