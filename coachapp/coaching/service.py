"""Coaching conversations: logging, the draft → shared → acknowledged life cycle, follow-ups.

Pages, the API and the worker all come here. Reads go through coachapp.policy; every
change after sharing is audited; acknowledged notes are immutable (an addendum may be
appended). Private notes belong to their author alone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from coachapp import audit, policy, replay
from coachapp.coaching import blind, caps, counts
from coachapp.coaching.schemas import CONTENT_FIELDS
from coachapp.db import utcnow
from coachapp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coachapp.inbox.service import forget_about, mark_read_about
from coachapp.languages import N_, gettext, writing_for
from coachapp.links import path_for
from coachapp.models import (
    RATING_SCALE,
    Account,
    AccountReview,
    ActionStatus,
    AuditEvent,
    Competency,
    FollowUp,
    FollowUpStatus,
    GuideSection,
    GuideStatus,
    GuideVersion,
    Note,
    NoteRating,
    NoteStatus,
    NoteType,
    PendingSelfAssessment,
    PlanActionItem,
    PlannedRideAlong,
    Role,
    User,
)
from coachapp.nudges import subjects, wording
from coachapp.nudges.outbox import notify
from coachapp.timezones import local_today
from coachapp.versioning import (
    ExpectedVersion,
    IfMatch,
    StaleVersion,
    VersionRequired,
    check_version,
    commit_versioned,
    plain_value,
)

SCORES = frozenset(value for value, _label in RATING_SCALE)
# Edits after sharing whose before and after the rep sees (private notes never).
SHOWN_AFTER_SHARE = ("type", "occurred_on", "strengths", "development_focus")


# Guides -------------------------------------------------------------------------


def newest_published_version_ids() -> Select[int]:
    """The id of the newest published version of every guide (a subquery)."""
    newest = (
        select(GuideVersion.guide_id, func.max(GuideVersion.number).label("number"))
        .where(GuideVersion.status == GuideStatus.PUBLISHED)
        .group_by(GuideVersion.guide_id)
        .subquery()
    )
    return select(GuideVersion.id).join(
        newest,
        and_(GuideVersion.guide_id == newest.c.guide_id, GuideVersion.number == newest.c.number),
    )


def published_versions(db: Session) -> Sequence[GuideVersion]:
    """The newest published version of every guide, with sections and competencies."""
    return db.scalars(
        select(GuideVersion)
        .where(GuideVersion.id.in_(newest_published_version_ids()))
        .options(
            joinedload(GuideVersion.guide),
            selectinload(GuideVersion.sections).selectinload(GuideSection.competencies),
        )
        .order_by(GuideVersion.guide_id)
    ).all()


def guide_for(db: Session, rep: User) -> GuideVersion:
    """The guide a conversation with this rep uses: one targeting their function, else any."""
    return guide_among(published_versions(db), rep)


def guide_among(versions: Sequence[GuideVersion], rep: User) -> GuideVersion:
    """guide_for with the published versions already at hand (for many reps at once)."""
    if not versions:
        raise Conflict("No coaching guide is published yet; an admin publishes one first.")
    for version in versions:
        if rep.function.value in (version.guide.target_functions or []):
            return version
    general = [v for v in versions if not v.guide.target_functions]
    return (general or list(versions))[0]


def competencies_of(version: GuideVersion) -> dict[int, Competency]:
    return {c.id: c for section in version.sections for c in section.competencies}


# Reading ------------------------------------------------------------------------


ANOTHER_NOTE = "That client_uuid belongs to another note."
IN_THE_FUTURE = N_("The conversation cannot be in the future.")


def note_options() -> list[Any]:
    return [
        joinedload(Note.manager),
        joinedload(Note.rep),
        joinedload(Note.account),
        selectinload(Note.ratings).joinedload(NoteRating.competency),
        selectinload(Note.follow_ups).joinedload(FollowUp.owner),
        # The note shows its guide's sections and competencies: two queries, not one a section.
        joinedload(Note.guide_version)
        .selectinload(GuideVersion.sections)
        .selectinload(GuideSection.competencies),
    ]


def get_note(db: Session, viewer: User, note_id: int) -> Note:
    found = db.scalars(
        policy.visible_notes(viewer).where(Note.id == note_id).options(*note_options())
    ).first()
    if found is None:
        raise NotFound()
    policy.as_seen_by(db, viewer, [found])
    return found


def notes_about(db: Session, viewer: User, rep_id: int, limit: int = 20) -> Sequence[Note]:
    return policy.as_seen_by(
        db,
        viewer,
        db.scalars(
            policy.visible_notes(viewer)
            .where(Note.rep_id == rep_id)
            .options(*note_options())
            .order_by(Note.occurred_on.desc(), Note.id.desc())
            .limit(limit)
        ).all(),
    )


def notes_for_rep(db: Session, rep: User) -> Sequence[Note]:
    """The rep's shared and acknowledged notes, newest first."""
    return notes_about(db, rep, rep.id, limit=50)


# Writing ------------------------------------------------------------------------


def _coached_rep(db: Session, manager: User, rep_id: int) -> User:
    """Managers log coaching for their direct reports; anyone else is not found."""
    if manager.role != Role.MANAGER:
        raise PermissionDenied("Coaching notes are written by a rep's manager.")
    rep = db.get(User, rep_id)
    if rep is None or rep.manager_id != manager.id or not rep.active:
        raise NotFound()
    if not policy.may_see_coaching_of(manager, rep):
        raise NotFound()  # across the medical/commercial line, whatever the reporting chain
    return rep


def _check_plan(db: Session, manager: User, rep: User, data: dict[str, Any]) -> None:
    plan_id = data.get("plan_id")
    if plan_id is None:
        account_id = data.get("account_id")
        if account_id is not None and db.get(Account, account_id) is None:
            raise InvalidInput("No such account.", {"account_id": ["Choose an account."]})
        return
    plan = policy.plan_or_404(db, manager, plan_id)
    on_plan = plan.owner_id == rep.id or any(m.user_id == rep.id for m in plan.team)
    if not on_plan:
        raise InvalidInput(
            "That plan is not one of this rep's.", {"plan_id": ["Choose one of the rep's plans."]}
        )
    data["account_id"] = plan.account_id


