"""A coaching note as one viewer may see it: what the note's pages render and the API dumps.

The visibility policy (coachapp.policy) and the blind-rating rules (coachapp.coaching.blind)
are applied here, once, so no page or endpoint narrows a note by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.coaching import blind, service
from coachapp.coaching.cadence import AckDeadline, ack_deadline_days, deadline_of
from coachapp.db import utcnow
from coachapp.models import Note, NoteRating, NoteStatus, Observation, User
from coachapp.observations import service as observations


@dataclass(frozen=True)
class SelfRating:
    """Where the rep's self-rating of the note stands, and since when."""

    state: blind.SelfRatingState
    at: dt.datetime | None  # when they rated themself or declined; None while pending


@dataclass(frozen=True)
class SelfAssessment:
    """The self-assessment kept on the note, as the viewer may see it."""

    ratings: list[dict[str, Any]]  # {competency_id, score} the viewer may see
    at: str  # when it was made (ISO 8601, as stored)
    before_note: bool  # made before the note was written, and joined it then
    held_back: int  # scores not shown to the viewer yet (double-blind)


@dataclass(frozen=True)
class NoteView:
    """One note as one viewer may see it."""

    note: Note
    # The manager's ratings the viewer may see: none while they are kept back from the rep.
    ratings: list[NoteRating]
    ratings_hidden: bool
    self_rating: SelfRating
    # The rep's own score per competency the viewer may see; while the author writes a
    # draft, a self-assessment still waiting for it counts as it will join the note.
    self_scores: dict[int, int | None]
    # Competencies whose self score the viewer may not see yet (the author of a draft,
    # before rating them).
    self_held_back: frozenset[int]
    gaps: list[blind.Gap]
    self_assessment: SelfAssessment | None
    deadline: AckDeadline | None  # None for a draft
    is_author: bool
    is_rep: bool
    can_edit: bool
    sees_private_notes: bool
    # The observations from the account team attached to the note that the viewer may read
    # (coachapp.policy.observations_scope): its rep once it is shared, and its author.
    observations: list[Observation]

    @property
    def rate_first(self) -> bool:
        """The rep is asked to rate themself before reading the manager's ratings."""
        return (
            self.is_rep
            and self.note.status == NoteStatus.SHARED
            and self.self_rating.state == blind.SelfRatingState.PENDING
        )

    @property
    def self_before_note(self) -> bool:
        return self.self_assessment is not None and self.self_assessment.before_note

    @property
    def talking_points(self) -> list[blind.Gap]:
        return blind.talking_points(self.gaps)

    def gap_for(self, competency_id: int) -> blind.Gap | None:
        return next((g for g in self.gaps if g.competency.id == competency_id), None)


def note_view(db: Session, viewer: User, note: Note) -> NoteView:
    """The note as the viewer may see it (found in their scope through the service)."""
    return note_views(db, viewer, [note])[0]


def note_views(db: Session, viewer: User, notes: Sequence[Note]) -> list[NoteView]:
    """note_view for many notes, in their order: one query for the self-assessments waiting
    for drafts, one for the acknowledgement deadline's setting."""
    if not notes:
        return []
    ratings = service.rating_views(db, viewer, notes)
    days = ack_deadline_days(db)
    now = utcnow()
    attached = observations.on_notes(db, viewer, [note.id for note in notes])
    return [
        _view(viewer, note, ratings[note.id], deadline_of(note, days, now), attached[note.id])
        for note in notes
    ]


def _view(
    viewer: User,
    note: Note,
    seen: blind.RatingView,
    deadline: AckDeadline | None,
    attached: list[Observation],
) -> NoteView:
    return NoteView(
        note=note,
        ratings=seen.ratings,
        ratings_hidden=seen.hidden,
        self_rating=SelfRating(seen.state, note.self_rated_at or note.self_rating_skipped_at),
        self_scores=seen.self_scores,
        self_held_back=seen.held_back,
        gaps=seen.gaps,
        self_assessment=_self_assessment(viewer, note),
        deadline=deadline,
        is_author=policy.wrote(viewer, note),
        is_rep=note.rep_id == viewer.id,
        can_edit=policy.can_edit_note(viewer, note),
        sees_private_notes=policy.can_see_private_notes(viewer, note),
        observations=attached,
    )


def _self_assessment(viewer: User, note: Note) -> SelfAssessment | None:
    """The note's own self-assessment (not one still waiting to join it), narrowed for the
    author of a draft to the behaviours they have rated (double-blind)."""
    if note.self_assessment is None:
        return None
    stored = blind.stored_self_scores(note)
    shown = blind.shown_self_scores(viewer, note, stored)
    return SelfAssessment(
        ratings=[{"competency_id": cid, "score": score} for cid, score in shown.items()],
        at=note.self_assessment.get("at", ""),
        before_note=bool(note.self_assessment.get("before_note", False)),
        held_back=len(stored) - len(shown),
    )
