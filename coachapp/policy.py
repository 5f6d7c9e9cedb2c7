"""Who may see what: DESIGN.md's visibility table, the one place it is written.

Every page, API endpoint and worker query filters through these functions.
Objects outside the caller's scope are reported as missing (404), so their
existence does not leak.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from coachapp.errors import NotFound
from coachapp.models import (
    AccountPlan,
    CoachingSession,
    CoachTheCoachNote,
    FollowUp,
    PendingSelfAssessment,
    PlannedRideAlong,
    PlanTeamMember,
    Role,
    SessionStatus,
    User,
)

T = TypeVar("T")

VISIBLE_TO_OTHERS = (SessionStatus.SHARED, SessionStatus.ACKNOWLEDGED)


def direct_report_ids(viewer: User) -> Select[int]:
    return select(User.id).where(User.manager_id == viewer.id)


def subtree_ids(viewer: User) -> Select[int]:
    """Everyone below the viewer in the reporting line, at any depth."""
    below = select(User.id).where(User.manager_id == viewer.id).cte(recursive=True)
    child = aliased(User)
    below = below.union_all(select(child.id).where(child.manager_id == below.c.id))
    return select(below.c.id)


def managed_ids(viewer: User) -> Select[int] | None:
    """Whose work the viewer oversees: a manager's reports, a director's subtree."""
    if viewer.role == Role.MANAGER:
        return direct_report_ids(viewer)
    if viewer.role == Role.DIRECTOR:
        return subtree_ids(viewer)
    return None


# People ---------------------------------------------------------------------


def people_scope(viewer: User) -> ColumnElement[bool]:
    """People whose pages the viewer may open (their own page is always theirs)."""
    managed = managed_ids(viewer)
    if managed is None:
        return User.id == viewer.id
    return or_(User.id == viewer.id, User.id.in_(managed))


def reps_scope(viewer: User) -> ColumnElement[bool]:
    """Reps the viewer may list: a rep only themself; admins see the whole organisation."""
    if viewer.role == Role.ADMIN:
        return User.role == Role.REP
    managed = managed_ids(viewer)
    if managed is None:
        return User.id == viewer.id
    return and_(User.role == Role.REP, User.id.in_(managed))


def visible_reps(viewer: User) -> Select[User]:
    return select(User).where(reps_scope(viewer), User.active.is_(True)).order_by(User.name)


def cadence_scope(viewer: User) -> ColumnElement[bool]:
    """Reps whose coaching figures (cadence, acknowledgements, ratings) the viewer may see:
    exactly those whose shared notes they may read. Admins manage cadence targets but read no
    coaching, so they see no figures."""
    if viewer.role == Role.ADMIN:
        return false()
    return reps_scope(viewer)


def visible_cadence_reps(viewer: User) -> Select[User]:
    """Active reps in the viewer's cadence scope; deactivated people drop out of the figures."""
    return select(User).where(cadence_scope(viewer), User.active.is_(True)).order_by(User.name)


def person_or_404(db: Session, viewer: User, user_id: int) -> User:
    if viewer.role == Role.ADMIN and user_id != viewer.id:
        raise NotFound()
    return _one_or_404(db, select(User).where(User.id == user_id, people_scope(viewer)))


# Account plans ----------------------------------------------------------------


def _on_plan_team(user_ids: Select[int] | ColumnElement[int] | int) -> ColumnElement[bool]:
    member = PlanTeamMember
    condition = (
        member.user_id.in_(user_ids) if isinstance(user_ids, Select) else member.user_id == user_ids
    )
    return exists().where(member.plan_id == AccountPlan.id, condition)


def plans_scope(viewer: User) -> ColumnElement[bool]:
    if viewer.role == Role.REP:
        return or_(AccountPlan.owner_id == viewer.id, _on_plan_team(viewer.id))
    managed = managed_ids(viewer)
    if managed is None:
        return false()
    return or_(AccountPlan.owner_id.in_(managed), _on_plan_team(managed))


def visible_plans(viewer: User) -> Select[AccountPlan]:
    return select(AccountPlan).where(plans_scope(viewer))


def plan_or_404(db: Session, viewer: User, plan_id: int) -> AccountPlan:
    return _one_or_404(db, visible_plans(viewer).where(AccountPlan.id == plan_id))


def can_edit_plan(viewer: User, plan: AccountPlan) -> bool:
    return viewer.role == Role.REP and plan.owner_id == viewer.id


def can_comment_on_plan(viewer: User, plan: AccountPlan) -> bool:
    return viewer.role == Role.MANAGER and plan.owner.manager_id == viewer.id