def occurred_on_for(author: User, day: dt.date | None) -> dt.date:
    """The day a conversation took place, on its author's own calendar: today there when
    none is given (not the server's day), never after it. Pages, the API and notes kept
    offline all come through here."""
    today = local_today(author.timezone)
    if day is None:
        return today
    if day > today:
        raise InvalidInput(IN_THE_FUTURE, {"occurred_on": [IN_THE_FUTURE]})
    return day


def _ratings(version: GuideVersion, ratings: list[dict[str, Any]]) -> list[NoteRating]:
    """Ratings as the schemas loaded them (coachapp.coaching.schemas: scores on the scale),
    on competencies of the note's guide version, each once."""
    known = competencies_of(version)
    rows: list[NoteRating] = []
    seen: set[int] = set()
    for index, rating in enumerate(ratings):
        competency_id = rating["competency_id"]
        if competency_id not in known:
            raise InvalidInput(
                "A rating names a competency that is not in this guide version.",
                {"ratings": {str(index): {"competency_id": ["Not in the guide used."]}}},
            )
        if competency_id in seen:
            raise InvalidInput(
                "A competency is rated twice.",
                {"ratings": {str(index): {"competency_id": ["Rated twice."]}}},
            )
        seen.add(competency_id)
        rows.append(
            NoteRating(
                competency_id=competency_id,
                score=rating.get("score"),
                evidence=_evidence(rating),
            )
        )
    return rows


def _evidence(rating: dict[str, Any]) -> str:
    """A rating's evidence as stored: without the spaces around it (a form's field or a
    body's, alike)."""
    return str(rating.get("evidence") or "").strip()


def _follow_ups(
    db: Session, note: Note, manager: User, items: list[dict[str, Any]]
) -> list[FollowUp]:
    rows = []
    for index, item in enumerate(items):
        owner_id = item.get("owner_id") or note.rep_id
        if owner_id not in {note.rep_id, manager.id}:
            raise InvalidInput(
                "A follow-up is owned by the rep or by you.",
                {"follow_ups": {str(index): {"owner_id": ["The rep or the manager."]}}},
            )
        action_item_id = item.get("action_item_id")
        if action_item_id is not None and not _action_visible(db, manager, action_item_id):
            raise InvalidInput(
                "A follow-up is linked to an action of a plan you cannot see.",
                {"follow_ups": {str(index): {"action_item_id": ["Not an action you can see."]}}},
            )
        rows.append(
            FollowUp(
                owner_id=owner_id,
                created_by_id=manager.id,
                title=item["title"],
                due_date=item["due_date"],
                action_item_id=action_item_id,
            )
        )
    return rows


def _action_visible(db: Session, viewer: User, action_item_id: int) -> bool:
    found = db.scalar(
        select(PlanActionItem.id)
        .join(PlanActionItem.plan)
        .where(PlanActionItem.id == action_item_id, policy.plans_scope(viewer))
    )
    return found is not None


def planned_type(db: Session, manager: User, rep: User, day: dt.date) -> NoteType | None:
    """The kind of a conversation the manager did not choose: a ride-along when one is planned
    with the rep on that day (and not cancelled), else none: it is never guessed."""
    planned = db.scalar(
        select(PlannedRideAlong.id)
        .where(
            PlannedRideAlong.manager_id == manager.id,
            PlannedRideAlong.rep_id == rep.id,
            PlannedRideAlong.day == day,
            PlannedRideAlong.cancelled_at.is_(None),
        )
        .limit(1)
    )
    return NoteType.RIDE_ALONG if planned is not None else None


def create_note(
    db: Session,
    manager: User,
    data: dict[str, Any],
    *,
    read_back: bool = True,
    require_type: bool = False,
) -> tuple[Note, bool]:
    """Logs a conversation as a draft. The same client_uuid again returns the same session
    (an offline phone replaying its queue): (session, created). A new note is read back
    with everything get_note loads, unless read_back is False: a caller that needs no
    more than its id (the page redirects to the note's form) saves those queries.

    Without a type the note takes one only from a ride-along planned that day (planned_type);
    otherwise the draft has none until the manager chooses, unless require_type (the API,
    whose body names it) refuses it."""
    client_uuid = data.get("client_uuid") or uuid.uuid4()

    def mine(found: Note) -> bool:
        return found.manager_id == manager.id

    existing = replay.made_before(db, Note, client_uuid, mine, ANOTHER_NOTE)
    if existing is not None:
        return get_note(db, manager, existing.id), False
    rep = _coached_rep(db, manager, data["rep_id"])
    caps.check_changes({k: data[k] for k in ("strengths", "development_focus") if data.get(k)})
    _check_plan(db, manager, rep, data)
    version = (
        db.get(GuideVersion, data["guide_version_id"])
        if data.get("guide_version_id")
        else guide_for(db, rep)
    )
    if version is None or version.status != GuideStatus.PUBLISHED:
        raise InvalidInput(
            "Choose a published guide version.", {"guide_version_id": ["Not a published guide."]}
        )
    occurred_on = occurred_on_for(manager, data.get("occurred_on"))
    kind = data.get("type") or planned_type(db, manager, rep, occurred_on)
    if kind is None and require_type:
        raise InvalidInput(counts.CHOOSE_TYPE, {"type": [counts.CHOOSE_TYPE]})
    note = Note(
        client_uuid=client_uuid,
        manager_id=manager.id,
        rep_id=rep.id,
        guide_version_id=version.id,
        type=kind,
        occurred_on=occurred_on,
        status=NoteStatus.DRAFT,
        **{
            name: data[name]
            for name in CONTENT_FIELDS
            if name not in ("type", "occurred_on") and data.get(name) is not None
        },
    )
    note.ratings = _ratings(version, data.get("ratings") or [])
    joined = _take_pending_self_assessment(db, manager, note, version)
    raced = replay.add_new(db, note, mine, ANOTHER_NOTE)
    if raced is not None:  # two replays of one note raced; the other one won
        return get_note(db, manager, raced.id), False
    for row in _follow_ups(db, note, manager, data.get("follow_ups") or []):
        note.follow_ups.append(row)
    audit.record(
        db, manager, "session.create", "coaching_session", note.id,
        rep_id=rep.id, self_assessment_joined=joined,
    )  # fmt: skip
    db.commit()
    return (get_note(db, manager, note.id) if read_back else note), True


