"""How long coaching content is kept: the organisation's retention setting, what its next run
removes, and the run itself (the worker's daily job `retention`, `flask --app coachapp
retention [--dry-run]`, and the admin's retention page, which shows the same list).

Two rules, each off until an admin sets it:

- Drafts never shared (coaching notes and coach-the-coach notes) go once they have not been
  changed for `draft_days`, as their author discarding them would (coaching.service.remove_draft).
- Someone who left (was deactivated) `leaver_content_days` ago is erased: their name and email
  anonymised, the free text about them and in their own voice blanked, their devices, sessions,
  tokens, links, emails and notifications removed. Every row a figure counts stays, with its
  dates, statuses and scores, so the cadence and quality figures directors read do not move.
  What they wrote about others' coaching (the strengths and focus of notes they wrote about a
  rep still here, observations about a colleague, plan insights about an account) is that
  person's or the account's record and stays, under the anonymised name.

`planned` computes the list; `apply` removes exactly what `planned` lists at the same moment,
and writes one audit entry with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from coachapp import audit
from coachapp.auth.passwords import unusable_password_hash
from coachapp.coaching.service import remove_draft
from coachapp.db import utcnow
from coachapp.inbox.service import forget_about
from coachapp.models import (
    ApiToken,
    AuditEvent,
    BrowserSession,
    CalendarFeed,
    CoachTheCoachNote,
    DevelopmentFocus,
    ExerciseSubmission,
    FollowUp,
    LoginAttempt,
    MailMessage,
    Note,
    NoteRating,
    NoteStatus,
    Notification,
    NotificationPreference,
    Observation,
    PasswordLink,
    PasswordResetRequest,
    PendingSelfAssessment,
    PlanComment,
    PlannedRideAlong,
    PushSubscription,
    RetentionSetting,
    ReviewAcknowledgement,
    RideAlongCall,
    ScimUser,
    User,
    UserTerritory,
    WriteAllowance,
)
from coachapp.nudges import subjects

SETTING_ID = 1
MIN_LEAVER_DAYS, MAX_DAYS = 30, 3650
MIN_DRAFT_DAYS = 7
REMOVED = "[removed]"


def _days(minimum: int, what: str) -> fields.Integer:
    message = f"A whole number of days from {minimum} to {MAX_DAYS}, or empty to keep {what}."
    return fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=validate.Range(min=minimum, max=MAX_DAYS, error=message),
        error_messages={"invalid": message},
    )


class RetentionSchema(Schema):
    """The admin's form: blank keeps that content for good."""

    leaver_content_days = _days(MIN_LEAVER_DAYS, "it for good")
    draft_days = _days(MIN_DRAFT_DAYS, "drafts for good")


retention_schema = RetentionSchema()


@dataclass(frozen=True)
class Retention:
    leaver_content_days: int | None
    draft_days: int | None

    @property
    def off(self) -> bool:
        return self.leaver_content_days is None and self.draft_days is None


def retention(db: Session) -> Retention:
    row = db.get(RetentionSetting, SETTING_ID)
    if row is None:
        return Retention(None, None)
    return Retention(row.leaver_content_days, row.draft_days)


def save_retention(db: Session, actor: User, data: dict[str, Any]) -> Retention:
    """Saves the setting (validated by retention_schema), audited; commits."""
    row = db.get(RetentionSetting, SETTING_ID)
    before = retention(db)
    if row is None:
        row = RetentionSetting(id=SETTING_ID)
        db.add(row)
    row.leaver_content_days = data.get("leaver_content_days")
    row.draft_days = data.get("draft_days")
    audit.record(
        db, actor, "retention.setting", "retention_setting", SETTING_ID,
        before={"leaver_content_days": before.leaver_content_days, "draft_days": before.draft_days},
        after={"leaver_content_days": row.leaver_content_days, "draft_days": row.draft_days},
    )  # fmt: skip
    db.commit()
    return retention(db)


# What the next run removes ---------------------------------------------------------------


@dataclass(frozen=True)
class DraftToRemove:
    kind: str  # "coaching note" or "coach-the-coach note"
    id: int
    author: str
    about: str
    last_changed: dt.datetime


