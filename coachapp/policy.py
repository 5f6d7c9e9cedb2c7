"""Who may see what: DESIGN.md's visibility table, the one place it is written.

Every page, API endpoint and worker query filters through these functions.
Objects outside the caller's scope are reported as missing (404), so their
existence does not leak.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Collection, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from coachapp.errors import NotFound
from coachapp.models import (
    LINE_OF_FUNCTION,
    Account,
    AccountPlan,
    AccountReview,
    CoachTheCoachNote,
    FollowUp,
    Function,
    InsightStatus,
    JourneyEnrolment,
    JourneyProgress,
    Line,
    Note,
    NoteStatus,
    Observation,
    PendingSelfAssessment,
    PlanInsight,
    PlannedRideAlong,
    PlanStatus,
    PlanTeamMember,
    ReportingLine,
    ReviewParticipant,
    Role,
    User,
)

T = TypeVar("T")

VISIBLE_TO_OTHERS = (NoteStatus.SHARED, NoteStatus.ACKNOWLEDGED)


# Medical and commercial lines --------------------------------------------------------
#
# A person's division follows from their function. The medical line (medical affairs: MSLs)
# and the commercial line (sales, key account management, market access, reimbursement)
# never see each other's coaching: notes, ratings, self-assessments, coach-the-coach notes,
# ride-along preparation and the cadence figures drawn from them. That holds whatever the
# reporting chain says, for managers and directors alike, so an MSL placed under a sales
# manager, or a director over both lines, changes nothing. Patient services (nurse
# educators) is walled off from neither. `other` counts as commercial: medical content is
# kept to those whose function says they are medical, so an unclassified leader put over
# MSLs does not read their coaching. Across lines people share the account team, the plan
# and observations, never coaching content.


class Division(enum.StrEnum):
    COMMERCIAL = "commercial"
    MEDICAL = "medical"
    PATIENT_SERVICES = "patient_services"


# Each line of the organisation (coachapp.models.Line, which a function reports up) belongs
# to one division.
DIVISION_OF_LINE: dict[Line, Division] = {
    Line.SALES: Division.COMMERCIAL,
    Line.MARKET_ACCESS: Division.COMMERCIAL,
    Line.OTHER: Division.COMMERCIAL,
    Line.MEDICAL: Division.MEDICAL,
    Line.PATIENT_SERVICES: Division.PATIENT_SERVICES,
}
DIVISION_OF_FUNCTION: dict[Function, Division] = {
    function: DIVISION_OF_LINE[line] for function, line in LINE_OF_FUNCTION.items()
}

# Divisions whose coaching content is never visible to each other.
SEPARATED: frozenset[frozenset[Division]] = frozenset(
    {frozenset({Division.MEDICAL, Division.COMMERCIAL})}
)


def division_of(person: User) -> Division:
    return DIVISION_OF_FUNCTION[Function(person.function)]


def coaching_shared_between(a: Division, b: Division) -> bool:
    return frozenset({a, b}) not in SEPARATED


def may_see_coaching_of(viewer: User, person: User) -> bool:
    """coaching_side for one person already loaded."""
    return coaching_shared_between(division_of(viewer), division_of(person))


def coaching_side(viewer: User, person_id: SQLColumnExpression[Any]) -> ColumnElement[bool]:
    """People (`person_id`: a column holding a user's id) whose coaching the viewer's division
    may see at all; every scope of notes, ratings, self-assessments and figures adds it."""
    own = division_of(viewer)
    functions = [
        function
        for function, division in DIVISION_OF_FUNCTION.items()
        if coaching_shared_between(own, division)
    ]
    return person_id.in_(select(User.id).where(User.function.in_(functions)))


def direct_report_ids(viewer: User) -> Select[int]:
    return select(User.id).where(User.manager_id == viewer.id)


def subtree_ids(viewer: User) -> Select[int]:
    """Everyone below the viewer in the reporting line, at any depth."""
    return subtree_ids_of(viewer.id)


@functools.lru_cache(maxsize=4096)
def subtree_ids_of(person_id: int) -> Select[int]:
    """subtree_ids of a person known by id: it never widens a scope, only narrows one it is
    added to (another director's subtree adds nobody).

    The statement (not its rows: it is run afresh wherever it is used) is built once per
    person and kept: a director's page used to build the same recursive query several times,
    about 0.7 ms each. Statements are immutable, so one object serves every thread."""
    return _below(User.manager_id == person_id)


@functools.lru_cache(maxsize=4096)
def leaders_below_ids_of(person_id: int) -> Select[int]:
    """The managers and directors below a person, at any depth: subtree_ids_of without its
    reps. Nobody reports to a rep (coachapp.admin.reporting), so the walk goes down through
    managers and directors alone: a national director's 300 people, not their 2,800."""
    return _below(User.manager_id == person_id, leaders_only=True)


# Deeper than any organisation: a line longer than this is a loop in the data.
MAX_DEPTH = 64


def chain_above(person_id: int) -> CTE:
    """The people above a person in the reporting line (their manager, that manager's, and so
    on), as a statement of (id, depth), the manager at depth 1."""
    chain = (
        select(User.manager_id.label("id"), literal(1).label("depth"))
        .where(User.id == person_id, User.manager_id.is_not(None))
        .cte("above", recursive=True)
    )
    above = aliased(User)
    return chain.union_all(
        select(above.manager_id, chain.c.depth + 1).where(
            above.id == chain.c.id, above.manager_id.is_not(None), chain.c.depth < MAX_DEPTH
        )
    )


@functools.lru_cache(maxsize=4096)
def above_ids_of(person_id: int) -> Select[int]:
    """Everyone above a person. The walk up is as long as the line is deep, where the one down
    a director's subtree (subtree_ids_of) reaches everyone in it: "is this person in my
    subtree" asked of one person."""
    return select(chain_above(person_id).c.id)


def subtree_ids_of_any(person_ids: Collection[int]) -> Select[int]:
    """Everyone below any of these people, at any depth (subtree_ids_of, for several)."""
    return _below(User.manager_id.in_(person_ids))


def _below(reports: ColumnElement[bool], leaders_only: bool = False) -> Select[int]:
    """Those for whom `reports` holds, and everyone below them; with `leaders_only`, those
    who are not reps."""
    below = select(User.id).where(reports, *_leader(User, leaders_only)).cte(recursive=True)
    child = aliased(User)
    below = below.union_all(
        select(child.id).where(child.manager_id == below.c.id, *_leader(child, leaders_only))
    )
    return select(below.c.id)


def _leader(person: Any, wanted: bool) -> list[ColumnElement[bool]]:
    return [person.role != Role.REP] if wanted else []


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
    return or_(User.id == viewer.id, and_(User.id.in_(managed), coaching_side(viewer, User.id)))


def reps_scope(viewer: User) -> ColumnElement[bool]:
    """Reps the viewer may list: a rep only themself; admins see the whole organisation."""
    if viewer.role == Role.ADMIN:
        return User.role == Role.REP
    managed = managed_ids(viewer)
    if managed is None:
        return User.id == viewer.id
    return and_(User.role == Role.REP, User.id.in_(managed), coaching_side(viewer, User.id))


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
    if viewer.role == Role.DIRECTOR and user_id != viewer.id:
        # people_scope for one person: in the subtree when the director is above them.
        in_scope = and_(
            literal(viewer.id).in_(above_ids_of(user_id)), coaching_side(viewer, User.id)
        )
        return _one_or_404(db, select(User).where(User.id == user_id, in_scope))
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
    return _plans_of(managed)


def _plans_of(people: Select[int]) -> ColumnElement[bool]:
    """Plans owned by one of these people or with one of them on the plan's team."""
    return or_(AccountPlan.owner_id.in_(people), _on_plan_team(people))


def visible_plans(viewer: User) -> Select[AccountPlan]:
    return select(AccountPlan).where(plans_scope(viewer))


def plans_below(person: User) -> ColumnElement[bool]:
    """A region's plans (its director found in the viewer's scope with person_or_404): those
    owned by someone below the person or with someone below them on its team, as that
    director's own scope has them; a viewer above adds their own plans_scope."""
    return _plans_of(subtree_ids(person))


def plan_or_404(db: Session, viewer: User, plan_id: int) -> AccountPlan:
    return _one_or_404(db, visible_plans(viewer).where(AccountPlan.id == plan_id))


def can_edit_plan(viewer: User, plan: AccountPlan) -> bool:
    return viewer.role == Role.REP and plan.owner_id == viewer.id


# Contributions: the plan is its owner's to write, and the whole account team's to add to.
# Everyone on its team, whatever line they report up (an MSL, a market access colleague, a
# nurse educator), adds insights per profiling area and comments; the owner's manager
# comments too. The owner may ask to approve each insight a teammate adds: it then waits,
# seen only by its author and the owner, until the owner approves (everyone who sees the plan
# sees it) or declines it (its author alone still sees it, with the owner).


def on_plan_team(viewer: User, plan: AccountPlan) -> bool:
    """The viewer owns the plan or is on its account team."""
    return plan.owner_id == viewer.id or any(m.user_id == viewer.id for m in plan.team)


def can_contribute_to_plan(viewer: User, plan: AccountPlan) -> bool:
    """Adds insights and comments: everyone on the plan's account team, of any line."""
    return viewer.is_active and on_plan_team(viewer, plan)


def can_record_actuals(viewer: User, plan: AccountPlan) -> bool:
    """Records where a goal stands: the owner and everyone on the account team, of any line;
    not the managers and directors who only read the plan."""
    return can_edit_plan(viewer, plan) or can_contribute_to_plan(viewer, plan)


def can_change_actual(viewer: User, plan: AccountPlan, recorded_by_id: int | None) -> bool:
    """Corrects or removes an actual: whoever recorded it, while they may still record, and the
    plan's owner."""
    return can_edit_plan(viewer, plan) or (
        recorded_by_id == viewer.id and can_record_actuals(viewer, plan)
    )


def can_comment_on_plan(viewer: User, plan: AccountPlan) -> bool:
    """The account team, and the owner's manager."""
    owners_manager = viewer.role == Role.MANAGER and plan.owner.manager_id == viewer.id
    return owners_manager or can_contribute_to_plan(viewer, plan)


def can_decide_insights(viewer: User, plan: AccountPlan) -> bool:
    """The owner approves or declines teammates' insights, and chooses whether to."""
    return can_edit_plan(viewer, plan)


def insights_scope(viewer: User, plan: AccountPlan) -> ColumnElement[bool]:
    """The plan's insights the viewer sees, among those of a plan they may see: the approved
    ones; their own whatever their state; every one if the plan is theirs."""
    of_plan = PlanInsight.plan_id == plan.id
    if can_decide_insights(viewer, plan):
        return of_plan
    return and_(
        of_plan,
        or_(PlanInsight.status == InsightStatus.APPROVED, PlanInsight.author_id == viewer.id),
    )


# Account teams -----------------------------------------------------------------
#
# An account's team is everyone on one of its plans that is not archived: each plan's owner
# and its team members, whatever line they report up. The team is seen (who is on it, their
# functions, line managers and open actions) by its members and by each member's line:
# whoever may see one of those plans. Across the medical/commercial wall people share the
# account team, the plan and observations, never coaching content.
#
# Observations: a manager or director who rides with their people sees colleagues of other
# lines at work on a shared account, and records an observation about them for that
# person's own line manager. The author must share an account with the subject: the subject
# is on the team of an account where the author, or someone the author manages, is too.
# Across the medical/commercial wall an observation is limited to the 3C competencies.

# The competencies of the 3C's (collaboration, coordination, communication): the account-
# management behaviours every function shares, the only ones observed across the wall.
THREE_C_COMPETENCIES = frozenset(
    {"cross_functional_collaboration", "account_team_coordination", "team_communication"}
)


def _live_plans() -> ColumnElement[bool]:
    return AccountPlan.status != PlanStatus.ARCHIVED


def live_account_plans(account_id: int) -> Select[AccountPlan]:
    """The account's plans that are not archived: their owners and members are its team."""
    return select(AccountPlan).where(AccountPlan.account_id == account_id, _live_plans())


def account_team_ids(account_id: int | SQLColumnExpression[Any]) -> Select[int]:
    """Everyone on the account's team: the owners and members of its live plans."""
    seats = _team_seats().subquery()
    return select(seats.c.user_id).where(seats.c.account_id == account_id)


def accounts_scope(viewer: User) -> ColumnElement[bool]:
    """Accounts whose team the viewer may see: those with a live plan the viewer may see."""
    return Account.id.in_(select(AccountPlan.account_id).where(plans_scope(viewer), _live_plans()))


def accounts_below(person: User) -> ColumnElement[bool]:
    """Accounts with a live plan owned by someone below the person, or with someone below
    them on its team: a region's account teams, as its director's scope has them (a viewer
    above adds their own accounts_scope)."""
    plans = _plans_of(subtree_ids(person))
    return Account.id.in_(select(AccountPlan.account_id).where(plans, _live_plans()))


def visible_accounts(viewer: User) -> Select[Account]:
    return select(Account).where(accounts_scope(viewer)).order_by(Account.name)


def account_or_404(db: Session, viewer: User, account_id: int) -> Account:
    return _one_or_404(db, visible_accounts(viewer).where(Account.id == account_id))


def may_observe(viewer: User) -> bool:
    """Those who coach observe: managers and directors."""
    return viewer.role in {Role.MANAGER, Role.DIRECTOR}


def _team_seats() -> CompoundSelect[int, int]:
    """(account id, user id) of every seat on a live plan, owners included."""
    owners = select(AccountPlan.account_id, AccountPlan.owner_id.label("user_id")).where(
        _live_plans()
    )
    members = (
        select(AccountPlan.account_id, PlanTeamMember.user_id)
        .join(AccountPlan, AccountPlan.id == PlanTeamMember.plan_id)
        .where(_live_plans())
    )
    return owners.union(members)


def shared_account_ids(viewer: User, subject_id: int) -> Select[int]:
    """Accounts where the subject is on the team and so is the viewer or someone the viewer
    manages: the accounts an observation of the subject by the viewer may be about."""
    seats = _team_seats().subquery()
    theirs = aliased(seats)
    managed = managed_ids(viewer)
    ours = select(User.id).where(
        User.id == viewer.id if managed is None else or_(User.id == viewer.id, User.id.in_(managed))
    )
    return (
        select(seats.c.account_id)
        .join(theirs, theirs.c.account_id == seats.c.account_id)
        .where(seats.c.user_id == subject_id, theirs.c.user_id.in_(ours))
        .distinct()
    )


def observable_subject_or_404(db: Session, viewer: User, subject_id: int, account_id: int) -> User:
    """The subject of an observation: someone other than the viewer, active, who shares this
    account with the viewer's line (see above); anyone else is missing (404)."""
    if not may_observe(viewer) or subject_id == viewer.id:
        raise NotFound()
    return _one_or_404(
        db,
        select(User).where(
            User.id == subject_id,
            User.active.is_(True),
            User.id != viewer.id,
            literal(account_id, Integer).in_(shared_account_ids(viewer, subject_id)),
        ),
    )


def observable_members(viewer: User, account_id: int) -> Select[User]:
    """Everyone the viewer may observe on this account (observable_subject_or_404 for each
    member of its team at once): the active members other than the viewer, when the viewer
    or someone they manage is on the team too; nobody otherwise."""
    if not may_observe(viewer):
        return select(User).where(false())
    managed = managed_ids(viewer)
    ours = select(User.id).where(
        User.id == viewer.id if managed is None else or_(User.id == viewer.id, User.id.in_(managed))
    )
    team = account_team_ids(account_id)
    seats = _team_seats().subquery()
    ours_on_team = exists().where(seats.c.account_id == account_id, seats.c.user_id.in_(ours))
    return (
        select(User)
        .where(
            User.id.in_(team),
            User.active.is_(True),
            User.id != viewer.id,
            ours_on_team,
        )
        .order_by(User.name)
    )


def observable_member_ids(viewer: User, account_id: int) -> Select[int]:
    """The ids of observable_members."""
    return observable_members(viewer, account_id).with_only_columns(User.id)


def observable_competencies(viewer: User, subject: User) -> frozenset[str] | None:
    """The competency keys the viewer may observe the subject on: the 3C's alone across the
    medical/commercial wall, any otherwise (None)."""
    if may_see_coaching_of(viewer, subject):
        return None
    return THREE_C_COMPETENCIES


# Account-team reviews ------------------------------------------------------------------
#
# A first-line manager whose people are on an account's team runs a review of that account
# with the whole team, whatever line each member reports up: plan progress, the 3C's rated
# for the team as a whole, cross-functional agreements (follow-ups with review_id). A review
# is recorded once, complete: saving it shares it. It is seen by its author, its participants
# and each participant's line manager (the manager they report to now), who may each
# acknowledge it once. It holds no individual rating and nothing of any coaching note, so it
# crosses the medical/commercial wall as the plan does.


def review_runner_scope(viewer: User) -> ColumnElement[bool]:
    """Accounts whose team the viewer may review: a manager with a direct report on the
    account's team (an owner or member of one of its live plans)."""
    if viewer.role != Role.MANAGER:
        return false()
    seats = _team_seats().subquery()
    return Account.id.in_(
        select(seats.c.account_id).where(seats.c.user_id.in_(direct_report_ids(viewer)))
    )


def can_run_review(db: Session, viewer: User, account_id: int) -> bool:
    """The viewer manages someone on the account's team: they may review it with the team."""
    found = db.scalars(
        select(Account.id).where(Account.id == account_id, review_runner_scope(viewer)).limit(1)
    ).first()
    return found is not None


def reviewable_account_or_404(db: Session, viewer: User, account_id: int) -> Account:
    return _one_or_404(
        db, select(Account).where(Account.id == account_id, review_runner_scope(viewer))
    )


def reviews_scope(viewer: User) -> ColumnElement[bool]:
    """Reviews the viewer wrote, took part in, or in which someone reporting to them took
    part. Admins see none."""
    if viewer.role == Role.ADMIN:
        return false()
    participant = ReviewParticipant
    return or_(
        AccountReview.author_id == viewer.id,
        exists().where(
            participant.review_id == AccountReview.id,
            or_(
                participant.user_id == viewer.id,
                participant.user_id.in_(direct_report_ids(viewer)),
            ),
        ),
    )


def visible_reviews(viewer: User) -> Select[AccountReview]:
    return select(AccountReview).where(reviews_scope(viewer))


def review_or_404(db: Session, viewer: User, review_id: int) -> AccountReview:
    return _one_or_404(db, visible_reviews(viewer).where(AccountReview.id == review_id))


def acknowledgers_of(author_id: int, participants: Iterable[User]) -> set[int]:
    """Who acknowledges a review: its participants and each one's line manager, but not its
    author, who wrote it."""
    people: set[int] = set()
    for person in participants:
        people.add(person.id)
        if person.manager_id is not None:
            people.add(person.manager_id)
    people.discard(author_id)
    return people


def review_acknowledgers(review: AccountReview) -> set[int]:
    return acknowledgers_of(review.author_id, (p.user for p in review.participants))


def may_acknowledge_review(viewer: User, review: AccountReview) -> bool:
    return viewer.id in review_acknowledgers(review)


def account_figures_scope(viewer: User) -> ColumnElement[bool]:
    """Accounts whose team figures (the 3C's from their reviews, cross-functional reviews held)
    a manager or director sees: those whose team they see. Figures of the team as a whole,
    never anyone's own, so they cross the medical/commercial wall as reviews do."""
    if viewer.role not in {Role.MANAGER, Role.DIRECTOR}:
        return false()
    return accounts_scope(viewer)


def _review_agreement_visible(viewer: User) -> ColumnElement[bool]:
    """Agreements of the reviews the viewer sees."""
    return and_(
        FollowUp.review_id.is_not(None),
        exists().where(AccountReview.id == FollowUp.review_id, reviews_scope(viewer)),
    )


# Observations -------------------------------------------------------------------------
#
# An observation (see "Account teams" above for who may write one) is read by its author and
# by the line manager it was routed to: the subject's line manager when it was written. The
# subject reads it only on a coaching note of theirs it is attached to, once that note is
# shared with them (or acknowledged). Nobody else: not the directors above the author or the
# subject (unless they wrote it), not the subject's later managers, not admins.


def observations_scope(viewer: User) -> ColumnElement[bool]:
    if viewer.role == Role.ADMIN:
        return false()
    on_their_notes = select(Note.id).where(
        Note.rep_id == viewer.id, Note.status.in_(VISIBLE_TO_OTHERS)
    )
    return or_(
        Observation.author_id == viewer.id,
        Observation.routed_to_id == viewer.id,
        and_(Observation.subject_id == viewer.id, Observation.note_id.in_(on_their_notes)),
    )


def visible_observations(viewer: User) -> Select[Observation]:
    return select(Observation).where(observations_scope(viewer))


def observation_or_404(db: Session, viewer: User, observation_id: int) -> Observation:
    return _one_or_404(db, visible_observations(viewer).where(Observation.id == observation_id))


def received(viewer: User, observation: Observation) -> bool:
    """The observation was routed to the viewer: theirs to read, and to coach with."""
    return observation.routed_to_id == viewer.id


# Coaching sessions --------------------------------------------------------------


def notes_scope(viewer: User) -> ColumnElement[bool]:
    return and_(_notes_by_line(viewer), coaching_side(viewer, Note.rep_id))


def _notes_by_line(viewer: User) -> ColumnElement[bool]:
    shared = Note.status.in_(VISIBLE_TO_OTHERS)
    if viewer.role == Role.REP:
        return and_(Note.rep_id == viewer.id, shared)
    if viewer.role == Role.MANAGER:
        # Theirs, and their reports' shared ones: each found from its own index (a union
        # rather than OR, which PostgreSQL tests on every note of the organisation).
        theirs = select(Note.id).where(Note.manager_id == viewer.id)
        their_reports = select(Note.id).where(Note.rep_id.in_(direct_report_ids(viewer)), shared)
        return Note.id.in_(union(theirs.correlate(None), their_reports.correlate(None)))
    if viewer.role == Role.DIRECTOR:
        below = and_(Note.rep_id.in_(subtree_ids(viewer)), shared)
        # And the drafts handed to them when a manager of theirs was deactivated
        # (coachapp.admin.deactivation): theirs to read and discard.
        handed = select(Note.id).where(Note.manager_id == viewer.id).correlate(None)
        return or_(below, Note.id.in_(handed))
    return false()


def visible_notes(viewer: User) -> Select[Note]:
    return select(Note).where(notes_scope(viewer))


def note_or_404(db: Session, viewer: User, note_id: int) -> Note:
    return _one_or_404(db, visible_notes(viewer).where(Note.id == note_id))


def can_see_private_notes(viewer: User, note: Note) -> bool:
    """Private notes and drafts belong to their author alone."""
    return wrote(viewer, note)


def wrote(viewer: User, note: Note) -> bool:
    return note.manager_id == viewer.id


def can_edit_note(viewer: User, note: Note) -> bool:
    """Its author changes, shares, adds follow-ups and addenda, while the rep still reports
    to them (see "A team move" below)."""
    return wrote(viewer, note) and authors_line_holds(note)


def can_discard_draft(viewer: User, note: Note) -> bool:
    """A draft is its author's to discard, even once the rep has moved to another team."""
    return wrote(viewer, note)


# A team move ------------------------------------------------------------------------
#
# When a rep moves to another manager (coachapp.reporting_lines.change_manager), the manager
# they leave keeps read-only access to the notes they wrote about them, as those notes stood
# at the move: what the rep adds afterwards is not theirs to see, and they no longer share,
# edit, follow up, plan ride-alongs or write new notes about the rep. Their unshared drafts
# they may read and discard. Should the rep come back, the line holds again and so do all
# their rights. The new manager sees the rep's shared notes as any manager sees their
# direct reports'; directors see by their current subtree.

# Before anything is known of a line's end: nothing the rep added is shown.
LONG_AGO = dt.datetime.min.replace(tzinfo=dt.UTC)


def authors_line_holds(note: Note) -> bool:
    """The note's rep still reports to the note's author."""
    return note.rep.manager_id == note.manager_id


def authors_line_held() -> ColumnElement[bool]:
    """authors_line_holds as a condition of a query on Note."""
    return exists().where(User.id == Note.rep_id, User.manager_id == Note.manager_id)


def _still_in_line(viewer: User) -> ColumnElement[bool]:
    """Notes (in a query on coaching_sessions) whose rep still reports to the viewer, or
    that the viewer did not write."""
    return or_(
        Note.manager_id != viewer.id,
        Note.rep_id.in_(direct_report_ids(viewer)),
    )


def line_ends(db: Session, manager: User, rep_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each of these reps last stopped reporting to `manager`: the end of their last line
    to them, else (a move from before lines were kept) the start of the rep's recorded
    history, else LONG_AGO."""
    reps = set(rep_ids)
    if not reps:
        return {}
    ended = {
        rep: at
        for rep, at in db.execute(
            select(ReportingLine.user_id, func.max(ReportingLine.ended_at))
            .where(
                ReportingLine.manager_id == manager.id,
                ReportingLine.user_id.in_(reps),
                ReportingLine.ended_at.is_not(None),
            )
            .group_by(ReportingLine.user_id)
        )
    }
    begun = {
        rep: at
        for rep, at in db.execute(
            select(ReportingLine.user_id, func.min(ReportingLine.started_at))
            .where(ReportingLine.user_id.in_(reps))
            .group_by(ReportingLine.user_id)
        )
    }
    return {rep: ended.get(rep) or begun.get(rep) or LONG_AGO for rep in reps}


def as_seen_by(db: Session, viewer: User, notes: Iterable[Note]) -> list[Note]:
    """The notes as this viewer may read them: those they wrote about a rep who has left their
    line as they stood when the rep left (seen_as_of), whatever the rep added since held
    back. Every page, API response and export showing notes reads them through here.

    The held-back values are set as the loaded state of the objects (set_committed_value), so
    they are never written back; the request's session ends with the request."""
    notes = list(notes)
    moved = [n for n in notes if wrote(viewer, n) and not authors_line_holds(n)]
    ends = line_ends(db, viewer, {n.rep_id for n in moved})
    for note in moved:
        _as_it_stood(note, ends[note.rep_id])
    return notes


def _acknowledgement_as_it_stood(note: Note | CoachTheCoachNote, at: dt.datetime) -> None:
    """An acknowledgement (and its comment) given after `at` is held back, and so is the time
    the note last changed."""
    note.seen_as_of = at
    if note.acknowledged_at is not None and note.acknowledged_at > at:
        set_committed_value(note, "status", NoteStatus.SHARED)
        set_committed_value(note, "acknowledged_at", None)
        set_committed_value(note, "ack_comment", None)
    if note.updated_at > at:
        set_committed_value(note, "updated_at", at)


def _as_it_stood(note: Note, at: dt.datetime) -> None:
    _acknowledgement_as_it_stood(note, at)

    def later(moment: dt.datetime | None) -> bool:
        return moment is not None and moment > at

    if later(note.self_rated_at):
        set_committed_value(note, "self_rated_at", None)
        set_committed_value(note, "self_assessment", None)
    if later(note.self_rating_skipped_at):
        set_committed_value(note, "self_rating_skipped_at", None)
    if later(note.rep_seen_at):
        set_committed_value(note, "rep_seen_at", None)
    # A follow-up the rep has changed since (done, re-dated, evidence) is left out whole:
    # what it said at the move is not kept anywhere.
    kept = [f for f in note.follow_ups if not later(f.created_at) and not later(f.updated_at)]
    if len(kept) != len(note.follow_ups):
        set_committed_value(note, "follow_ups", kept)


# Blind self-rating -------------------------------------------------------------------


def self_rating_settled() -> ColumnElement[bool]:
    """The rep has rated themself on the note, declined to, or acknowledged it."""
    return or_(
        Note.self_rated_at.is_not(None),
        Note.self_rating_skipped_at.is_not(None),
        Note.status == NoteStatus.ACKNOWLEDGED,
    )


def manager_ratings_scope(viewer: User) -> ColumnElement[bool]:
    """Notes whose manager's ratings the viewer may read, among those they may see: the rep
    only once their self-rating of the note is settled (rated, declined or acknowledged)."""
    if viewer.role == Role.REP:
        return and_(notes_scope(viewer), self_rating_settled())
    return notes_scope(viewer)


def is_self_rating_settled(note: Note) -> bool:
    """self_rating_settled for one note in memory."""
    return (
        note.self_rated_at is not None
        or note.self_rating_skipped_at is not None
        or note.status == NoteStatus.ACKNOWLEDGED
    )


def can_see_manager_ratings(viewer: User, note: Note) -> bool:
    """manager_ratings_scope for one note already found in the viewer's scope."""
    return note.rep_id != viewer.id or is_self_rating_settled(note)


# Self-assessments made before the next note --------------------------------------------


def self_assessment_scope(viewer: User) -> ColumnElement[bool]:
    """Reps whose self-assessment before their next note the viewer may read: a rep their
    own, a manager their direct reports' (to see it while writing). Nobody else sees it
    until it joins a shared note."""
    if viewer.role == Role.REP:
        return and_(User.id == viewer.id, User.role == Role.REP)
    if viewer.role == Role.MANAGER:
        return and_(
            User.role == Role.REP,
            User.id.in_(direct_report_ids(viewer)),
            coaching_side(viewer, User.id),
        )
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
        return and_(
            CoachTheCoachNote.director_id == viewer.id,
            coaching_side(viewer, CoachTheCoachNote.manager_id),
        )
    if viewer.role == Role.MANAGER:
        return and_(
            CoachTheCoachNote.manager_id == viewer.id,
            CoachTheCoachNote.status.in_(VISIBLE_TO_OTHERS),
            coaching_side(viewer, CoachTheCoachNote.director_id),
        )
    return false()


def visible_coach_notes(viewer: User) -> Select[CoachTheCoachNote]:
    return select(CoachTheCoachNote).where(coach_notes_scope(viewer))


def coach_note_line_holds(note: CoachTheCoachNote) -> bool:
    """The note's manager still reports to the director who wrote it."""
    return note.manager.manager_id == note.director_id


def can_edit_coach_note(viewer: User, note: CoachTheCoachNote) -> bool:
    """Its director changes and shares it while the manager still reports to them: a team
    move ends it as it ends a manager's notes about a rep (see "A team move")."""
    return note.director_id == viewer.id and coach_note_line_holds(note)


def coach_notes_as_seen_by(
    db: Session, viewer: User, notes: Iterable[CoachTheCoachNote]
) -> list[CoachTheCoachNote]:
    """as_seen_by for coach-the-coach notes: a director reads the notes they wrote to a
    manager who has left their line as they stood when the manager left."""
    notes = list(notes)
    moved = [n for n in notes if n.director_id == viewer.id and not coach_note_line_holds(n)]
    ends = line_ends(db, viewer, {n.manager_id for n in moved})
    for note in moved:
        _acknowledgement_as_it_stood(note, ends[note.manager_id])
    return notes


def coached_managers(viewer: User) -> Select[User]:
    """Managers the viewer may write a coach-the-coach note to: the active first-line
    managers reporting directly to the viewer, a director."""
    if viewer.role != Role.DIRECTOR:
        return select(User).where(false())
    return (
        select(User)
        .where(
            User.manager_id == viewer.id,
            User.role == Role.MANAGER,
            User.active.is_(True),
            coaching_side(viewer, User.id),
        )
        .order_by(User.name)
    )


def coached_manager_or_404(db: Session, viewer: User, manager_id: int) -> User:
    return _one_or_404(db, coached_managers(viewer).where(User.id == manager_id))


# Ride-along days --------------------------------------------------------------


def ride_alongs_scope(viewer: User) -> ColumnElement[bool]:
    """A planned ride-along (its preparation, pre-brief and calls) is its manager's and its
    rep's alone, its manager's while the rep still reports to them; a director sees the
    coaching note it becomes, once shared."""
    if viewer.role not in {Role.MANAGER, Role.REP}:
        return false()
    return or_(
        and_(
            PlannedRideAlong.manager_id == viewer.id,
            PlannedRideAlong.rep_id.in_(direct_report_ids(viewer)),
            coaching_side(viewer, PlannedRideAlong.rep_id),
        ),
        PlannedRideAlong.rep_id == viewer.id,
    )


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
        exists().where(Note.id == FollowUp.session_id, condition),
    )


def follow_up_out_of_draft() -> ColumnElement[bool]:
    """Follow-ups past any draft: set on no note (a plan action's) or on a note shared with
    its rep. Only these are anyone's commitments, counted in figures or told to others."""
    return _on_no_note_or_one(Note.status.in_(VISIBLE_TO_OTHERS))


def out_of_draft_joined() -> ColumnElement[bool]:
    """follow_up_out_of_draft for a query that outer-joins the follow-up's note (Note on
    FollowUp.session_id): PostgreSQL reads the note by its key for each follow-up found,
    where the subquery's test hashed every shared note of the organisation first (40 ms at
    --scale 50 for a page of reps' follow-ups)."""
    return or_(FollowUp.session_id.is_(None), Note.status.in_(VISIBLE_TO_OTHERS))


def follow_up_open_to(person_id: int | SQLColumnExpression[Any]) -> ColumnElement[bool]:
    """Follow-ups whose title may reach this person by any way (a list, a page, a nudge in
    the inbox or a push): out of draft, or on a draft the person wrote. Drafts belong to
    their author alone, and so do their follow-ups until the note is shared, whoever owns
    them. `person_id` may be a column (the worker asks it of each nudge's recipient)."""
    return _on_no_note_or_one(
        or_(
            Note.status.in_(VISIBLE_TO_OTHERS),
            Note.manager_id == person_id,
        )
    )


def follow_ups_scope(
    viewer: User, among: Sequence[ColumnElement[bool]] = ()
) -> ColumnElement[bool]:
    """A follow-up is visible to its owner and to whoever may see its session; one on a
    draft stays with the draft's author until the note is shared (follow_up_open_to).
    Those on notes about a rep who has left the author's line are frozen for the author:
    they read them on the note, as it stood at the move, and nowhere else.

    `among`: conditions on the follow-ups a caller keeps to anyway (one rep's), tested in
    each way in too, so that each starts from them: a national director's scope holds tens
    of thousands of follow-ups, one rep a few."""
    if viewer.role == Role.ADMIN:
        return false()
    own = select(FollowUp.id).where(
        FollowUp.owner_id == viewer.id,
        follow_up_open_to(viewer.id),
        _on_no_note_or_one(_still_in_line(viewer)),
        *among,
    )
    on_visible_notes = (
        select(FollowUp.id)
        .join(Note, Note.id == FollowUp.session_id)
        .where(notes_scope(viewer), _still_in_line(viewer), *among)
    )
    ways = [own, on_visible_notes]
    managed = managed_ids(viewer)
    if managed is not None:
        # Managers and directors follow their people's plan-action follow-ups too.
        ways.append(
            select(FollowUp.id).where(
                FollowUp.session_id.is_(None), FollowUp.owner_id.in_(managed), *among
            )
        )
    # Each way found from its own index (the owner's, the notes'), not a test of each of the
    # organisation's follow-ups: a national field force has tens of thousands open.
    return FollowUp.id.in_(union(*(way.correlate(None) for way in ways)))


def can_change_follow_up(viewer: User, follow_up: FollowUp) -> bool:
    """Its owner, or whoever set it (the note's author, or who added the plan action); on a
    note whose rep has left the author's line, the rep alone."""
    note = follow_up.note
    if note is not None and wrote(viewer, note) and not authors_line_holds(note):
        return False
    author_id = note.manager_id if note is not None else follow_up.created_by_id
    return viewer.id in {follow_up.owner_id, author_id}


def visible_follow_ups(viewer: User, among: Sequence[ColumnElement[bool]] = ()) -> Select[FollowUp]:
    """The follow-ups the viewer sees (of those meeting `among`, if given)."""
    return select(FollowUp).where(follow_ups_scope(viewer, among), *among)


def follow_up_or_404(db: Session, viewer: User, follow_up_id: int) -> FollowUp:
    """One follow-up: those of the viewer's lists, and the agreements of any account-team
    review the viewer sees (read there; only its owner or the review's author changes one).
    Lists keep to follow_ups_scope, so a teammate's agreements do not fill one's own."""
    return _one_or_404(
        db,
        select(FollowUp).where(
            FollowUp.id == follow_up_id,
            or_(
                follow_ups_scope(viewer, among=(FollowUp.id == follow_up_id,)),
                _review_agreement_visible(viewer),
            ),
        ),
    )


# Administration ---------------------------------------------------------------


def can_manage_organisation(viewer: User) -> bool:
    return viewer.role == Role.ADMIN


def can_read_guides(viewer: User) -> bool:
    return viewer.is_active


def organisation_scope(viewer: User) -> ColumnElement[bool]:
    return true() if can_manage_organisation(viewer) else false()


# Learning journeys ---------------------------------------------------------------------


def journeys_scope(viewer: User) -> ColumnElement[bool]:
    """Reps' journeys the viewer may see: a rep their own, a manager their reports', a
    director their subtree's (each on their side of the medical/commercial wall); admins
    author journeys but read nobody's way through one."""
    if viewer.role == Role.REP:
        return JourneyEnrolment.rep_id == viewer.id
    managed = managed_ids(viewer)
    if managed is None:
        return false()
    return and_(
        JourneyEnrolment.rep_id.in_(managed), coaching_side(viewer, JourneyEnrolment.rep_id)
    )


def journey_progress_or_404(db: Session, viewer: User, progress_id: int) -> JourneyProgress:
    """A step that reached a rep, as the viewer may see it (404 otherwise)."""
    return _one_or_404(
        db,
        select(JourneyProgress)
        .join(JourneyEnrolment, JourneyEnrolment.id == JourneyProgress.enrolment_id)
        .where(JourneyProgress.id == progress_id, journeys_scope(viewer)),
    )


def may_review_journey(viewer: User, rep: User) -> bool:
    """The rep's own line manager reviews their exercises."""
    return viewer.role == Role.MANAGER and rep.manager_id == viewer.id


def _one_or_404(db: Session, query: Select[T]) -> T:
    found = db.scalars(query.limit(1)).first()
    if found is None:
        raise NotFound()
    return found


# Exports of what Coachapp holds about a person (coachapp.privacy) ------------------------


def export_subject_or_404(db: Session, viewer: User, user_id: int) -> User:
    """Whose whole export the viewer may make: anyone's for an admin (on the person's
    request, audited); nobody's else (each person downloads their own from the Me section)."""
    if not can_manage_organisation(viewer):
        raise NotFound()
    return _one_or_404(db, select(User).where(User.id == user_id))


def coaching_history_rep_or_404(db: Session, viewer: User, rep_id: int) -> User:
    """A rep whose coaching history the viewer may export for a transfer: a manager's direct
    reports, a director's subtree, on the viewer's side of the medical/commercial wall."""
    if viewer.role not in {Role.MANAGER, Role.DIRECTOR}:
        raise NotFound()
    return _one_or_404(db, select(User).where(User.id == rep_id, reps_scope(viewer)))