# "Log coaching": one open draft per rep ----------------------------------------------

# A draft nobody has touched for this many days is abandoned, unless configured
# (DRAFT_ABANDON_DAYS): its author is no longer nudged about it and is offered to discard it.
DEFAULT_DRAFT_ABANDON_DAYS = 14
NOT_A_DRAFT = "Only a draft is discarded; a shared note stays."


def draft_abandon_days() -> int:
    if has_app_context():
        return int(current_app.config.get("DRAFT_ABANDON_DAYS", DEFAULT_DRAFT_ABANDON_DAYS))
    return DEFAULT_DRAFT_ABANDON_DAYS


def is_abandoned(note: Note, now: dt.datetime) -> bool:
    return note.status == NoteStatus.DRAFT and note.updated_at <= now - dt.timedelta(
        days=draft_abandon_days()
    )


def written_in() -> ColumnElement[bool]:
    """A note with something written in it: a rating, a strength, a focus, private notes or
    a follow-up (a draft merely opened has none of these)."""
    return or_(
        Note.strengths != "",
        Note.development_focus != "",
        Note.private_notes != "",
        Note.ratings.any(),
        Note.follow_ups.any(),
    )


def open_draft_about(db: Session, manager: User, rep_id: int) -> Note | None:
    """The manager's draft about this rep touched last, if any: "Log coaching" opens it
    rather than starting another."""
    return db.scalars(
        select(Note)
        .where(
            Note.manager_id == manager.id,
            Note.rep_id == rep_id,
            Note.status == NoteStatus.DRAFT,
        )
        .order_by(Note.updated_at.desc(), Note.id.desc())
        .limit(1)
    ).first()


def start_draft(
    db: Session, manager: User, rep_id: int, client_uuid: uuid.UUID | None, plan_id: int | None
) -> Note:
    """A new draft from the tap on the rep's page whose form carried this client_uuid (a
    double tap, a retry: the same draft). When what that tap made is no longer a draft, the
    page was shown before it was shared (e.g. back to a page the browser kept): a new note
    was meant."""
    data: dict[str, Any] = {"client_uuid": client_uuid, "rep_id": rep_id, "plan_id": plan_id}
    note, created = create_note(db, manager, data, read_back=False)
    if not created and note.status != NoteStatus.DRAFT:
        note, _ = create_note(db, manager, {**data, "client_uuid": uuid.uuid4()}, read_back=False)
    return note


def discard_draft(db: Session, viewer: User, note_id: int, client_uuid: uuid.UUID | None) -> int:
    """ "Discard draft": its author deletes a draft they will not finish, with its ratings
    and follow-ups; the audit trail keeps who discarded what, when. A self-assessment the
    rep made before it waits for the next note again; a ride-along day it was written from
    can be written again. The form names the draft by its client_uuid too, so a repeat (a
    double tap, a replay) answers as the first did and never takes a later note that
    reused the id. Returns the rep's id."""
    found = db.scalars(
        policy.visible_notes(viewer)
        .where(Note.id == note_id)
        .options(selectinload(Note.follow_ups))
    ).first()
    if found is None or (client_uuid is not None and found.client_uuid != client_uuid):
        earlier = _discarded(db, viewer, note_id, client_uuid)
        if earlier is None:
            raise NotFound()
        return earlier
    if not policy.can_discard_draft(viewer, found):
        raise PermissionDenied("Only the note's author discards it.")
    if found.status != NoteStatus.DRAFT:
        raise Conflict(NOT_A_DRAFT)
    idle = utcnow() - found.updated_at
    audit.record(
        db, viewer, "session.discard", "coaching_session", found.id,
        rep_id=found.rep_id, client_uuid=str(found.client_uuid),
        occurred_on=found.occurred_on.isoformat(), ratings=len(found.ratings),
        follow_ups=len(found.follow_ups), idle_days=idle.days,
    )  # fmt: skip
    rep_id = found.rep_id
    remove_draft(db, found)
    db.commit()
    return rep_id


def remove_draft(db: Session, note: Note) -> None:
    """A draft goes, in the caller's transaction, with its ratings, follow-ups and reminders:
    a self-assessment the rep made before it waits for the next note again, a ride-along day
    it was written from can be written again. Its author discarding it, or the organisation's
    retention of drafts never shared (coachapp.privacy.retention)."""
    _give_back_self_assessment(db, note)
    db.execute(
        update(PlannedRideAlong)
        .where(PlannedRideAlong.session_id == note.id)
        .values(session_id=None)
        .execution_options(synchronize_session=False)
    )
    # Its reminders ("not shared yet", its follow-ups') go with it.
    forget_about(db, [subjects.note(note.id), *(subjects.follow_up(f.id) for f in note.follow_ups)])
    for row in list(note.follow_ups):
        db.delete(row)
    db.delete(note)


def _discarded(
    db: Session, viewer: User, note_id: int, client_uuid: uuid.UUID | None
) -> int | None:
    """The rep of the draft this person discarded already, or None."""
    events = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "session.discard",
            AuditEvent.object_type == "coaching_session",
            AuditEvent.object_id == note_id,
            AuditEvent.actor_id == viewer.id,
        )
    ).all()
    for event in events:
        if client_uuid is None or event.details.get("client_uuid") == str(client_uuid):
            return int(event.details["rep_id"])
    return None


