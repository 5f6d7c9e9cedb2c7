"""The demo's learning journeys: two published journeys, and the way through them of the reps
whose development focus is on their competency, as far as their check-in interval has
brought them by the day seeded (some steps opened, exercises sent, some reviewed)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.journeys.starting import start_for_focus
from coachapp.models import (
    Account,
    AccountPlan,
    DevelopmentFocus,
    ExerciseSubmission,
    GuideStatus,
    Journey,
    JourneyEnrolment,
    JourneyProgress,
    JourneyStep,
    JourneyVersion,
    StepKind,
    User,
)

JOURNEYS = {
    "stakeholder_mapping": (
        "Mapping the decision makers",
        [
            (
                StepKind.TIP,
                "Start from the committee, not the contact",
                "Before your next call, list who sits on the P&T committee and who chairs it.",
            ),
            (
                StepKind.EXERCISE,
                "Map the P&T committee of one IDN in your plan",
                "Pick one IDN in your plan. Name the committee's members, their role in the "
                "decision and how strong your relationship is with each. Send what you found "
                "and the one gap you will close next.",
            ),
            (
                StepKind.QUESTION,
                "Who would say no, and why?",
                "Think of the stakeholder most likely to block your next step. What do they "
                "need to hear, and from whom?",
            ),
            (
                StepKind.LINK,
                "Stakeholder mapping module (15 min)",
                "The module in the learning system, with a worked example.",
            ),
        ],
    ),
    "plan_execution": (
        "Executing the account plan",
        [
            (
                StepKind.READ,
                "Two minutes on dated next steps",
                "A plan moves when each action has an owner and a date the customer agreed "
                "to. Review your open actions: which have neither?",
            ),
            (
                StepKind.EXERCISE,
                "Close one overdue action with your account team",
                "Pick one overdue action in your plan, agree a new date with its owner and "
                "the customer, and send what was agreed.",
            ),
            (
                StepKind.TIP,
                "End each call with a date",
                "Leave no call without the next meeting in both calendars.",
            ),
        ],
    ),
}
LEARNING_SYSTEM = "https://learning.example.com/courses/stakeholder-mapping"
ANSWERS = (
    "Mapped the P&T committee at {account}: the chair is the director of pharmacy; the "
    "oncology lead is new and I have not met her yet. Next: ask our MSL to introduce us.",
    "Agreed a new date for the formulary submission at {account} with the customer and "
    "market access; it is in the plan with its owner.",
)


def seed_journeys(db: Session, now: dt.datetime) -> int:
    """Adds the journeys when there are none (idempotent); how many were added."""
    if db.scalar(select(Journey.id).limit(1)) is not None:
        return 0
    rows = 0
    for key, (name, steps) in JOURNEYS.items():
        journey = Journey(competency_key=key, name=name, created_at=now - dt.timedelta(days=90))
        version = JourneyVersion(
            number=1,
            status=GuideStatus.PUBLISHED,
            published_at=now - dt.timedelta(days=89),
            created_at=now - dt.timedelta(days=90),
        )
        version.steps = [
            JourneyStep(
                position=i, kind=kind, title=title, body=body,
                url=LEARNING_SYSTEM if kind == StepKind.LINK else "",
            )
            for i, (kind, title, body) in enumerate(steps)
        ]  # fmt: skip
        journey.versions = [version]
        db.add(journey)
        rows += 2 + len(steps)
    db.flush()
    focuses = db.scalars(
        select(DevelopmentFocus)
        .join(User, User.id == DevelopmentFocus.rep_id)
        .where(DevelopmentFocus.active.is_(True), DevelopmentFocus.competency_key.in_(JOURNEYS))
        .order_by(User.email, DevelopmentFocus.competency_key)
    ).all()
    for index, focus in enumerate(focuses):
        enrolment = start_for_focus(db, focus)
        assert enrolment is not None
        enrolment.started_at = focus.created_at
        rows += 1 + _progress(db, enrolment.id, focus, index, now)
    db.commit()
    return len(JOURNEYS)


def _progress(
    db: Session, enrolment_id: int, focus: DevelopmentFocus, index: int, now: dt.datetime
) -> int:
    """The steps that have reached the rep by now, one per check-in interval; all but the
    newest opened; the exercise answered by every other rep, reviewed when a week old."""
    enrolment = db.get(JourneyEnrolment, enrolment_id)
    assert enrolment is not None
    steps = enrolment.version.steps
    interval = dt.timedelta(days=focus.checkin_days)
    account = db.execute(
        select(Account.id, Account.name)
        .join(AccountPlan, AccountPlan.account_id == Account.id)
        .where(AccountPlan.owner_id == focus.rep_id)
        .order_by(AccountPlan.id)
        .limit(1)
    ).first()
    email, manager_id = db.execute(
        select(User.email, User.manager_id).where(User.id == focus.rep_id)
    ).one()
    rows = 0
    for n, step in enumerate(steps):
        released = enrolment.started_at + n * interval
        if released > now:
            break
        newest = n + 1 == len(steps) or enrolment.started_at + (n + 1) * interval > now
        item = JourneyProgress(
            enrolment_id=enrolment.id, step_id=step.id, released_at=released,
            opened_at=None if newest else released + dt.timedelta(hours=3),
        )  # fmt: skip
        db.add(item)
        db.flush()
        rows += 1
        if step.kind == StepKind.EXERCISE and not newest and index % 2 == 0 and account:
            submitted = released + dt.timedelta(days=2)
            reviewed = index % 4 == 0  # the others wait for the manager's next ride-along
            db.add(
                ExerciseSubmission(
                    client_uuid=uuid.uuid5(
                        uuid.NAMESPACE_URL,
                        f"coachapp-demo-journey-{email}-{focus.competency_key}-{n}",
                    ),
                    rep_id=focus.rep_id,
                    progress_id=item.id,
                    account_id=account.id,
                    text=ANSWERS[0 if focus.competency_key == "stakeholder_mapping" else 1].format(
                        account=account.name
                    ),
                    submitted_at=submitted,
                    reviewed_at=submitted + dt.timedelta(days=3) if reviewed else None,
                    reviewed_by_id=manager_id if reviewed else None,
                )
            )
            rows += 1
    return rows