@dataclass(frozen=True)
class LeaverToErase:
    id: int
    name: str
    left_at: dt.datetime


@dataclass(frozen=True)
class Removal:
    """What a run at `as_of` removes."""

    as_of: dt.datetime
    setting: Retention
    drafts: list[DraftToRemove] = field(default_factory=list)
    leavers: list[LeaverToErase] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.drafts and not self.leavers

    def keys(self) -> dict[str, list[int]]:
        """What it removes by id, as the audit entry records it."""
        return {
            "coaching_notes": [d.id for d in self.drafts if d.kind == NOTE],
            "coach_the_coach_notes": [d.id for d in self.drafts if d.kind == COACH_NOTE],
            "leavers": [leaver.id for leaver in self.leavers],
        }

    def lines(self) -> list[str]:
        """One line a removal, as the command prints them."""
        found = [
            f"draft {d.kind} {d.id} by {d.author} about {d.about}, "
            f"last changed {d.last_changed:%Y-%m-%d}"
            for d in self.drafts
        ]
        found += [
            f"erase {leaver.name} (person {leaver.id}), left {leaver.left_at:%Y-%m-%d}"
            for leaver in self.leavers
        ]
        return found


NOTE, COACH_NOTE = "coaching note", "coach-the-coach note"


def planned(db: Session, now: dt.datetime | None = None) -> Removal:
    """What a run now would remove (the dry run): nothing while the setting is off."""
    now = now or utcnow()
    setting = retention(db)
    drafts: list[DraftToRemove] = []
    leavers: list[LeaverToErase] = []
    if setting.draft_days is not None:
        cutoff = now - dt.timedelta(days=setting.draft_days)
        drafts += [
            DraftToRemove(NOTE, note.id, note.manager.name, note.rep.name, note.updated_at)
            for note in db.scalars(
                select(Note)
                .where(Note.status == NoteStatus.DRAFT, Note.updated_at < cutoff)
                .options(selectinload(Note.manager), selectinload(Note.rep))
                .order_by(Note.updated_at, Note.id)
            )
        ]
        drafts += [
            DraftToRemove(
                COACH_NOTE, note.id, note.director.name, note.manager.name, note.updated_at
            )
            for note in db.scalars(
                select(CoachTheCoachNote)
                .where(
                    CoachTheCoachNote.status == NoteStatus.DRAFT,
                    CoachTheCoachNote.updated_at < cutoff,
                )
                .options(
                    selectinload(CoachTheCoachNote.director),
                    selectinload(CoachTheCoachNote.manager),
                )
                .order_by(CoachTheCoachNote.updated_at, CoachTheCoachNote.id)
            )
        ]
    if setting.leaver_content_days is not None:
        cutoff = now - dt.timedelta(days=setting.leaver_content_days)
        leavers = [
            LeaverToErase(person.id, person.name, person.left_at)
            for person in db.scalars(
                select(User)
                .where(
                    User.active.is_(False),
                    User.left_at.is_not(None),
                    User.left_at < cutoff,
                    User.erased_at.is_(None),
                )
                .order_by(User.left_at, User.id)
            )
            if person.left_at is not None
        ]
    return Removal(now, setting, drafts, leavers)


# The run ----------------------------------------------------------------------------------


def apply(db: Session, actor: User | None = None, now: dt.datetime | None = None) -> Removal:
    """Removes what planned(now) lists, with one audit entry (none when nothing is due);
    commits. Returns what it removed."""
    now = now or utcnow()
    removal = planned(db, now)
    if removal.empty:
        return removal
    for draft in removal.drafts:
        if draft.kind == NOTE:
            note = db.get(Note, draft.id)
            if note is not None:
                remove_draft(db, note)
        else:
            coach_note = db.get(CoachTheCoachNote, draft.id)
            if coach_note is not None:
                forget_about(db, [subjects.coach_note(coach_note.id)])
                db.delete(coach_note)
    for leaver in removal.leavers:
        erase(db, leaver.id, now)
    audit.record(
        db, actor, "retention.apply", "retention_setting", SETTING_ID,
        leaver_content_days=removal.setting.leaver_content_days,
        draft_days=removal.setting.draft_days, **removal.keys(),
    )  # fmt: skip
    db.commit()
    return removal


