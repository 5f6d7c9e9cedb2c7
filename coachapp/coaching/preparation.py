"""What to coach on next: the rep's plan and last conversation turned into concrete questions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from coachapp import policy
from coachapp.coaching import blind
from coachapp.languages import N_, formatted, gettext
from coachapp.models import (
    AccountPlan,
    ActionStatus,
    FollowUp,
    FollowUpStatus,
    GoalStatus,
    Note,
    NoteRating,
    NoteStatus,
    PlanActionItem,
    PlanGoal,
    PlanStatus,
    PlanTeamMember,
    User,
)
from coachapp.plans.completeness import empty_profile_areas
from coachapp.plans.profiling import AREA_TITLES
from coachapp.plans.service import plans_with_person

# At most this many prompts of one kind, so the list stays readable on a phone.
PER_KIND = 3
# A profile area as the questions name it ("the account's clinical situation").
AREA_WORDS = {
    "business": N_("business"),
    "clinical": N_("clinical"),
    "operational": N_("operational"),
    "reimbursement": N_("reimbursement"),
}


@dataclass(frozen=True)
class Prompt:
    kind: str
    fact: str
    question: str


def live_by_activity(plans: Iterable[AccountPlan]) -> list[AccountPlan]:
    """The plans that are not archived, where the account team was last busy first."""
    live = [plan for plan in plans if plan.status != PlanStatus.ARCHIVED]
    return sorted(live, key=lambda plan: plan.last_activity_at, reverse=True)


def rep_plans(db: Session, viewer: User, rep: User) -> list[AccountPlan]:
    """The rep's live plans (owned or on the team), most recently active first, with their
    accounts; with_details adds what the prompts read of the one chosen."""
    return live_by_activity(
        plans_with_person(db, viewer, rep.id, options=[joinedload(AccountPlan.account)])
    )


def with_details(db: Session, plan: AccountPlan | None) -> AccountPlan | None:
    """The plan with what prepare() reads of it: its goals, its action items and their
    owners, and the account team with their people; loaded for this one plan (three
    queries, not re-reading the plan), in the order the plan's relationships keep."""
    if plan is None:
        return None
    goals = db.scalars(
        select(PlanGoal).where(PlanGoal.plan_id == plan.id).order_by(PlanGoal.position)
    ).all()
    actions = db.scalars(
        select(PlanActionItem)
        .where(PlanActionItem.plan_id == plan.id)
        .options(joinedload(PlanActionItem.owner))
        .order_by(PlanActionItem.due_date)
    ).all()
    team = db.scalars(
        select(PlanTeamMember)
        .where(PlanTeamMember.plan_id == plan.id)
        .options(joinedload(PlanTeamMember.user))
        .order_by(PlanTeamMember.id)
    ).all()
    set_committed_value(plan, "goals", list(goals))
    set_committed_value(plan, "action_items", list(actions))
    set_committed_value(plan, "team", list(team))
    return plan


def last_note(
    db: Session,
    viewer: User,
    rep: User,
    recent: Sequence[Note] = (),
) -> Note | None:
    """The rep's latest conversation that is not a draft, as the viewer may see it.
    `recent`: the viewer's visible conversations with the rep, newest first, when a page
    has them already; the database is asked only when none of them is shared."""
    shared = next((s for s in recent if s.status != NoteStatus.DRAFT), None)
    if shared is not None:
        return shared
    return db.scalars(
        policy.visible_notes(viewer)
        .where(Note.rep_id == rep.id, Note.status != NoteStatus.DRAFT)
        .order_by(Note.occurred_on.desc(), Note.id.desc())
        .limit(1)
    ).first()


def _gap_prompts(db: Session, previous: Note, first: str) -> list[Prompt]:
    """The last note's talking points: where the rep's blind self-rating and the manager's
    rating were 2+ points apart, each a question for the next conversation."""
    if "ratings" in inspect(previous).unloaded:
        ratings: Sequence[NoteRating] = db.scalars(
            select(NoteRating)
            .where(NoteRating.session_id == previous.id)
            .options(joinedload(NoteRating.competency))
            .order_by(NoteRating.id)
        ).all()
    else:
        ratings = previous.ratings
    gaps = [
        g
        for g in blind.gaps_between(ratings, blind.stored_self_scores(previous))
        if g.talking_point
    ]
    day = formatted(previous.occurred_on, "%-d %b")
    lines = blind.talking_point_lines(gaps, first, to_rep=False)
    return [
        Prompt(
            "gap",
            gettext("Self-rating gap (%(day)s): %(line)s", day=day, line=line),
            gettext(
                "What did %(name)s see in “%(competency)s” that you did not, or you that "
                "%(name)s did not, and what would show it on the next call?",
                name=first,
                competency=gap.competency.name,
            ),
        )
        for gap, line in zip(gaps, lines, strict=True)
    ][:PER_KIND]


def open_follow_ups_of(
    db: Session, viewer: User, rep: User, limit: int | None = None
) -> Sequence[FollowUp]:
    """The rep's open follow-ups the viewer may see, soonest due first."""
    theirs = (FollowUp.owner_id == rep.id, FollowUp.status == FollowUpStatus.OPEN)
    return db.scalars(
        policy.visible_follow_ups(viewer, among=theirs).order_by(FollowUp.due_date).limit(limit)
    ).all()