def _give_back_self_assessment(db: Session, note: Note) -> None:
    """The rep's self-assessment that joined this draft waits for their next note again
    (unless they have made a newer one meanwhile)."""
    assessment = note.self_assessment or {}
    if not assessment.get("before_note") or not assessment.get("ratings"):
        return
    waiting = db.scalars(
        select(PendingSelfAssessment.id).where(PendingSelfAssessment.rep_id == note.rep_id)
    ).first()
    if waiting is not None:
        return
    at = dt.datetime.fromisoformat(assessment["at"]) if assessment.get("at") else utcnow()
    db.add(
        PendingSelfAssessment(
            rep_id=note.rep_id,
            guide_version_id=note.guide_version_id,
            ratings=[
                {"competency_id": r["competency_id"], "score": r["score"]}
                for r in assessment["ratings"]
            ],
            created_at=at,
            updated_at=at,
        )
    )


def update_note(
    db: Session,
    viewer: User,
    note_id: int,
    changes: dict[str, Any],
    *,
    expected_version: ExpectedVersion = None,
    require_version: bool = False,
) -> Note:
    """The author edits; after sharing each change is audited; after acknowledgement never."""
    note = get_note(db, viewer, note_id)
    check_editable(viewer, note, "Only the note's author can change it.")
    if note.status == NoteStatus.ACKNOWLEDGED:
        raise Conflict("The rep has acknowledged this note; add an addendum instead.")
    if expected_version is None and require_version:
        raise VersionRequired()
    try:
        check_version(note.version, expected_version, {})
    except StaleVersion:
        if _older(expected_version, note.version) and _made_already(note, changes):
            # A repeat of a change that went through (a double tap, a replay after a lost
            # answer): RFC 9110 §13.1.1 lets it succeed, as nothing would change.
            return note
        raise
    # Caps and what a shared note keeps apply to what changes: a note from before them keeps
    # its text (and ratings) until edited.
    changed: dict[str, Any] = {
        name: changes[name] or ""
        for name in ("strengths", "development_focus")
        if name in changes and (changes[name] or "") != getattr(note, name)
    }
    caps.check_changes(changed)
    if note.status == NoteStatus.SHARED:
        if "type" in changes:
            changed["type"] = changes["type"]
        if "ratings" in changes and _scores(changes["ratings"] or []) != _scores(
            [{"competency_id": r.competency_id, "score": r.score} for r in note.ratings]
        ):
            changed["ratings"] = changes["ratings"]
        counts.check_shared_edit(changed)
    if "occurred_on" in changes and changes["occurred_on"] != note.occurred_on:
        # A note dated before this rule keeps its day until the day itself is changed.
        changes["occurred_on"] = occurred_on_for(viewer, changes["occurred_on"])
    if changes.get("plan_id") is not None or changes.get("account_id") is not None:
        _check_plan(db, viewer, note.rep, changes)
    if "ratings" in changes:
        ratings = _ratings(note.guide_version, changes["ratings"] or [])
        # The old rows go first: a competency is rated once per session (a unique key),
        # and the unit of work would otherwise insert the new rows before deleting these.
        note.ratings.clear()
        db.flush()
        note.ratings = ratings
    before = {name: plain_value(getattr(note, name)) for name in CONTENT_FIELDS}
    for name in CONTENT_FIELDS:
        if name in changes:
            setattr(note, name, changes[name])
    if "follow_ups" in changes:
        _replace_follow_ups(db, note, viewer, changes["follow_ups"] or [])
    after = {name: plain_value(getattr(note, name)) for name in CONTENT_FIELDS}
    diff = {k: [before[k], after[k]] for k in CONTENT_FIELDS if before[k] != after[k]}
    if "ratings" in changes:
        diff["ratings"] = ["changed", "changed"]
    if note.status == NoteStatus.SHARED and diff:
        # The rep sees what changed after sharing; private notes stay out of their view.
        visible = sorted(k for k in diff if k != "private_notes")
        if visible:
            audit.record(
                db, viewer, "session.edit_after_share", "coaching_session", note.id,
                fields=visible,
                texts={k: diff[k] for k in SHOWN_AFTER_SHARE if k in diff},
            )  # fmt: skip
        else:
            audit.record(db, viewer, "session.update", "coaching_session", note.id)
    elif diff:
        audit.record(db, viewer, "session.update", "coaching_session", note.id, fields=sorted(diff))
    note.updated_at = utcnow()
    commit_versioned(db, note)
    return get_note(db, viewer, note.id)


def _older(expected: ExpectedVersion, current: int) -> bool:
    """The precondition names an earlier version of the note (not a tag never given out)."""
    if isinstance(expected, IfMatch):
        return any(version < current for version in expected.versions)
    return expected is not None and expected < current


def _made_already(note: Note, changes: dict[str, Any]) -> bool:
    """The note already says all these changes say (follow-ups are not compared: a change
    naming them is never taken for a repeat)."""
    if "follow_ups" in changes:
        return False
    for name in CONTENT_FIELDS:
        if name in changes and plain_value(changes[name]) != plain_value(getattr(note, name)):
            return False
    if "ratings" in changes:
        wanted = {
            (r["competency_id"], r.get("score"), _evidence(r)) for r in changes["ratings"] or []
        }
        stored = {(r.competency_id, r.score, r.evidence or "") for r in note.ratings}
        if wanted != stored or len(wanted) != len(changes["ratings"] or []):
            return False
    return True


def _scores(ratings: list[dict[str, Any]]) -> dict[int, int | None]:
    return {r["competency_id"]: r.get("score") for r in ratings}