# Coaching sessions --------------------------------------------------------------


def sessions_scope(viewer: User) -> ColumnElement[bool]:
    shared = CoachingSession.status.in_(VISIBLE_TO_OTHERS)
    if viewer.role == Role.REP:
        return and_(CoachingSession.rep_id == viewer.id, shared)
    if viewer.role == Role.MANAGER:
        return or_(
            CoachingSession.manager_id == viewer.id,
            and_(CoachingSession.rep_id.in_(direct_report_ids(viewer)), shared),
        )
    if viewer.role == Role.DIRECTOR:
        return and_(CoachingSession.rep_id.in_(subtree_ids(viewer)), shared)
    return false()


def visible_sessions(viewer: User) -> Select[CoachingSession]:
    return select(CoachingSession).where(sessions_scope(viewer))


def session_or_404(db: Session, viewer: User, session_id: int) -> CoachingSession:
    return _one_or_404(db, visible_sessions(viewer).where(CoachingSession.id == session_id))


def can_see_private_notes(viewer: User, coaching_session: CoachingSession) -> bool:
    """Private notes and drafts belong to their author alone."""
    return coaching_session.manager_id == viewer.id


def can_edit_session(viewer: User, coaching_session: CoachingSession) -> bool:
    return coaching_session.manager_id == viewer.id


# Blind self-rating -------------------------------------------------------------------


def self_rating_settled() -> ColumnElement[bool]:
    """The rep has rated themself on the note, declined to, or acknowledged it."""
    return or_(
        CoachingSession.self_rated_at.is_not(None),
        CoachingSession.self_rating_skipped_at.is_not(None),
        CoachingSession.status == SessionStatus.ACKNOWLEDGED,
    )


def manager_ratings_scope(viewer: User) -> ColumnElement[bool]:
    """Notes whose manager's ratings the viewer may read, among those they may see: the rep
    only once their self-rating of the note is settled (rated, declined or acknowledged)."""
    if viewer.role == Role.REP:
        return and_(sessions_scope(viewer), self_rating_settled())
    return sessions_scope(viewer)


def is_self_rating_settled(coaching_session: CoachingSession) -> bool:
    """self_rating_settled for one note in memory."""
    return (
        coaching_session.self_rated_at is not None
        or coaching_session.self_rating_skipped_at is not None
        or coaching_session.status == SessionStatus.ACKNOWLEDGED
    )


def can_see_manager_ratings(viewer: User, coaching_session: CoachingSession) -> bool:
    """manager_ratings_scope for one note already found in the viewer's scope."""
    return coaching_session.rep_id != viewer.id or is_self_rating_settled(coaching_session)


# Self-assessments made before the next note --------------------------------------------


def self_assessment_scope(viewer: User) -> ColumnElement[bool]:
    """Reps whose self-assessment before their next note the viewer may read: a rep their
    own, a manager their direct reports' (to see it while writing). Nobody else sees it
    until it joins a shared note."""
    if viewer.role == Role.REP:
        return and_(User.id == viewer.id, User.role == Role.REP)
    if viewer.role == Role.MANAGER:
        return and_(User.role == Role.REP, User.id.in_(direct_report_ids(viewer)))
    return false()


def self_assessing_rep_or_404(db: Session, viewer: User, rep_id: int) -> User:
    return _one_or_404(db, select(User).where(User.id == rep_id, self_assessment_scope(viewer)))


def visible_pending_self_assessments(viewer: User) -> Select[PendingSelfAssessment]:
    reps = select(User.id).where(self_assessment_scope(viewer))
    return select(PendingSelfAssessment).where(PendingSelfAssessment.rep_id.in_(reps))


def can_self_assess(viewer: User, rep: User) -> bool:
    """Only the rep rates themself."""
    return viewer.role == Role.REP and viewer.id == rep.id


# Coach-the-coach notes ----------------------------------------------------------


def coach_notes_scope(viewer: User) -> ColumnElement[bool]:
    """A director's own notes to their managers (drafts too); a manager's notes from their
    director once shared. Nobody else sees them, not even a director higher up."""
    if viewer.role == Role.DIRECTOR:
        return CoachTheCoachNote.director_id == viewer.id
    if viewer.role == Role.MANAGER:
        return and_(
            CoachTheCoachNote.manager_id == viewer.id,
            CoachTheCoachNote.status.in_(VISIBLE_TO_OTHERS),
        )
    return false()


