"""The journeys' nudge rules, evaluated by the worker with the others (coachapp.nudges.rules).

Pulses: a rep's journey sends its next step when its time has come: the first as soon as the
journey starts, each next one the focus's check-in interval (`checkin_days`) after the one
before. It waits while the rep is in their quiet hours, and on a day their notifications have
reached their daily cap (coachapp.nudges.preferences): a pulse is never the one that makes a
rep's day too busy, it comes the next time there is room. Releasing a step writes its
progress row and its nudge together, each once (unique keys), whatever the number of workers.

Check-ins: the manager of a rep with an active focus, once the interval has passed with no
coaching on it: no shared note rating the focus competency, no exercise of its journey
reviewed, since the focus was set (or since the last of these).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from coachapp import policy
from coachapp.db import insert_for
from coachapp.journeys.starting import start_for_focus
from coachapp.languages import gettext, writing_for
from coachapp.links import path_for
from coachapp.models import (
    Competency,
    DevelopmentFocus,
    ExerciseSubmission,
    JourneyEnrolment,
    JourneyProgress,
    JourneyVersion,
    Note,
    NoteRating,
    NoteStatus,
    Notification,
    User,
)
from coachapp.nudges import subjects
from coachapp.nudges.preferences import preferences_for, quiet_until, start_of_local_day
from coachapp.timezones import local_today


@dataclass(frozen=True)
class JourneyNudge:
    recipient_id: int
    kind: str
    title: str
    url: str
    dedupe_key: str
    body: str = ""
    subject: str | None = None


def _notified_today(db: Session, reps: list[User], now: dt.datetime) -> dict[int, int]:
    """Notifications each rep has had since the start of their own day."""
    counts: dict[int, int] = {}
    for rep in reps:
        counts[rep.id] = (
            db.scalar(
                select(func.count()).where(
                    Notification.recipient_id == rep.id,
                    Notification.created_at >= start_of_local_day(rep.timezone, now),
                    Notification.created_at <= now,
                )
            )
            or 0
        )
    return counts


def _release(db: Session, enrolment_id: int, step_id: int, now: dt.datetime) -> int | None:
    """The step's progress row, written once; its id, or None when another worker wrote it."""
    statement = (
        insert_for(db)(JourneyProgress)
        .values(enrolment_id=enrolment_id, step_id=step_id, released_at=now)
        .on_conflict_do_nothing(index_elements=["enrolment_id", "step_id"])
        .returning(JourneyProgress.id)
    )
    return db.execute(statement).scalar()


def start_missing(db: Session) -> None:
    """Journeys for active focuses set before their competency's journey was published."""
    focuses = db.scalars(
        select(DevelopmentFocus).where(
            DevelopmentFocus.active.is_(True),
            ~select(JourneyEnrolment.id)
            .where(JourneyEnrolment.focus_id == DevelopmentFocus.id)
            .exists(),
        )
    ).all()
    for focus in focuses:
        start_for_focus(db, focus)


def pulses(db: Session, now: dt.datetime) -> Iterator[JourneyNudge]:
    start_missing(db)
    last = (
        select(JourneyProgress.enrolment_id, func.max(JourneyProgress.released_at).label("at"))
        .group_by(JourneyProgress.enrolment_id)
        .subquery()
    )
    rows = db.execute(
        select(JourneyEnrolment, DevelopmentFocus.checkin_days, last.c.at)
        .join(DevelopmentFocus, DevelopmentFocus.id == JourneyEnrolment.focus_id)
        .join(User, User.id == JourneyEnrolment.rep_id)
        .outerjoin(last, last.c.enrolment_id == JourneyEnrolment.id)
        .where(DevelopmentFocus.active.is_(True), User.active.is_(True))
        .options(
            joinedload(JourneyEnrolment.rep),
            joinedload(JourneyEnrolment.version).selectinload(JourneyVersion.steps),
            joinedload(JourneyEnrolment.version).joinedload(JourneyVersion.journey),
            selectinload(JourneyEnrolment.progress),
        )
        .order_by(JourneyEnrolment.id)
    ).all()
    due = [
        enrolment
        for enrolment, days, at in rows
        if now >= (enrolment.started_at if at is None else at + dt.timedelta(days=days))
    ]
    if not due:
        return
    reps = list({e.rep_id: e.rep for e in due}.values())
    prefs = preferences_for(db, [r.id for r in reps])
    counts = _notified_today(db, reps, now)
    for enrolment in due:
        rep = enrolment.rep
        reached = {p.step_id for p in enrolment.progress}
        step = next((s for s in enrolment.version.steps if s.id not in reached), None)
        if step is None:
            continue  # every step has reached the rep
        if quiet_until(prefs[rep.id], rep.timezone, now) is not None:
            continue
        if counts[rep.id] >= prefs[rep.id].daily_cap:
            continue
        progress_id = _release(db, enrolment.id, step.id, now)
        if progress_id is None:
            continue
        counts[rep.id] += 1
        with writing_for(rep):
            kind = gettext(step.kind_label)
        yield JourneyNudge(
            rep.id,
            "journey_pulse",
            f"{enrolment.version.journey.name} · {kind}: {step.title}",
            path_for("journeys.step", progress_id=progress_id),
            f"journey_pulse:{enrolment.id}:{step.id}",
            subject=subjects.journey_step(progress_id),
        )


def _last_coached_on_focus(db: Session, focus: DevelopmentFocus) -> dt.date:
    """The day of the last coaching on the focus since it was set, or the day it was set."""
    rated = db.scalar(
        select(func.max(Note.occurred_on))
        .join(NoteRating, NoteRating.session_id == Note.id)
        .join(Competency, Competency.id == NoteRating.competency_id)
        .where(
            Note.rep_id == focus.rep_id,
            Note.status != NoteStatus.DRAFT,
            Competency.key == focus.competency_key,
            NoteRating.score.is_not(None),
        )
    )
    reviewed = db.scalar(
        select(func.max(ExerciseSubmission.reviewed_at))
        .join(JourneyProgress, JourneyProgress.id == ExerciseSubmission.progress_id)
        .join(JourneyEnrolment, JourneyEnrolment.id == JourneyProgress.enrolment_id)
        .where(JourneyEnrolment.focus_id == focus.id)
    )
    days = [focus.created_at.date()]
    if rated is not None:
        days.append(rated)
    if reviewed is not None:
        days.append(reviewed.date())
    return max(days)


def checkins(db: Session, now: dt.datetime) -> Iterator[JourneyNudge]:
    rows = db.execute(
        select(DevelopmentFocus, User)
        .join(User, User.id == DevelopmentFocus.rep_id)
        .where(
            DevelopmentFocus.active.is_(True),
            User.active.is_(True),
            User.manager_id.is_not(None),
        )
        .options(joinedload(User.manager))
    ).all()
    for focus, rep in rows:
        manager = rep.manager
        if manager is None or not manager.active or not policy.may_see_coaching_of(manager, rep):
            continue
        since = _last_coached_on_focus(db, focus)
        today = local_today(manager.timezone, now)
        if (today - since).days < focus.checkin_days:
            continue
        with writing_for(manager):
            title = gettext(
                "Check in with %(name)s on their development focus", name=rep.first_name
            )
            body = gettext(
                "No coaching on it for %(days)s days (check-in every %(every)s).",
                days=(today - since).days,
                every=focus.checkin_days,
            )
        yield JourneyNudge(
            manager.id,
            "focus_checkin",
            title,
            path_for("team.person", person_id=rep.id) + "#focus-heading",
            f"focus_checkin:{focus.id}:{since.isoformat()}",
            body,
            subjects.focus(focus.id),
        )
