"""Observations across reporting lines: a manager or director who rides with their people sees
a colleague of another line at work on a shared account (the MSL, the access specialist) and
records what they saw, on one competency of that colleague's guide. It goes to the
colleague's own line manager (Inbox and push, kind observation_received), who may attach it
to a draft coaching note to them; once the note is shared, the colleague reads it there.

Who may write about whom (a shared account, the 3C's alone across the medical/commercial
wall) and who may read what are coachapp.policy's rules; pages and the API both come here.
An observation is never changed once written; attaching and detaching are audited as
changes to the note.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import Select, and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from coachapp import audit, content_translations, policy
from coachapp.coaching import service as coaching
from coachapp.coaching.schemas import required_text
from coachapp.db import utcnow
from coachapp.errors import Conflict, InvalidInput, NotFound
from coachapp.forms import FormId, Lines
from coachapp.inbox.service import mark_read_about
from coachapp.languages import gettext, writing_for
from coachapp.links import path_for
from coachapp.models import (
    Account,
    Competency,
    GuideVersion,
    Note,
    NoteStatus,
    Observation,
    User,
)
from coachapp.nudges import subjects, wording
from coachapp.nudges.outbox import notify

# What one person saw on one behaviour: a few sentences, read on a phone.
TEXT_LIMIT = 1000
WRITE_WHAT = "Write what you saw."
CHOOSE_SUBJECT = "Choose whom you observed."
CHOOSE_ACCOUNT = "Choose the account."
CHOOSE_COMPETENCY = "Choose the behaviour you observed."
ONLY_THE_3CS = (
    "Across the medical and commercial lines, observe collaboration, coordination or "
    "communication only."
)
NO_GUIDE = "No coaching guide is published yet; an admin publishes one first."


def not_in_guide(subject: User) -> str:
    return f"Choose one of the behaviours of {subject.first_name}'s coaching guide."


class ObservationSchema(Schema):
    """An observation as the form, the API and a phone's queue send it."""

    client_uuid = fields.UUID(
        load_default=None,
        metadata={
            "description": "Made by the client; the same value again from the same author "
            "returns that observation (200)"
        },
    )
    subject_id = FormId(
        required=True,
        metadata={"description": "The account-team member observed"},
        error_messages={"required": CHOOSE_SUBJECT, "null": CHOOSE_SUBJECT},
    )
    account_id = FormId(
        required=True,
        metadata={"description": "The account where the caller's line and the subject meet"},
        error_messages={"required": CHOOSE_ACCOUNT, "null": CHOOSE_ACCOUNT},
    )
    competency_id = FormId(
        required=True,
        metadata={
            "description": "A competency (GET /guides: sections[].competencies[].id) of the "
            "subject's guide; across the medical/commercial wall one of the 3C's "
            "(collaboration, coordination, communication), else 422"
        },
        error_messages={"required": CHOOSE_COMPETENCY, "null": CHOOSE_COMPETENCY},
    )
    text = required_text(Lines, TEXT_LIMIT, WRITE_WHAT)


observation_schema = ObservationSchema()


def _options() -> list[Any]:
    return [
        joinedload(Observation.author),
        joinedload(Observation.subject),
        joinedload(Observation.routed_to),
        joinedload(Observation.account),
        joinedload(Observation.competency),
    ]


# Reading ------------------------------------------------------------------------------


def observations_for(
    db: Session, viewer: User, *, subject_id: int | None = None, limit: int = 100
) -> Sequence[Observation]:
    """What the viewer may read (coachapp.policy.observations_scope), newest first; about
    one subject if given."""
    return db.scalars(
        observations_query(viewer, subject_id)
        .order_by(Observation.created_at.desc(), Observation.id.desc())
        .limit(limit)
    ).all()


def observations_query(viewer: User, subject_id: int | None = None) -> Select[Observation]:
    """observations_for as a query, in no order."""
    query = policy.visible_observations(viewer).options(*_options())
    if subject_id is not None:
        query = query.where(Observation.subject_id == subject_id)
    return query


def get_observation(db: Session, viewer: User, observation_id: int) -> Observation:
    found = db.scalars(
        policy.visible_observations(viewer)
        .where(Observation.id == observation_id)
        .options(*_options())
    ).first()
    if found is None:
        raise NotFound()
    return found


def received_counts(db: Session, manager: User, subject_id: int) -> tuple[int, int]:
    """How many observations of the subject were routed to the manager, and how many of them
    they have not opened yet."""
    total, unread = db.execute(
        select(
            func.count(Observation.id),
            func.count(Observation.id).filter(Observation.read_at.is_(None)),
        ).where(Observation.routed_to_id == manager.id, Observation.subject_id == subject_id)
    ).one()
    return int(total), int(unread)


def opened(db: Session, viewer: User, observation: Observation) -> None:
    """The line manager it was routed to opened it: no longer new, nor its notification."""
    if policy.received(viewer, observation) and observation.read_at is None:
        observation.read_at = utcnow()
        mark_read_about(db, subjects.observation(observation.id), recipients={viewer.id})
        db.commit()