def visible_coach_notes(viewer: User) -> Select[CoachTheCoachNote]:
    return select(CoachTheCoachNote).where(coach_notes_scope(viewer))


def coached_managers(viewer: User) -> Select[User]:
    """Managers the viewer may write a coach-the-coach note to: the active first-line
    managers reporting directly to the viewer, a director."""
    if viewer.role != Role.DIRECTOR:
        return select(User).where(false())
    return (
        select(User)
        .where(User.manager_id == viewer.id, User.role == Role.MANAGER, User.active.is_(True))
        .order_by(User.name)
    )


def coached_manager_or_404(db: Session, viewer: User, manager_id: int) -> User:
    return _one_or_404(db, coached_managers(viewer).where(User.id == manager_id))


# Ride-along days --------------------------------------------------------------


def ride_alongs_scope(viewer: User) -> ColumnElement[bool]:
    """A planned ride-along (its preparation, pre-brief and calls) is its manager's and its
    rep's alone; a director sees the coaching note it becomes, once shared."""
    if viewer.role not in {Role.MANAGER, Role.REP}:
        return false()
    return or_(PlannedRideAlong.manager_id == viewer.id, PlannedRideAlong.rep_id == viewer.id)


def visible_ride_alongs(viewer: User) -> Select[PlannedRideAlong]:
    return select(PlannedRideAlong).where(ride_alongs_scope(viewer))


def can_prepare_ride_along(viewer: User, ride: PlannedRideAlong) -> bool:
    """The rep leads the preparation: what they want help with, the accounts, objectives."""
    return viewer.id == ride.rep_id


def can_capture_calls(viewer: User, ride: PlannedRideAlong) -> bool:
    """The calls captured during the day are the manager's working notes, like a draft."""
    return viewer.id == ride.manager_id


# Follow-ups -------------------------------------------------------------------


def _on_no_note_or_one(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return or_(
        FollowUp.session_id.is_(None),
        exists().where(CoachingSession.id == FollowUp.session_id, condition),
    )


def follow_up_out_of_draft() -> ColumnElement[bool]:
    """Follow-ups past any draft: set on no note (a plan action's) or on a note shared with
    its rep. Only these are anyone's commitments, counted in figures or told to others."""
    return _on_no_note_or_one(CoachingSession.status.in_(VISIBLE_TO_OTHERS))


def follow_up_open_to(person_id: int | SQLColumnExpression[Any]) -> ColumnElement[bool]:
    """Follow-ups whose title may reach this person by any way (a list, a page, a nudge in
    the inbox or a push): out of draft, or on a draft the person wrote. Drafts belong to
    their author alone, and so do their follow-ups until the note is shared, whoever owns
    them. `person_id` may be a column (the worker asks it of each nudge's recipient)."""
    return _on_no_note_or_one(
        or_(
            CoachingSession.status.in_(VISIBLE_TO_OTHERS),
            CoachingSession.manager_id == person_id,
        )
    )


def follow_ups_scope(viewer: User) -> ColumnElement[bool]:
    """A follow-up is visible to its owner and to whoever may see its session; one on a
    draft stays with the draft's author until the note is shared (follow_up_open_to)."""
    if viewer.role == Role.ADMIN:
        return false()
    session_visible = exists().where(
        CoachingSession.id == FollowUp.session_id, sessions_scope(viewer)
    )
    own = and_(FollowUp.owner_id == viewer.id, follow_up_open_to(viewer.id))
    managed = managed_ids(viewer)
    if managed is None:
        return or_(own, session_visible)
    # Managers and directors follow their people's plan-action follow-ups too.
    plan_follow_up = and_(FollowUp.session_id.is_(None), FollowUp.owner_id.in_(managed))
    return or_(own, session_visible, plan_follow_up)


def visible_follow_ups(viewer: User) -> Select[FollowUp]:
    return select(FollowUp).where(follow_ups_scope(viewer))


def follow_up_or_404(db: Session, viewer: User, follow_up_id: int) -> FollowUp:
    return _one_or_404(db, visible_follow_ups(viewer).where(FollowUp.id == follow_up_id))


# Administration ---------------------------------------------------------------


def can_manage_organisation(viewer: User) -> bool:
    return viewer.role == Role.ADMIN


def can_read_guides(viewer: User) -> bool:
    return viewer.is_active


def organisation_scope(viewer: User) -> ColumnElement[bool]:
    return true() if can_manage_organisation(viewer) else false()


def _one_or_404(db: Session, query: Select[T]) -> T:
    found = db.scalars(query.limit(1)).first()
    if found is None:
        raise NotFound()
    return found
