"""Blind self-rating: who sees which ratings of a note when, and the gap between the rep's own
score and the manager's as a talking point.

The rules (README, "Blind self-rating"):

- The rep sees their manager's ratings of a note (scores and evidence) only once their own
  self-rating of it is settled: they rated themself on it (a self-assessment made before the
  note joins it and counts), declined to ("Skip self-rating"), or acknowledged the note
  (acknowledging first is declining). Pages and the API keep the ratings back until then.
- Once the manager's ratings are open to the rep, the self-rating is final: changed after
  seeing the manager's it would no longer be blind, and the gap would mean nothing.
- Double-blind: while the manager writes the note, the rep's own score of a behaviour shows
  only once the manager has rated that behaviour; after sharing, all of it.
- The gap is self minus manager per competency both scored (not observed on either side has
  no gap); 2 points or more apart is a talking point. Directors see it on shared notes.

Which notes a viewer may see at all is coachapp.policy's; this module narrows within them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from coachapp import audit, policy
from coachapp.db import utcnow
from coachapp.errors import Conflict
from coachapp.languages import gettext
from coachapp.models import (
    Competency,
    Note,
    NoteRating,
    NoteStatus,
    PendingSelfAssessment,
    User,
)

# A gap this large (in points on the 1-4 scale) is offered as a talking point.
TALKING_POINT_GAP = 2


class SelfRatingState(enum.StrEnum):
    PENDING = "pending"  # the rep has not rated themself on the note yet
    SUBMITTED = "submitted"
    SKIPPED = "skipped"  # declined, or acknowledged without rating


def self_rating_state(note: Note) -> SelfRatingState:
    if note.self_rated_at is not None:
        return SelfRatingState.SUBMITTED
    if policy.is_self_rating_settled(note):
        return SelfRatingState.SKIPPED
    return SelfRatingState.PENDING


def ratings_hidden_from(viewer: User, note: Note) -> bool:
    """Whether the manager's ratings of the note are kept back from this viewer."""
    return not policy.can_see_manager_ratings(viewer, note)


def behaviours_to_rate(note: Note) -> set[int]:
    """The competencies the rep rates themself on: those the manager rated on the note
    (which behaviours were looked at, not how they were rated), else the whole guide."""
    rated = {r.competency_id for r in note.ratings}
    if rated:
        return rated
    return {c.id for section in note.guide_version.sections for c in section.competencies}


def manager_ratings(viewer: User, note: Note) -> list[NoteRating]:
    """The note's ratings as the viewer may see them: none while they are hidden."""
    return [] if ratings_hidden_from(viewer, note) else list(note.ratings)


def stored_self_scores(note: Note) -> dict[int, int | None]:
    """The rep's own score per competency as kept on the note."""
    return self_scores_in(note.self_assessment)


def self_scores_in(self_assessment: Mapping[str, Any] | None) -> dict[int, int | None]:
    """The rep's own score per competency in a note's stored self-assessment."""
    return {r["competency_id"]: r["score"] for r in (self_assessment or {}).get("ratings", [])}


def shown_self_scores(
    viewer: User, note: Note, scores: Mapping[int, int | None]
) -> dict[int, int | None]:
    """The rep's scores as the viewer may see them. The author of a draft sees the score of a
    behaviour only once they have rated it themself (double-blind)."""
    if note.status == NoteStatus.DRAFT and policy.wrote(viewer, note):
        rated = {r.competency_id for r in note.ratings}
        return {cid: score for cid, score in scores.items() if cid in rated}
    return dict(scores)


def pending_ratings_shown(viewer: User, pending: PendingSelfAssessment) -> list[dict[str, Any]]:
    """A self-assessment waiting for the next note is the rep's to see; their manager learns
    only that it is there, until it joins a note and they rate those behaviours."""
    return list(pending.ratings) if pending.rep_id == viewer.id else []


@dataclass(frozen=True)
class Gap:
    competency: Competency
    self_score: int
    manager_score: int

    @property
    def difference(self) -> int:
        """Self minus manager: positive when the rep sees themself higher."""
        return self.self_score - self.manager_score

    @property
    def talking_point(self) -> bool:
        return abs(self.difference) >= TALKING_POINT_GAP