def _replace_follow_ups(
    db: Session, note: Note, manager: User, items: list[dict[str, Any]]
) -> None:
    """Follow-ups given by id keep their row (and status); the rest are new; missing ones go."""
    by_id = {f.id: f for f in note.follow_ups}
    keep: list[FollowUp] = []
    new_items = []
    for item in items:
        row = by_id.get(item.get("id") or -1)
        if row is None:
            new_items.append(item)
            continue
        row.title = item.get("title", row.title)
        row.due_date = item.get("due_date", row.due_date)
        if item.get("status"):
            row.status = item["status"]
        keep.append(row)
    gone = [row for row in note.follow_ups if row not in keep]
    forget_about(db, (subjects.follow_up(row.id) for row in gone))
    for row in gone:
        db.delete(row)
    note.follow_ups = keep + _follow_ups(db, note, manager, new_items)


def moved_on_message(note: Note) -> str:
    """Why the author of a note about a rep who has left their team changes nothing on it."""
    first = note.rep.first_name
    if note.status == NoteStatus.DRAFT:
        return (
            f"{first} no longer reports to you, so this draft cannot be shared. "
            "You can still read it, or discard it."
        )
    return (
        f"{first} no longer reports to you, so this note cannot be changed any more. "
        f"You can still read it as it stood when {first} moved."
    )


def check_editable(viewer: User, note: Note, otherwise: str) -> None:
    """Refuses (403) anyone but the note's author, and its author once the rep has left
    their line (coachapp.policy, "A team move"), saying which."""
    if policy.can_edit_note(viewer, note):
        return
    if policy.wrote(viewer, note):
        raise PermissionDenied(moved_on_message(note))
    raise PermissionDenied(otherwise)


def share_note(db: Session, viewer: User, note_id: int) -> Note:
    """Shares a draft with its rep; sharing a shared note again changes nothing, also when two
    tabs (or a replay and its original) share the same draft at the same moment: the one that
    loses the race gets the shared note, not a conflict."""
    try:
        return _share(db, viewer, note_id)
    except (StaleVersion, StaleDataError):
        db.rollback()
        note = get_note(db, viewer, note_id)
        if note.status == NoteStatus.DRAFT:
            raise
        return note


def _share(db: Session, viewer: User, note_id: int) -> Note:
    note = get_note(db, viewer, note_id)
    check_editable(viewer, note, "Only the note's author can share it.")
    if note.status != NoteStatus.DRAFT:
        return note  # sharing twice is harmless (a double tap, a replay)
    counts.check_shareable(note)
    note.status = NoteStatus.SHARED
    note.shared_at = utcnow()
    audit.record(db, viewer, "session.share", "coaching_session", note.id)
    # The rep may have rated themself (again) while the note was being written.
    if _take_pending_self_assessment(db, viewer, note, note.guide_version):
        audit.record(db, viewer, "session.self_assessment_joined", "coaching_session", note.id)
    mark_read_about(db, subjects.note(note.id))  # "draft not shared yet" is settled
    with writing_for(note.rep):
        title = gettext(
            "Note from %(name)s about %(topic)s",
            name=note.manager.first_name,
            topic=wording.note_topic(note),
        )
        body = gettext("Read it, rate yourself if you like, and acknowledge it.")
    notify(
        db, note.rep_id, "note_shared", title,
        path_for("coaching.show", note_id=note.id), f"note_shared:{note.id}",
        body=body, subject=subjects.note(note.id),
    )  # fmt: skip
    commit_versioned(db, note)
    return note


def acknowledge_note(db: Session, viewer: User, note_id: int, comment: str = "") -> Note:
    note = get_note(db, viewer, note_id)
    if note.rep_id != viewer.id:
        raise PermissionDenied("Only the rep the note is about acknowledges it.")
    if note.status == NoteStatus.ACKNOWLEDGED:
        return note
    blind.settle_on_acknowledgement(db, viewer, note)
    note.status = NoteStatus.ACKNOWLEDGED
    note.acknowledged_at = utcnow()
    # Acknowledged without opening the page (the API, a phone's queue): read all the same.
    note.rep_seen_at = note.rep_seen_at or note.acknowledged_at
    note.ack_comment = comment.strip() or None
    audit.record(
        db, viewer, "session.acknowledge", "coaching_session", note.id,
        with_comment=bool(note.ack_comment),
    )  # fmt: skip
    # Its reminders (the rep's, and the manager's when it was late) have nothing left to ask.
    # An author the rep has moved away from hears nothing of it (coachapp.policy).
    holds = policy.authors_line_holds(note)
    mark_read_about(db, subjects.note(note.id), recipients=None if holds else {viewer.id})
    if note.ack_comment and holds:
        with writing_for(note.manager):
            title = gettext(
                "%(name)s replied to your note about %(topic)s",
                name=note.rep.first_name,
                topic=wording.note_topic(note),
            )
        notify(
            db, note.manager_id, "note_acknowledged", title,
            path_for("coaching.show", note_id=note.id), f"note_acknowledged:{note.id}",
            body=wording.excerpt(note.ack_comment), subject=subjects.note(note.id),
        )  # fmt: skip
    commit_versioned(db, note)
    return note


def add_addendum(db: Session, viewer: User, note_id: int, text: str) -> Note:
    note = get_note(db, viewer, note_id)
    check_editable(viewer, note, "Only the note's author adds an addendum.")
    if note.status != NoteStatus.ACKNOWLEDGED:
        raise Conflict("Edit the note itself until the rep acknowledges it.")
    stamp = utcnow().strftime("%Y-%m-%d %H:%M UTC")
    addition = f"[{stamp}] {text.strip()}"
    note.addendum = f"{note.addendum}\n{addition}" if note.addendum else addition
    audit.record(db, viewer, "session.addendum", "coaching_session", note.id)
    commit_versioned(db, note)
    return note


