"""Development focus (the learning journey): one or two competencies per rep and period,
and how the rep's ratings on them move from one conversation to the next."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp import audit, policy
from coachapp.coaching.cadence import newest_competency_name
from coachapp.coaching.service import newest_published_version_ids
from coachapp.errors import Conflict, InvalidInput, NotFound
from coachapp.field_messages import filled_in
from coachapp.forms import check_length
from coachapp.journeys.starting import start_for_focus
from coachapp.languages import N_
from coachapp.models import (
    Competency,
    DevelopmentFocus,
    GuideSection,
    GuideVersion,
    Note,
    NoteRating,
    NoteStatus,
    User,
)

MAX_ACTIVE = 2
GOAL_MAX = 500  # characters of a focus goal
TREND_POINTS = 6


def current_period(today: dt.date) -> str:
    return f"{today.year}-{'H1' if today.month <= 6 else 'H2'}"


@dataclass
class FocusTrend:
    focus: DevelopmentFocus
    name: str
    points: list[tuple[dt.date, int | None]] = field(default_factory=list)

    @property
    def direction(self) -> str:
        scores = [s for _, s in self.points if s is not None]
        if len(scores) < 2:
            return "new"
        return "up" if scores[-1] > scores[0] else "down" if scores[-1] < scores[0] else "steady"


def _names_by_key(db: Session, keys: set[str]) -> dict[str, str]:
    if not keys:
        return {}
    rows = db.execute(
        select(Competency.key, Competency.name)
        .where(Competency.key.in_(keys))
        .order_by(Competency.id)
    ).all()
    return {key: name for key, name in rows}


def offered_first(
    db: Session, rep_id: int, guide: GuideVersion, also: Iterable[int] = ()
) -> set[int]:
    """The guide's competencies a form offers first, the rest folded away: the rep's active
    development focus, and those in `also` (rated on the day's calls, or on the note)."""
    keys = set(
        db.scalars(
            select(DevelopmentFocus.competency_key).where(
                DevelopmentFocus.rep_id == rep_id, DevelopmentFocus.active.is_(True)
            )
        )
    )
    wanted = set(also)
    return {
        c.id
        for section in guide.sections
        for c in section.competencies
        if c.key in keys or c.id in wanted
    }


def focus_of(db: Session, viewer: User, rep: User) -> list[FocusTrend]:
    """The rep's active focus competencies with the ratings of the last conversations."""
    named = db.execute(
        select(DevelopmentFocus, newest_competency_name(DevelopmentFocus.competency_key))
        .where(DevelopmentFocus.rep_id == rep.id, DevelopmentFocus.active.is_(True))
        .order_by(DevelopmentFocus.created_at)
    ).all()
    focuses = [focus for focus, _ in named]
    names = {focus.id: name or focus.competency_key for focus, name in named}
    keys = {f.competency_key for f in focuses}
    rows = (
        db.execute(
            select(Competency.key, Note.occurred_on, NoteRating.score)
            .join(NoteRating, NoteRating.competency_id == Competency.id)
            .join(Note, Note.id == NoteRating.session_id)
            .where(
                Competency.key.in_(keys),
                Note.rep_id == rep.id,
                Note.status != NoteStatus.DRAFT,
                # The rep sees the scores of notes whose self-rating is settled (blind).
                policy.manager_ratings_scope(viewer),
            )
            .order_by(Note.occurred_on)
        ).all()
        if keys
        else []
    )
    trends = {f.id: FocusTrend(f, names[f.id]) for f in focuses}
    for key, occurred_on, score in rows:
        for trend in trends.values():
            if trend.focus.competency_key == key:
                trend.points.append((occurred_on, score))
    for trend in trends.values():
        trend.points = trend.points[-TREND_POINTS:]
    return list(trends.values())


def set_focus(
    db: Session, manager: User, rep_id: int, competency_key: str, today: dt.date, goal: str = ""
) -> DevelopmentFocus:
    rep = db.get(User, rep_id)
    if rep is None or rep.manager_id != manager.id:
        raise NotFound()
    if not _names_by_key(db, {competency_key}):
        raise InvalidInput("Choose a competency from the guide.", {"competency_key": ["Unknown."]})
    period = current_period(today)
    active = db.scalars(
        select(DevelopmentFocus).where(
            DevelopmentFocus.rep_id == rep.id, DevelopmentFocus.active.is_(True)
        )
    ).all()
    if any(f.competency_key == competency_key for f in active):
        raise Conflict("That competency is already a focus.")
    if len(active) >= MAX_ACTIVE:
        raise Conflict(
            filled_in(N_("Keep to %(max)s focus competencies; end one first."), max=MAX_ACTIVE)
        )
    existing = db.scalars(
        select(DevelopmentFocus).where(
            DevelopmentFocus.rep_id == rep.id,
            DevelopmentFocus.competency_key == competency_key,
            DevelopmentFocus.period == period,
        )
    ).first()
    focus = existing or DevelopmentFocus(
        rep_id=rep.id, competency_key=competency_key, period=period, created_by_id=manager.id
    )
    focus.active = True
    focus.goal = check_length(goal.strip(), GOAL_MAX, "goal")
    db.add(focus)
    db.flush()
    audit.record(db, manager, "focus.set", "user", rep.id, competency=competency_key)
    # The competency's learning journey starts for the rep (coachapp.journeys).
    start_for_focus(db, focus)
    db.commit()
    return focus


def end_focus(db: Session, manager: User, focus_id: int) -> None:
    focus = db.get(DevelopmentFocus, focus_id)
    rep = db.get(User, focus.rep_id) if focus else None
    if focus is None or rep is None or rep.manager_id != manager.id:
        raise NotFound()
    if not focus.active:
        return
    focus.active = False
    audit.record(db, manager, "focus.end", "user", rep.id, competency=focus.competency_key)
    db.commit()


def competencies_to_choose(db: Session) -> Sequence[tuple[str, str]]:
    """(key, name) of every competency in the published guides, each key once, in the
    guides' order: one query for the names alone, not the guides loaded whole."""
    rows = db.execute(
        select(Competency.key, Competency.name)
        .join(GuideSection, GuideSection.id == Competency.section_id)
        .join(GuideVersion, GuideVersion.id == GuideSection.version_id)
        .where(GuideVersion.id.in_(newest_published_version_ids()))
        .order_by(GuideVersion.guide_id, GuideSection.position, Competency.position)
    ).all()
    seen: dict[str, str] = {}
    for key, name in rows:
        seen.setdefault(key, name)
    return list(seen.items())