def on_notes(db: Session, viewer: User, note_ids: Sequence[int]) -> dict[int, list[Observation]]:
    """The observations attached to these notes that the viewer may read, per note: one
    query whatever the number of notes."""
    found: dict[int, list[Observation]] = {note_id: [] for note_id in note_ids}
    if not note_ids:
        return found
    rows = db.scalars(
        policy.visible_observations(viewer)
        .where(Observation.note_id.in_(list(note_ids)))
        .options(*_options())
        .order_by(Observation.created_at, Observation.id)
    ).all()
    for row in rows:
        if row.note_id is not None:
            found[row.note_id].append(row)
    return found


# Writing ------------------------------------------------------------------------------


def observable_members(db: Session, viewer: User, account_id: int) -> Sequence[User]:
    """Whom the viewer may observe on this account (coachapp.policy); 404 when nobody."""
    members = db.scalars(policy.observable_members(viewer, account_id)).all()
    if not members:
        raise NotFound()
    return members


@dataclass(frozen=True)
class CompetencyChoice:
    """The behaviours the viewer may observe a subject on, by section of the subject's guide."""

    sections: list[tuple[str, list[Competency]]]
    three_cs_only: bool  # across the medical/commercial wall


def competency_choice(db: Session, viewer: User, subject: User) -> CompetencyChoice:
    """The behaviours offered, as the viewer reads the subject's guide (their language)."""
    version = _guide_of(db, subject)
    allowed = policy.observable_competencies(viewer, subject)
    sections = [
        (section.title, [c for c in section.competencies if allowed is None or c.key in allowed])
        for section in content_translations.sections_as_read(db, version)
    ]
    return CompetencyChoice([(t, cs) for t, cs in sections if cs], allowed is not None)


def _guide_of(db: Session, subject: User) -> GuideVersion:
    try:
        return coaching.guide_for(db, subject)
    except Conflict as exc:
        raise Conflict(NO_GUIDE) from exc


def _competency(db: Session, author: User, subject: User, competency_id: int) -> Competency:
    """The competency of the subject's guide the observation is on: one with the same key as
    the one named (a phone may have kept an id of an earlier version of the guide), and one
    the author may observe the subject on."""
    theirs = {c.key: c for section in _guide_of(db, subject).sections for c in section.competencies}
    named = db.get(Competency, competency_id)
    if named is None or named.key not in theirs:
        raise InvalidInput(not_in_guide(subject), {"competency_id": [not_in_guide(subject)]})
    allowed = policy.observable_competencies(author, subject)
    if allowed is not None and named.key not in allowed:
        raise InvalidInput(ONLY_THE_3CS, {"competency_id": [ONLY_THE_3CS]})
    return theirs[named.key]


def _line_manager(db: Session, subject: User) -> User:
    """Whom an observation of the subject goes to: their line manager, who must be there."""
    manager = db.get(User, subject.manager_id) if subject.manager_id is not None else None
    if manager is None or not manager.active:
        message = f"{subject.first_name} has no line manager to send it to."
        raise InvalidInput(message, {"subject_id": [message]})
    return manager


def _made_before(db: Session, author: User, client_uuid: uuid.UUID) -> Observation | None:
    return db.scalars(
        select(Observation).where(
            Observation.author_id == author.id, Observation.client_uuid == client_uuid
        )
    ).first()


def create_observation(db: Session, author: User, data: dict[str, Any]) -> tuple[Observation, bool]:
    """Records an observation and routes it to the subject's line manager: (observation,
    created). The same client_uuid again from the same author returns what the first made
    (a double tap, a replay), whatever the rest of the body says now; the client_uuid is
    the author's own, so another author's use of it is another observation."""
    client_uuid = data.get("client_uuid") or uuid.uuid4()
    existing = _made_before(db, author, client_uuid)
    if existing is not None:
        return get_observation(db, author, existing.id), False
    subject = policy.observable_subject_or_404(db, author, data["subject_id"], data["account_id"])
    competency = _competency(db, author, subject, data["competency_id"])
    manager = _line_manager(db, subject)
    observation = Observation(
        client_uuid=client_uuid,
        author_id=author.id,
        subject_id=subject.id,
        account_id=data["account_id"],
        competency_id=competency.id,
        text=data["text"].strip(),
        routed_to_id=manager.id,
    )
    db.add(observation)
    try:
        db.flush()
    except IntegrityError as exc:
        # A replay of the same observation raced this one and stored it first.
        db.rollback()
        raced = _made_before(db, author, client_uuid)
        if raced is None:
            raise Conflict("That observation could not be stored; send it again.") from exc
        return get_observation(db, author, raced.id), False
    audit.record(
        db, author, "observation.create", "observation", observation.id,
        subject_id=subject.id, account_id=observation.account_id, routed_to_id=manager.id,
        competency_key=competency.key,
    )  # fmt: skip
    if manager.id != author.id:
        account = db.get(Account, observation.account_id)
        assert account is not None  # the subject shares it with the author's line
        # The inbox names the people, the account and the behaviour (after sign-in); the push
        # says only its kind's title.
        with writing_for(manager):
            title = gettext(
                "%(author)s observed %(subject)s at %(account)s",
                author=author.first_name,
                subject=subject.first_name,
                account=account.name,
            )
        notify(
            db, manager.id, "observation_received", title,
            path_for("observations.show", observation_id=observation.id),
            f"observation_received:{observation.id}",
            body=f"{competency.name}: {wording.excerpt(observation.text)}",
            subject=subjects.observation(observation.id),
        )  # fmt: skip
    db.commit()
    return get_observation(db, author, observation.id), True