def set_self_assessment(
    db: Session, viewer: User, note_id: int, ratings: list[dict[str, Any]]
) -> Note:
    """The rep rates themself on the note's competencies, on the same scale, before seeing
    the manager's ratings (blind): once they are open to the rep it is final (409). No
    ratings at all declines the self-rating."""
    note = get_note(db, viewer, note_id)
    if note.rep_id != viewer.id:
        raise PermissionDenied("Only the rep rates themself.")
    rows = _ratings(note.guide_version, ratings)
    blind.refuse_after_reveal(note)
    now = utcnow()
    note.self_assessment = {
        "ratings": [{"competency_id": r.competency_id, "score": r.score} for r in rows],
        "at": now.isoformat(),
    }
    if rows:
        note.self_rated_at = now
    else:
        note.self_rating_skipped_at = now
    audit.record(
        db, viewer, "session.self_assessment", "coaching_session", note.id, rated=len(rows)
    )
    commit_versioned(db, note)
    return note


def skip_self_rating(db: Session, viewer: User, note_id: int) -> Note:
    """ "Skip self-rating": the rep declines to rate themself on the note and reads their
    manager's ratings. Skipping a settled self-rating changes nothing."""
    note = get_note(db, viewer, note_id)
    if note.rep_id != viewer.id:
        raise PermissionDenied("Only the rep the note is about decides on their self-rating.")
    if blind.self_rating_state(note) != blind.SelfRatingState.PENDING:
        return note
    note.self_rating_skipped_at = utcnow()
    audit.record(db, viewer, "session.self_rating_skipped", "coaching_session", note.id)
    commit_versioned(db, note)
    return note


# Self-assessment before the next note --------------------------------------------


def pending_self_assessment(db: Session, viewer: User, rep_id: int) -> PendingSelfAssessment | None:
    """The rep's self-assessment waiting for their next note; 404 for anyone but the rep and
    their manager."""
    policy.self_assessing_rep_or_404(db, viewer, rep_id)
    return db.scalars(
        policy.visible_pending_self_assessments(viewer)
        .where(PendingSelfAssessment.rep_id == rep_id)
        .options(
            selectinload(PendingSelfAssessment.guide_version)
            .selectinload(GuideVersion.sections)
            .selectinload(GuideSection.competencies)
        )
    ).first()


def save_pending_self_assessment(
    db: Session,
    viewer: User,
    rep_id: int,
    ratings: list[dict[str, Any]],
    guide_version_id: int | None = None,
) -> PendingSelfAssessment | None:
    """The rep rates themself before their next coaching, on their guide (or the published
    version named); it replaces any earlier one, and no ratings clear it."""
    rep = policy.self_assessing_rep_or_404(db, viewer, rep_id)
    if not policy.can_self_assess(viewer, rep):
        raise PermissionDenied("Only the rep rates themself.")
    if guide_version_id is None:
        version = guide_for(db, rep)
    else:
        found = db.get(GuideVersion, guide_version_id)
        if found is None or found.status != GuideStatus.PUBLISHED:
            raise InvalidInput(
                "Rate yourself on a published guide.",
                {"guide_version_id": ["Not a published guide."]},
            )
        version = found
    rows = [
        {"competency_id": row.competency_id, "score": row.score}
        for row in _ratings(version, ratings)
    ]
    pending = db.scalars(
        select(PendingSelfAssessment).where(PendingSelfAssessment.rep_id == rep.id)
    ).first()
    if not rows:
        if pending is not None:
            db.delete(pending)
            audit.record(db, viewer, "self_assessment.clear", "user", rep.id)
            db.commit()
        return None
    if pending is None:
        pending = PendingSelfAssessment(rep_id=rep.id)
        db.add(pending)
    pending.guide_version_id = version.id
    pending.ratings = rows
    pending.updated_at = utcnow()
    audit.record(
        db, viewer, "self_assessment.before_note", "user", rep.id, guide_version_id=version.id
    )
    try:
        db.commit()
    except IntegrityError as exc:
        # One per rep: the first of two saves at the same moment (two tabs) is kept.
        db.rollback()
        raise Conflict("Your self-assessment was just saved elsewhere; save again.") from exc
    return pending


def _onto_version(pending: PendingSelfAssessment, version: GuideVersion) -> list[dict[str, Any]]:
    """The pending ratings on another guide version's competencies, matched by their stable
    key; competencies the version does not have are left out."""
    source = competencies_of(pending.guide_version)
    by_key = {c.key: c.id for c in competencies_of(version).values()}
    mapped = []
    for rating in pending.ratings:
        competency = source.get(rating["competency_id"])
        if competency is not None and competency.key in by_key:
            mapped.append({"competency_id": by_key[competency.key], "score": rating["score"]})
    return mapped


def pending_scores(pending: PendingSelfAssessment, version: GuideVersion) -> dict[int, int | None]:
    """A waiting self-assessment as scores per competency of the given guide version."""
    return {r["competency_id"]: r["score"] for r in _onto_version(pending, version)}


def _take_pending_self_assessment(
    db: Session, manager: User, note: Note, version: GuideVersion
) -> bool:
    """The rep's self-assessment made before this note joins it, beside the manager's
    ratings: whether one did."""
    pending = db.scalars(
        policy.visible_pending_self_assessments(manager).where(
            PendingSelfAssessment.rep_id == note.rep_id
        )
    ).first()
    if pending is None:
        return False
    ratings = _onto_version(pending, version)
    if not ratings:
        return False  # made on a guide with nothing in common with this note's; it waits
    note.self_assessment = {
        "ratings": ratings,
        "at": pending.updated_at.isoformat(),
        "before_note": True,
    }
    note.self_rated_at = pending.updated_at
    db.delete(pending)
    return True


def rating_view(db: Session, viewer: User, note: Note) -> blind.RatingView:
    """The note's ratings, the rep's own and the gaps as the viewer may see them (blind
    self-rating, coachapp.coaching.blind). While the author writes a draft, a self-assessment
    still waiting for it shows as it will join the note when shared."""
    return rating_views(db, viewer, [note])[note.id]


