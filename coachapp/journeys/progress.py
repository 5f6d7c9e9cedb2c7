"""A rep's way through a journey: started by a development focus, its steps opened and its
exercises answered by the rep, reviewed by their manager, and the figures a director reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from coachapp import audit, policy, replay
from coachapp.coaching.preparation import Prompt, rep_plans
from coachapp.db import utcnow
from coachapp.errors import Conflict, InvalidInput, NotFound
from coachapp.inbox import reading as inbox
from coachapp.models import (
    Account,
    DevelopmentFocus,
    ExerciseSubmission,
    JourneyEnrolment,
    JourneyProgress,
    JourneyStep,
    JourneyVersion,
    StepKind,
    User,
)
from coachapp.nudges import subjects

SENT_ALREADY = "You have sent this exercise already; your manager has it."
NOT_YOURS = "That submission could not be stored; send it again."
SHOWN_FOR_REVIEW = 10


@dataclass(frozen=True)
class JourneyView:
    enrolment: JourneyEnrolment
    steps: list[JourneyStep]
    reached: list[JourneyProgress]

    @property
    def name(self) -> str:
        return self.enrolment.version.journey.name

    @property
    def opened(self) -> int:
        return sum(1 for p in self.reached if p.opened_at is not None)


def journeys_of(db: Session, viewer: User, rep_id: int) -> list[JourneyView]:
    """The rep's journeys on an active focus, as far as the viewer sees them, with the steps
    that have reached the rep, newest first."""
    enrolments = db.scalars(
        select(JourneyEnrolment)
        .join(DevelopmentFocus, DevelopmentFocus.id == JourneyEnrolment.focus_id)
        .where(
            JourneyEnrolment.rep_id == rep_id,
            DevelopmentFocus.active.is_(True),
            policy.journeys_scope(viewer),
        )
        .options(
            joinedload(JourneyEnrolment.version).joinedload(JourneyVersion.journey),
            joinedload(JourneyEnrolment.version).selectinload(JourneyVersion.steps),
            selectinload(JourneyEnrolment.progress).joinedload(JourneyProgress.step),
            selectinload(JourneyEnrolment.progress)
            .joinedload(JourneyProgress.submission)
            .joinedload(ExerciseSubmission.account),
        )
        .order_by(JourneyEnrolment.started_at)
    ).all()
    return [
        JourneyView(
            e, list(e.version.steps), sorted(e.progress, key=lambda p: p.released_at, reverse=True)
        )
        for e in enrolments
    ]


def step_for(db: Session, viewer: User, progress_id: int) -> JourneyProgress:
    """A step that reached a rep; the rep opening it marks it opened (and its nudge read)."""
    progress = policy.journey_progress_or_404(db, viewer, progress_id)
    if viewer.id == progress.enrolment.rep_id:
        if progress.opened_at is None:
            progress.opened_at = utcnow()
            db.commit()
        inbox.page_opened(db, viewer, subjects.journey_step(progress.id))
    return progress


def accounts_for(db: Session, rep: User) -> list[Account]:
    """The rep's named accounts: those of their live plans, most recently active first."""
    seen: dict[int, Account] = {}
    for plan in rep_plans(db, rep, rep):
        seen.setdefault(plan.account_id, plan.account)
    return list(seen.values())


def submit(
    db: Session, rep: User, progress_id: int, data: dict[str, Any]
) -> tuple[ExerciseSubmission, bool]:
    """Stores the rep's answer to an exercise: (submission, created). The same client_uuid
    again (a double tap, the outbox replaying) returns the first one; another answer to an
    exercise already answered is refused."""
    progress = policy.journey_progress_or_404(db, rep, progress_id)
    if progress.enrolment.rep_id != rep.id:
        raise NotFound()
    client_uuid: uuid.UUID = data.get("client_uuid") or uuid.uuid4()
    earlier = replay.made_before(
        db, ExerciseSubmission, client_uuid, lambda s: s.rep_id == rep.id, NOT_YOURS
    )
    if earlier is not None:
        if earlier.progress_id != progress.id:
            raise Conflict(NOT_YOURS)
        return earlier, False
    if progress.step.kind != StepKind.EXERCISE:
        raise Conflict("This step is a pulse to read; there is nothing to send.")
    if progress.submission is not None:
        raise Conflict(SENT_ALREADY)
    if data["account_id"] not in {a.id for a in accounts_for(db, rep)}:
        message = "Choose one of the accounts in your plans."
        raise InvalidInput(message, {"account_id": [message]})
    submission = ExerciseSubmission(
        client_uuid=client_uuid,
        rep_id=rep.id,
        progress_id=progress.id,
        account_id=data["account_id"],
        text=data["text"].strip(),
        submitted_at=utcnow(),
    )
    raced = replay.add_new(db, submission, lambda s: s.rep_id == rep.id, NOT_YOURS)
    if raced is not None:
        return raced, False
    progress.opened_at = progress.opened_at or submission.submitted_at
    audit.record(
        db, rep, "journey.submit", "journey_submission", submission.id, step_id=progress.step_id
    )
    db.commit()
    return submission, True