def prepare(
    db: Session,
    viewer: User,
    rep: User,
    plan: AccountPlan | None,
    today: dt.date,
    *,
    recent_notes: Sequence[Note] = (),
    open_follow_ups: Sequence[FollowUp] | None = None,
) -> list[Prompt]:
    """Prompts from the plan (loaded with_details) and the last conversation. A page that
    has the rep's recent conversations and open follow-ups already passes them in."""
    prompts: list[Prompt] = []
    first = rep.first_name
    if plan is not None:
        account = plan.account.name
        risky = [g for g in plan.goals if g.status in {GoalStatus.AT_RISK, GoalStatus.OFF_TRACK}]
        for goal in risky[:PER_KIND]:
            fact = (
                gettext("Goal off track: %(goal)s", goal=goal.title)
                if goal.status == GoalStatus.OFF_TRACK
                else gettext("Goal at risk: %(goal)s", goal=goal.title)
            )
            prompts.append(
                Prompt(
                    "goal",
                    fact,
                    gettext(
                        "What is getting in the way of “%(goal)s”, and who on the account "
                        "team could help move it?",
                        goal=goal.title,
                    ),
                )
            )
        overdue = [
            a
            for a in plan.action_items
            if a.status == ActionStatus.OPEN and a.due_date is not None and a.due_date < today
        ]
        for action in overdue[:PER_KIND]:
            days = (today - action.due_date).days if action.due_date else 0
            prompts.append(
                Prompt(
                    "action",
                    gettext(
                        "Overdue %(days)s days: %(action)s (%(owner)s)",
                        days=days,
                        action=action.title,
                        owner=action.owner.name,
                    ),
                    gettext(
                        "What would it take to close “%(action)s” this week, and what do "
                        "you need from %(name)s?",
                        action=action.title,
                        name=action.owner.first_name,
                    ),
                )
            )
        for area in empty_profile_areas(plan)[:PER_KIND]:
            prompts.append(
                Prompt(
                    "profile",
                    gettext(
                        "Empty profile area at %(account)s: %(area)s",
                        account=account,
                        area=gettext(AREA_TITLES[area]),
                    ),
                    gettext(
                        "What do we know about %(account)s's %(area)s situation, and who "
                        "could find out before the next call?",
                        account=account,
                        area=gettext(AREA_WORDS.get(area, area)),
                    ),
                )
            )
        others = [
            m for m in plan.team if m.user_id not in {rep.id} and m.user.function != rep.function
        ]
        for member in others[:2]:
            open_actions = [
                a
                for a in plan.action_items
                if a.owner_id == member.user_id and a.status == ActionStatus.OPEN
            ]
            who = {"name": member.user.name, "function": gettext(member.user.function_label)}
            prompts.append(
                Prompt(
                    "team",
                    gettext(
                        "%(name)s (%(function)s); open: %(action)s",
                        action=open_actions[0].title,
                        **who,
                    )
                    if open_actions
                    else gettext("%(name)s (%(function)s)", **who),
                    gettext(
                        "How are you and %(name)s coordinating on %(account)s, and what does "
                        "the customer hear from each of you?",
                        name=member.user.first_name,
                        account=account,
                    ),
                )
            )
    previous = last_note(db, viewer, rep, recent_notes)
    if previous is not None and previous.development_focus.strip():
        prompts.append(
            Prompt(
                "focus",
                gettext(
                    "Last focus (%(day)s): %(focus)s",
                    day=formatted(previous.occurred_on, "%-d %b"),
                    focus=previous.development_focus.strip()[:160],
                ),
                gettext(
                    "What did %(name)s try on last time's focus, and what happened?", name=first
                ),
            )
        )
    if previous is not None and previous.self_rated_at is not None:
        prompts.extend(_gap_prompts(db, previous, first))
    if open_follow_ups is None:
        open_follow_ups = open_follow_ups_of(db, viewer, rep, limit=PER_KIND)
    for item in open_follow_ups[:PER_KIND]:
        prompts.append(
            Prompt(
                "follow_up",
                gettext("Open follow-up (overdue): %(title)s", title=item.title)
                if item.due_date < today
                else gettext("Open follow-up: %(title)s", title=item.title),
                gettext("Where are you with “%(title)s”?", title=item.title),
            )
        )
    return prompts


def default_plan(
    plans: Sequence[AccountPlan], db: Session, viewer: User, rep: User
) -> AccountPlan | None:
    """Pre-select the plan of the most recent conversation the viewer may see (never another
    manager's draft), else the most active plan."""
    recent_plan_id = db.scalar(
        policy.visible_notes(viewer)
        .with_only_columns(Note.plan_id)
        .where(Note.rep_id == rep.id, Note.plan_id.is_not(None))
        .order_by(Note.occurred_on.desc(), Note.id.desc())
        .limit(1)
    )
    for plan in plans:
        if plan.id == recent_plan_id:
            return plan
    return plans[0] if plans else None