def rating_views(db: Session, viewer: User, notes: Sequence[Note]) -> dict[int, blind.RatingView]:
    """rating_view for many notes: one query for the self-assessments waiting for drafts."""
    drafts = [s for s in notes if s.status == NoteStatus.DRAFT and policy.can_edit_note(viewer, s)]
    waiting: dict[int, PendingSelfAssessment] = {}
    if drafts:
        waiting = {
            p.rep_id: p
            for p in db.scalars(
                policy.visible_pending_self_assessments(viewer)
                .where(PendingSelfAssessment.rep_id.in_({s.rep_id for s in drafts}))
                .options(
                    selectinload(PendingSelfAssessment.guide_version)
                    .selectinload(GuideVersion.sections)
                    .selectinload(GuideSection.competencies)
                )
            )
        }
    views = {}
    for note in notes:
        pending = waiting.get(note.rep_id) if note in drafts else None
        scores = pending_scores(pending, note.guide_version) if pending else None
        views[note.id] = blind.rating_view(viewer, note, scores)
    return views


# Follow-ups ---------------------------------------------------------------------


def follow_ups_for(
    db: Session, viewer: User, status: FollowUpStatus | None = FollowUpStatus.OPEN
) -> Sequence[FollowUp]:
    query = follow_ups_query(viewer, status)
    return db.scalars(query.order_by(FollowUp.due_date, FollowUp.id).limit(200)).all()


def follow_ups_query(viewer: User, status: FollowUpStatus | None) -> Select[FollowUp]:
    """The viewer's follow-ups (in one status, if given), in no order."""
    # The list shows whose note each came from (who may mark it done): loaded in one query.
    query = policy.visible_follow_ups(viewer).options(
        joinedload(FollowUp.owner), selectinload(FollowUp.note)
    )
    if status is not None:
        query = query.where(FollowUp.status == status)
    return query


# The follow-ups page groups open follow-ups by when they are due; Today counts the first two.
DUE_THIS_WEEK_DAYS = 7
OVERDUE, DUE_THIS_WEEK, LATER = N_("Overdue"), N_("Due this week"), N_("Later")


def follow_up_groups(items: Sequence[FollowUp], today: dt.date) -> dict[str, list[FollowUp]]:
    week_end = today + dt.timedelta(days=DUE_THIS_WEEK_DAYS)
    return {
        OVERDUE: [f for f in items if f.due_date < today],
        DUE_THIS_WEEK: [f for f in items if today <= f.due_date <= week_end],
        LATER: [f for f in items if f.due_date > week_end],
    }


@dataclass(frozen=True)
class FollowUpCounts:
    overdue: int
    due_this_week: int


def follow_up_counts(db: Session, viewer: User, today: dt.date) -> FollowUpCounts:
    """How many of the follow-ups the viewer's follow-ups page lists are overdue and due
    this week, in one query."""
    week_end = today + dt.timedelta(days=DUE_THIS_WEEK_DAYS)
    # Each way into the viewer's follow-ups starts from the open ones due by then.
    due = (FollowUp.status == FollowUpStatus.OPEN, FollowUp.due_date <= week_end)
    visible = (
        policy.visible_follow_ups(viewer, among=due).with_only_columns(FollowUp.due_date).subquery()
    )
    overdue, this_week = db.execute(
        select(
            func.count().filter(visible.c.due_date < today),
            func.count().filter(visible.c.due_date >= today),
        )
    ).one()
    return FollowUpCounts(overdue or 0, this_week or 0)


def update_follow_up(
    db: Session, viewer: User, follow_up_id: int, changes: dict[str, Any]
) -> FollowUp:
    """Its owner or the note's author completes, cancels or re-dates a follow-up, with a line
    of evidence that it was done if they like; a linked plan action follows its status."""
    follow_up = policy.follow_up_or_404(db, viewer, follow_up_id)
    if not can_change_follow_up(viewer, follow_up):
        raise PermissionDenied("Only the follow-up's owner or its author changes it.")
    # The same change sent twice at once (a double tap, a replay beside its original): the
    # second waits here for the first's commit and reads it, so it changes and audits nothing.
    db.refresh(follow_up, with_for_update={"of": FollowUp})
    before = {
        name: getattr(follow_up, name) for name in ("status", "due_date", "title", "evidence")
    }
    if "due_date" in changes and changes["due_date"] is not None:
        follow_up.due_date = changes["due_date"]
    if changes.get("title"):
        follow_up.title = changes["title"]
    if "evidence" in changes:
        follow_up.evidence = (changes["evidence"] or "").strip() or None
    if "status" in changes and changes["status"] != follow_up.status:
        follow_up.status = changes["status"]
        follow_up.completed_at = utcnow() if follow_up.status == FollowUpStatus.DONE else None
        _sync_action(db, follow_up)
    changed = sorted(name for name, value in before.items() if getattr(follow_up, name) != value)
    if not changed:
        return follow_up  # a repeat ("Done" tapped twice, a replay): the first one stands
    audit.record(db, viewer, "follow_up.update", "follow_up", follow_up.id, fields=changed)
    # Acted on (done, cancelled, re-dated): its reminders, to the owner and to the manager
    # of a rep who was late, are read. A new date that comes due again is a new reminder.
    # A manager the owner has moved away from hears nothing of it (coachapp.policy).
    mark_read_about(db, subjects.follow_up(follow_up.id), recipients=_following(follow_up))
    db.commit()
    return follow_up


def _following(follow_up: FollowUp) -> set[int]:
    """Who is told about a follow-up: its owner, the owner's manager, and the note's author
    while the rep still reports to them."""
    people = {follow_up.owner_id}
    if follow_up.owner.manager_id is not None:
        people.add(follow_up.owner.manager_id)
    note = follow_up.note
    if note is not None and policy.authors_line_holds(note):
        people.add(note.manager_id)
    return people


def can_change_follow_up(viewer: User, follow_up: FollowUp) -> bool:
    return policy.can_change_follow_up(viewer, follow_up)


@dataclass(frozen=True)
class FollowUpPage:
    follow_up: FollowUp
    note: Note | None  # the note it came from, when the viewer may read it
    can_change: bool
    # The account-team review it was agreed at, when the viewer may read it.
    review: AccountReview | None = None