def review(db: Session, manager: User, submission_id: int) -> ExerciseSubmission:
    """The rep's line manager marks an exercise reviewed (again: nothing changes)."""
    submission = db.get(ExerciseSubmission, submission_id)
    if submission is None or not policy.may_review_journey(manager, submission.rep):
        raise NotFound()
    if submission.reviewed_at is None:
        submission.reviewed_at = utcnow()
        submission.reviewed_by_id = manager.id
        audit.record(db, manager, "journey.review", "journey_submission", submission.id)
        db.commit()
    return submission


def submissions_of(db: Session, viewer: User, rep_id: int) -> list[ExerciseSubmission]:
    """The rep's exercise answers the viewer may see, waiting for review first, then newest."""
    return list(
        db.scalars(
            select(ExerciseSubmission)
            .join(JourneyProgress, JourneyProgress.id == ExerciseSubmission.progress_id)
            .join(JourneyEnrolment, JourneyEnrolment.id == JourneyProgress.enrolment_id)
            .where(ExerciseSubmission.rep_id == rep_id, policy.journeys_scope(viewer))
            .options(
                joinedload(ExerciseSubmission.account),
                joinedload(ExerciseSubmission.progress).joinedload(JourneyProgress.step),
            )
            .order_by(
                ExerciseSubmission.reviewed_at.is_not(None),
                ExerciseSubmission.submitted_at.desc(),
            )
            .limit(SHOWN_FOR_REVIEW)
        )
    )


def prompts(db: Session, viewer: User, rep: User) -> list[Prompt]:
    """ "What to coach on": each exercise the rep sent that is not reviewed yet."""
    return [
        Prompt(
            "journey",
            f"Journey exercise “{s.progress.step.title}” at {s.account.name}: {s.text}",
            f"Ask {rep.first_name} what they learned at {s.account.name}, and what they will "
            "do next because of it.",
        )
        for s in submissions_of(db, viewer, rep.id)
        if s.reviewed_at is None
    ]


@dataclass(frozen=True)
class TeamJourneys:
    started: int = 0
    reached: int = 0
    opened: int = 0
    exercises: int = 0
    submitted: int = 0
    reviewed: int = 0


def team_progress(db: Session, viewer: User, manager_ids: list[int]) -> dict[int, TeamJourneys]:
    """Per first-line manager: journeys started on their reps' active focuses, the steps that
    reached the reps and were opened, the exercises among them, sent and reviewed."""
    if not manager_ids:
        return {}
    rows = db.execute(
        select(
            User.manager_id,
            func.count(distinct(JourneyEnrolment.id)),
            func.count(JourneyProgress.id),
            func.count(JourneyProgress.opened_at),
            func.count(case((JourneyStep.kind == StepKind.EXERCISE, JourneyProgress.id))),
            func.count(ExerciseSubmission.id),
            func.count(ExerciseSubmission.reviewed_at),
        )
        .select_from(JourneyEnrolment)
        .join(User, User.id == JourneyEnrolment.rep_id)
        .join(DevelopmentFocus, DevelopmentFocus.id == JourneyEnrolment.focus_id)
        .outerjoin(JourneyProgress, JourneyProgress.enrolment_id == JourneyEnrolment.id)
        .outerjoin(JourneyStep, JourneyStep.id == JourneyProgress.step_id)
        .outerjoin(ExerciseSubmission, ExerciseSubmission.progress_id == JourneyProgress.id)
        .where(
            User.manager_id.in_(manager_ids),
            User.active.is_(True),
            DevelopmentFocus.active.is_(True),
            policy.journeys_scope(viewer),
        )
        .group_by(User.manager_id)
    ).all()
    return {row[0]: TeamJourneys(*row[1:]) for row in rows if row[0] is not None}