# Coaching with it ---------------------------------------------------------------------


def for_note(db: Session, manager: User, note: Note) -> Sequence[Observation]:
    """On the manager's note about a rep: the observations of the rep routed to the manager
    that no note has taken yet, and those this note has, oldest first."""
    return db.scalars(
        select(Observation)
        .where(
            Observation.routed_to_id == manager.id,
            Observation.subject_id == note.rep_id,
            or_(Observation.note_id.is_(None), Observation.note_id == note.id),
        )
        .options(*_options())
        .order_by(Observation.created_at, Observation.id)
    ).all()


ATTACH_TO_A_DRAFT = "Observations are attached to a draft; this note is shared already."
DETACH_FROM_A_DRAFT = "A shared note keeps its observations: the rep has read them."
ON_ANOTHER_NOTE = "That observation is attached to another note; detach it there first."


def _draft_and_observation(
    db: Session, manager: User, note_id: int, observation_id: int
) -> tuple[Note, Observation]:
    note = coaching.get_note(db, manager, note_id)
    coaching.check_editable(manager, note, "Only the note's author attaches observations.")
    observation = get_observation(db, manager, observation_id)
    if not policy.received(manager, observation):
        raise NotFound()  # the author of an observation coaches with it only if it is theirs
    if observation.subject_id != note.rep_id:
        message = f"That observation is about {observation.subject.first_name}, not this rep."
        raise InvalidInput(message, {"observation_id": [message]})
    return note, observation


def _still_a_draft(note: Note) -> Any:
    return exists().where(Note.id == note.id, Note.status == NoteStatus.DRAFT)


def attach(db: Session, manager: User, note_id: int, observation_id: int) -> Note:
    """The manager attaches an observation routed to them to their draft about its subject;
    attaching it again changes nothing. Audited as a change to the note."""
    note, observation = _draft_and_observation(db, manager, note_id, observation_id)
    if observation.note_id == note.id:
        return note
    if observation.note_id is not None:
        raise Conflict(ON_ANOTHER_NOTE)
    if note.status != NoteStatus.DRAFT:
        raise Conflict(ATTACH_TO_A_DRAFT)
    # One statement: the observation still free and the note still a draft (another tab
    # may have shared it, or attached the observation elsewhere, meanwhile).
    taken = db.execute(
        update(Observation)
        .where(
            Observation.id == observation.id,
            Observation.note_id.is_(None),
            _still_a_draft(note),
        )
        .values(note_id=note.id)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        db.rollback()
        return _after_a_race(db, manager, note_id, observation_id, attached=True)
    audit.record(
        db, manager, "session.attach_observation", "coaching_session", note.id,
        observation_id=observation.id, author_id=observation.author_id,
    )  # fmt: skip
    db.commit()
    return coaching.get_note(db, manager, note.id)


def detach(db: Session, manager: User, note_id: int, observation_id: int) -> Note:
    """The manager takes an observation off their draft before sharing it; it waits for the
    next note. Detaching one that is not on the note changes nothing. Audited."""
    note, observation = _draft_and_observation(db, manager, note_id, observation_id)
    if observation.note_id != note.id:
        return note
    if note.status != NoteStatus.DRAFT:
        raise Conflict(DETACH_FROM_A_DRAFT)
    freed = db.execute(
        update(Observation)
        .where(
            and_(Observation.id == observation.id, Observation.note_id == note.id),
            _still_a_draft(note),
        )
        .values(note_id=None)
        .execution_options(synchronize_session=False)
    )
    if freed.rowcount != 1:  # type: ignore[attr-defined]
        db.rollback()
        return _after_a_race(db, manager, note_id, observation_id, attached=False)
    audit.record(
        db, manager, "session.detach_observation", "coaching_session", note.id,
        observation_id=observation.id, author_id=observation.author_id,
    )  # fmt: skip
    db.commit()
    return coaching.get_note(db, manager, note.id)


def _after_a_race(
    db: Session, manager: User, note_id: int, observation_id: int, *, attached: bool
) -> Note:
    """Something changed between reading and writing: the same answer as the first request
    when it did what was asked, else why not."""
    note, observation = _draft_and_observation(db, manager, note_id, observation_id)
    if (observation.note_id == note.id) == attached:
        return note
    if note.status != NoteStatus.DRAFT:
        raise Conflict(ATTACH_TO_A_DRAFT if attached else DETACH_FROM_A_DRAFT)
    raise Conflict(ON_ANOTHER_NOTE)