def gaps_between(ratings: Iterable[NoteRating], self_scores: Mapping[int, int | None]) -> list[Gap]:
    """Per competency scored by both (in the note's order), self minus manager."""
    ratings = list(ratings)
    competencies = {rating.competency_id: rating for rating in ratings}
    return [
        Gap(competencies[competency_id].competency, own, score)
        for competency_id, own, score in scored_by_both(
            ((rating.competency_id, rating.score) for rating in ratings), self_scores
        )
    ]


def scored_by_both(
    manager_scores: Iterable[tuple[int, int | None]], self_scores: Mapping[int, int | None]
) -> Iterator[tuple[int, int, int]]:
    """(competency id, self score, manager score) of each competency the manager (given in
    the note's order as (competency id, score)) and the rep both scored."""
    for competency_id, score in manager_scores:
        own = self_scores.get(competency_id)
        if score is not None and own is not None:
            yield competency_id, own, score


@dataclass(frozen=True)
class RatingView:
    """What one viewer sees of a note's ratings."""

    state: SelfRatingState
    hidden: bool  # the manager's ratings are kept back from this viewer
    ratings: list[NoteRating]
    self_scores: dict[int, int | None]
    # Competencies whose self score the viewer may not see yet (the author of a draft,
    # before rating them).
    held_back: frozenset[int]
    gaps: list[Gap]

    @property
    def self_scores_held_back(self) -> int:
        return len(self.held_back)

    def gap_for(self, competency_id: int) -> Gap | None:
        return next((g for g in self.gaps if g.competency.id == competency_id), None)

    @property
    def talking_points(self) -> list[Gap]:
        return talking_points(self.gaps)


def talking_points(gaps: Iterable[Gap]) -> list[Gap]:
    """The gaps of 2 points or more, the largest first."""
    return sorted((g for g in gaps if g.talking_point), key=lambda g: -abs(g.difference))


def rating_view(
    viewer: User, note: Note, waiting: Mapping[int, int | None] | None = None
) -> RatingView:
    """The note's ratings, the rep's own and the gaps, as this viewer may see them.

    `waiting`: the rep's self-assessment still waiting to join this draft, as scores on its
    guide version (coaching.service.pending_scores): the author sees it as it will join."""
    stored = dict(waiting) if waiting else stored_self_scores(note)
    shown = shown_self_scores(viewer, note, stored)
    ratings = manager_ratings(viewer, note)
    return RatingView(
        state=self_rating_state(note),
        hidden=ratings_hidden_from(viewer, note),
        ratings=ratings,
        self_scores=shown,
        held_back=frozenset(stored) - frozenset(shown),
        gaps=gaps_between(ratings, shown),
    )


def settle_on_acknowledgement(db: Session, viewer: User, note: Note) -> None:
    """Acknowledging a note before rating oneself on it declines the self-rating."""
    if self_rating_state(note) == SelfRatingState.PENDING:
        note.self_rating_skipped_at = utcnow()
        audit.record(
            db, viewer, "session.self_rating_skipped", "coaching_session", note.id,
            by="acknowledge",
        )  # fmt: skip


def refuse_after_reveal(note: Note) -> None:
    """A self-rating is taken only while the manager's ratings are still hidden from the rep."""
    if self_rating_state(note) != SelfRatingState.PENDING:
        raise Conflict(
            "Your self-rating of this note is settled and your manager's ratings are open to "
            "you; it stays as it is, so the gap stays a fair talking point."
        )


def talking_point_lines(gaps: Sequence[Gap], rep_first_name: str, *, to_rep: bool) -> list[str]:
    """The talking points (gaps of 2+ points), a line each: in the rep's words for their
    acknowledgement, or in the manager's for preparing the next conversation."""
    lines = []
    for gap in gaps:
        if not gap.talking_point:
            continue
        if to_rep:
            lines.append(
                gettext(
                    "%(competency)s: I rated myself %(own)s, you rated me %(theirs)s.",
                    competency=gap.competency.name,
                    own=gap.self_score,
                    theirs=gap.manager_score,
                )
            )
        else:
            lines.append(
                gettext(
                    "%(competency)s: %(name)s rated themself %(own)s, you %(theirs)s",
                    competency=gap.competency.name,
                    name=rep_first_name,
                    own=gap.self_score,
                    theirs=gap.manager_score,
                )
            )
    return lines