def follow_up_page(db: Session, viewer: User, follow_up_id: int) -> FollowUpPage:
    """One follow-up, as a nudge about it opens it (404 outside the viewer's scope)."""
    follow_up = policy.follow_up_or_404(db, viewer, follow_up_id)
    note = None
    if follow_up.session_id is not None:
        note = db.scalars(
            policy.visible_notes(viewer).where(Note.id == follow_up.session_id)
        ).first()
        policy.as_seen_by(db, viewer, [note] if note else [])
    review = None
    if follow_up.review_id is not None:
        review = db.scalars(
            policy.visible_reviews(viewer)
            .where(AccountReview.id == follow_up.review_id)
            .options(joinedload(AccountReview.account))
        ).first()
    return FollowUpPage(follow_up, note, can_change_follow_up(viewer, follow_up), review)


def _sync_action(db: Session, follow_up: FollowUp) -> None:
    action: PlanActionItem | None = follow_up.action_item
    if action is None:
        return
    if follow_up.status == FollowUpStatus.DONE and action.status != ActionStatus.DONE:
        action.status = ActionStatus.DONE
        action.completed_at = utcnow()
    elif follow_up.status == FollowUpStatus.OPEN and action.status == ActionStatus.DONE:
        action.status = ActionStatus.OPEN
        action.completed_at = None


def guide_version_or_404(db: Session, version_id: int) -> GuideVersion:
    version = db.scalars(
        select(GuideVersion)
        .where(GuideVersion.id == version_id)
        .options(selectinload(GuideVersion.sections).selectinload(GuideSection.competencies))
    ).first()
    if version is None:
        raise NotFound()
    return version


# For the pages --------------------------------------------------------------------


def coached_rep(db: Session, manager: User, rep_id: int) -> User:
    """The manager's direct report; anyone else is not found."""
    return _coached_rep(db, manager, rep_id)


def unread_notes_count(db: Session, rep: User) -> int:
    """Notes shared with the rep that they have not opened yet (the Notes tab's badge, the
    notes marked "New")."""
    return int(
        db.scalar(
            policy.visible_notes(rep)
            .where(Note.rep_id == rep.id, Note.rep_seen_at.is_(None))
            .with_only_columns(func.count())
        )
        or 0
    )


def notes_needing_action(db: Session, rep: User, limit: int = 3) -> Sequence[Note]:
    """Shared notes waiting for the rep to rate themself or acknowledge, oldest first (the
    nearest deadline)."""
    return db.scalars(
        policy.visible_notes(rep)
        .where(Note.rep_id == rep.id, Note.status == NoteStatus.SHARED)
        .options(
            joinedload(Note.manager),
            joinedload(Note.rep),
            joinedload(Note.account),
        )
        .order_by(Note.shared_at, Note.id)
        .limit(limit)
    ).all()


def mark_seen(db: Session, note: Note) -> None:
    """The rep opened the shared note: it is no longer unread."""
    if note.rep_seen_at is None:
        db.execute(
            update(Note)
            .where(Note.id == note.id, Note.rep_seen_at.is_(None))
            .values(rep_seen_at=utcnow())
        )
        db.commit()


def changes_after_share(db: Session, note: Note) -> Sequence[AuditEvent]:
    """Edits made after the rep could see the note, for everyone who can see it."""
    return db.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "coaching_session",
            AuditEvent.object_id == note.id,
            AuditEvent.action == "session.edit_after_share",
        )
        .order_by(AuditEvent.at)
    ).all()


def notes_list(
    db: Session, viewer: User, limit: int = 50, drafts_only: bool = False
) -> Sequence[Note]:
    """A rep's notes, or the notes a manager wrote (drafts first, or only their drafts),
    newest first."""
    query = policy.visible_notes(viewer).options(joinedload(Note.rep), joinedload(Note.account))
    if viewer.role == Role.MANAGER and drafts_only:
        query = query.where(
            Note.manager_id == viewer.id,
            Note.status == NoteStatus.DRAFT,
        )
    elif viewer.role == Role.MANAGER:
        query = query.where(Note.manager_id == viewer.id).order_by(
            (Note.status == NoteStatus.DRAFT).desc()
        )
    elif viewer.role == Role.REP:
        query = query.where(Note.rep_id == viewer.id)
    return policy.as_seen_by(
        db,
        viewer,
        db.scalars(query.order_by(Note.occurred_on.desc(), Note.id.desc()).limit(limit)).all(),
    )


def add_follow_up(db: Session, viewer: User, note_id: int, item: dict[str, Any]) -> FollowUp:
    """A follow-up on the note, without touching the note's own version (the debrief form
    open beside it keeps saving)."""
    note = get_note(db, viewer, note_id)
    check_editable(viewer, note, "Only the note's author adds follow-ups to it.")
    if note.status == NoteStatus.ACKNOWLEDGED:
        raise Conflict("The rep has acknowledged this note; add an addendum instead.")
    (row,) = _follow_ups(db, note, viewer, [item])
    note.follow_ups.append(row)
    db.flush()
    audit.record(
        db, viewer, "session.follow_up_add", "coaching_session", note.id, follow_up_id=row.id
    )
    db.commit()
    return row


def remove_follow_up(db: Session, viewer: User, note_id: int, follow_up_id: int) -> None:
    note = get_note(db, viewer, note_id)
    check_editable(viewer, note, "Only the note's author removes its follow-ups.")
    if note.status == NoteStatus.ACKNOWLEDGED:
        raise Conflict("The rep has acknowledged this note; add an addendum instead.")
    row = next((f for f in note.follow_ups if f.id == follow_up_id), None)
    if row is None:
        raise NotFound()
    note.follow_ups.remove(row)
    forget_about(db, [subjects.follow_up(row.id)])
    db.delete(row)
    audit.record(
        db, viewer, "session.follow_up_remove", "coaching_session", note.id,
        follow_up_id=follow_up_id,
    )  # fmt: skip
    db.commit()