def erased_name(person_id: int) -> str:
    return f"Former colleague {person_id}"


def erased_email(person_id: int) -> str:
    return f"erased-{person_id}@erased.invalid"


def _scrub_audit(db: Session, person: User, name: str, email: str) -> None:
    """The audit trail keeps what was done to their account, not their name or email: where
    an entry about them names them (an account created with its email), the anonymised values
    stand instead."""
    replaced = {person.email: email, person.name: name}
    for event in db.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "user", AuditEvent.object_id == person.id
        )
    ):
        details = {
            key: replaced.get(value, value) if isinstance(value, str) else value
            for key, value in (event.details or {}).items()
        }
        if details != event.details:
            event.details = details  # a new dict: changes inside a JSON value are not tracked


def erase(db: Session, person_id: int, now: dt.datetime) -> None:
    """Anonymises one leaver in the caller's transaction (see the module's docstring)."""
    person = db.get(User, person_id)
    if person is None:
        return
    email = person.email
    pid = person.id

    def blank(model: Any, *where: Any, **values: Any) -> None:
        db.execute(
            update(model)
            .where(*where)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    def remove(model: Any, *where: Any) -> None:
        db.execute(delete(model).where(*where).execution_options(synchronize_session=False))

    # Coaching about them: the words go, the dates, statuses and scores stay.
    about_them = select(Note.id).where(Note.rep_id == pid)
    blank(
        Note,
        Note.rep_id == pid,
        strengths="",
        development_focus="",
        private_notes="",
        addendum=None,
        ack_comment=None,
    )
    blank(NoteRating, NoteRating.session_id.in_(about_them), evidence="")
    # Their own voice on notes about others: the private notes they kept.
    blank(Note, Note.manager_id == pid, private_notes="")
    blank(FollowUp, FollowUp.owner_id == pid, title=REMOVED, evidence=None)
    blank(DevelopmentFocus, DevelopmentFocus.rep_id == pid, goal="")
    blank(ExerciseSubmission, ExerciseSubmission.rep_id == pid, text=REMOVED)
    blank(Observation, Observation.subject_id == pid, text=REMOVED)
    blank(
        CoachTheCoachNote,
        CoachTheCoachNote.manager_id == pid,
        situation=REMOVED,
        action=REMOVED,
        result=REMOVED,
        ack_comment=None,
    )
    blank(ReviewAcknowledgement, ReviewAcknowledgement.user_id == pid, comment=None)
    blank(PlanComment, PlanComment.author_id == pid, body=REMOVED)
    their_days = select(PlannedRideAlong.id).where(PlannedRideAlong.rep_id == pid)
    blank(PlannedRideAlong, PlannedRideAlong.rep_id == pid, help_request="", note="")
    blank(RideAlongCall, RideAlongCall.ride_id.in_(their_days), evidence="")
    remove(PendingSelfAssessment, PendingSelfAssessment.rep_id == pid)
    # What only served them: their devices, sign-ins, links, mail and inbox.
    for model, column in (
        (PushSubscription, PushSubscription.user_id),
        (BrowserSession, BrowserSession.user_id),
        (ApiToken, ApiToken.user_id),
        (CalendarFeed, CalendarFeed.user_id),
        (PasswordLink, PasswordLink.user_id),
        (NotificationPreference, NotificationPreference.user_id),
        (Notification, Notification.recipient_id),
        (MailMessage, MailMessage.recipient_id),
        (UserTerritory, UserTerritory.user_id),
        (WriteAllowance, WriteAllowance.user_id),
    ):
        remove(model, column == pid)
    remove(LoginAttempt, LoginAttempt.email == email)
    remove(PasswordResetRequest, PasswordResetRequest.email == email)
    blank(ScimUser, ScimUser.user_id == pid, name_parts=None, emails=None)
    _scrub_audit(db, person, erased_name(pid), erased_email(pid))
    db.execute(
        update(User)
        .where(User.id == pid)
        .values(
            name=erased_name(pid),
            email=erased_email(pid),
            region="",
            password_hash=unusable_password_hash(),
            erased_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.expire(person)
