"""Figures computed once, read many times: every team's and region's dashboard figures kept in
figure_summaries, so a dashboard reads a row per child whatever the size of the subtree.

What is kept. For every manager and director (and anyone reps report to) the figures of the
reps reporting to them (TEAM) and of everyone below them (SUBTREE: a team's or a region's row
on a dashboard, a director's totals). Each row holds exactly what a dashboard computes for
that group on the fly (coachapp.coaching.cadence's summary, quality and 13-week trends, the
ratings per competency, and what a row shows beside them: coachapp.dashboard.service),
for each period a dashboard offers (WINDOW_CHOICES) and for each way of reading it: the
reader's side of the medical/commercial wall (a director sees only the reps of their side,
coachapp.policy) and the reader's today (the trends and the ratings' window end on it).
Every director at or above a group reads it, so rows are kept for their sides and todays
(usually one of each). Each rep's figures are judged on the rep's own today, as always.

How it stays right. Any change the figures rest on (a note shared, edited or acknowledged,
its ratings, a follow-up, a development focus, a cadence target, a person joining, leaving,
moving team or time zone, an account or a competency renamed) writes a figure_changes row in
the same transaction (mark_changes, one session event for every writer: pages, API, imports,
worker). The worker's job (refresh_if_due, every FIGURES_INTERVAL_SECONDS, in a process of
its own beside the worker's rounds: coachapp.worker.FiguresProcess) computes every row again
when a change waits or a date has turned in a time zone the figures were judged in, in one pass:
the figures of every rep of the organisation loaded once per period, then each group added up
from them. Writes only the rows whose figures changed.

How it is read. coachapp.dashboard.service.dashboard takes its rows from a row per child
(coachapp.dashboard.stored), or computes them on the fly as before when there are none yet (a
new database before the worker ran), a date has turned since, or a change waits longer than
stored.STALE_AFTER (the worker is not running). Filtered views (a region, a function) are not
kept and compute on the fly (docs/what-counts.md, "Figures computed once").
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm import attributes as orm_attributes
from sqlalchemy.orm.util import identity_key

from coachapp import policy
from coachapp.coaching.cadence import (
    TREND_WEEKS,
    WINDOW_CHOICES,
    CadenceBook,
    CadenceStatus,
    load_cadence,
)
from coachapp.coaching.counts import COUNTED
from coachapp.dashboard import service, stored
from coachapp.dashboard.stored import (
    IMPACT_REGION,
    IMPACT_TEAM,
    STATE_ID,
    SUBTREE,
    TEAM,
    ImpactKey,
    Key,
    Reader,
    figures_json,
    rep_json,
)
from coachapp.db import insert_for, utcnow
from coachapp.models import (
    Account,
    AccountPlan,
    AttainmentSnapshot,
    CadenceTarget,
    Competency,
    DevelopmentFocus,
    FigureChange,
    FigureRefresh,
    FigureSummary,
    FollowUp,
    GoalActual,
    GuideSection,
    ImpactSummary,
    Note,
    NoteRating,
    NoteStatus,
    PlanActionItem,
    PlanGoal,
    PlanStakeholder,
    PlanTeamMember,
    Role,
    User,
)
from coachapp.plans import impact
from coachapp.plans.quarters import Quarter, quarters_ending
from coachapp.plans.rollup import ROLLUP_ORDER, organisation_plans_query, rollup_row
from coachapp.plans.snapshots import QuarterAttainment

T = TypeVar("T")

# Rows deleted or written per statement.
BATCH = 500


# Marking changes ------------------------------------------------------------------------------
#
# What the figures rest on, and which of an object's columns matter to them (None: all).
# A note counts only once shared (coachapp.coaching.counts), so a draft's autosaves, its
# ratings and its follow-ups change no figure and mark nothing.

NOTE_FIELDS = (
    "status",
    "rep_id",
    "occurred_on",
    "type",
    "shared_at",
    "acknowledged_at",
    "strengths",
    "development_focus",
    "self_assessment",
    "self_rated_at",
    "account_id",
)
WATCHED: dict[type, tuple[str, ...] | None] = {
    User: ("name", "role", "function", "manager_id", "timezone", "active", "created_at"),
    Note: NOTE_FIELDS,
    NoteRating: None,
    FollowUp: None,
    DevelopmentFocus: None,
    CadenceTarget: None,
    Competency: None,
    GuideSection: None,
    # The impact page's (impact_summaries): the plans, their goals and actuals, what a plan's
    # completeness reads, the closed quarters' snapshots, the accounts' regions.
    AccountPlan: None,
    PlanGoal: None,
    GoalActual: None,
    PlanActionItem: None,
    PlanStakeholder: None,
    PlanTeamMember: None,
    AttainmentSnapshot: None,
    Account: ("name", "region"),
}
WATCHED_TABLES: dict[Any, type] = {kind.__table__: kind for kind in WATCHED}  # type: ignore[attr-defined]
_MARKED = "coachapp.figures_marked"


def _changed(obj: object, names: Iterable[str]) -> bool:
    attrs = orm_attributes.instance_state(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _draft(session: Session, note_id: int | None, loaded: Note | None) -> bool:
    """Whether the note is a draft (a draft's parts count for nothing; sharing it marks)."""
    note = loaded
    if note is None and note_id is not None:
        found = session.identity_map.get(identity_key(Note, note_id))
        note = found if isinstance(found, Note) else None
    return note is not None and note.status == NoteStatus.DRAFT


def _note_part_of_draft(session: Session, part: NoteRating | FollowUp) -> bool:
    state = orm_attributes.instance_state(part)
    loaded = state.attrs.note.loaded_value
    note = loaded if isinstance(loaded, Note) else None
    note_id = part.session_id
    if isinstance(part, FollowUp) and note is None and note_id is None:
        return False  # a plan action's or a review's: counted as it is
    return _draft(session, note_id, note)


def changes_figures(session: Session, obj: object, how: str) -> bool:
    """Whether adding (`new`), changing (`dirty`) or deleting (`deleted`) this object can
    change a figure."""
    kind = type(obj)
    if kind not in WATCHED:
        return False
    if isinstance(obj, Note):
        if how == "dirty":
            return _changed(obj, ("status",)) or (
                obj.status in COUNTED and _changed(obj, NOTE_FIELDS)
            )
        return obj.status in COUNTED
    if isinstance(obj, NoteRating | FollowUp) and _note_part_of_draft(session, obj):
        return False
    names = WATCHED[kind]
    if how == "dirty" and names is not None:
        return _changed(obj, names)
    if isinstance(obj, Account):
        return how == "deleted"  # a new account has no notes yet
    return True


def mark_changed(session: Session) -> None:
    """Records, in the session's transaction, that the figures need computing again (once per
    transaction)."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is not None and session.info.get(_MARKED) is transaction:
        return
    session.info[_MARKED] = transaction
    session.add(FigureChange(changed_at=utcnow()))


@event.listens_for(Session, "before_flush")
def mark_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Every flush that changes what the figures rest on marks them (see WATCHED)."""
    groups = (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted))
    if any(changes_figures(session, obj, how) for how, objs in groups for obj in objs):
        mark_changed(session)


@event.listens_for(Session, "do_orm_execute")
def mark_bulk_changes(state: ORMExecuteState) -> None:
    """An UPDATE, DELETE or INSERT statement on a watched table, of mapped objects or of the
    table itself (the follow-ups that follow a plan action's status, the demo's rows written
    in bulk) marks the figures; an UPDATE only when it sets a column they read (a rep opening
    a note sets when they saw it: a GET writes nothing else)."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    kind = WATCHED_TABLES.get(getattr(state.statement, "table", None))
    if kind is None:
        return
    names = WATCHED[kind]
    if state.is_update and names is not None:
        # The columns a statement's values() set; unknown (parameters given apart, as an
        # executemany) counts as any.
        values = getattr(state.statement, "_values", None)
        if values and not {getattr(column, "key", column) for column in values} & set(names):
            return
    mark_changed(state.session)


# Computing ------------------------------------------------------------------------------------


@dataclass
class Computed:
    """Every row's figures, computed at `now` from the data as read then."""

    now: dt.datetime
    rows: dict[Key, dict[str, Any]] = field(default_factory=dict)
    zones: list[str] = field(default_factory=list)
    # The changes this computation has seen (read before any figure).
    seen_changes: list[int] = field(default_factory=list)
    seconds: float = 0.0
    # The impact page's rows (impact_summaries).
    impact: dict[ImpactKey, dict[str, Any]] = field(default_factory=dict)


class _Organisation:
    """Everyone, with who reports to whom."""

    def __init__(self, people: Sequence[User]) -> None:
        self.people = {person.id: person for person in people}
        self.reports: dict[int, list[User]] = {}
        for person in people:
            if person.manager_id is not None:
                self.reports.setdefault(person.manager_id, []).append(person)

    @staticmethod
    def counted(person: User) -> bool:
        """A rep whose figures a dashboard shows (coachapp.policy.visible_cadence_reps)."""
        return person.role == Role.REP and person.active

    def team(self, person_id: int) -> list[User]:
        return [p for p in self.reports.get(person_id, []) if self.counted(p)]

    def below(self, person_id: int) -> list[User]:
        """Everyone below the person, at any depth (a loop in the data ends the walk)."""
        found: list[User] = []
        seen = {person_id}
        stack = [person_id]
        while stack:
            for report in self.reports.get(stack.pop(), []):
                if report.id not in seen:
                    seen.add(report.id)
                    stack.append(report.id)
                    found.append(report)
        return found

    def leading(self, person: User) -> Iterator[User]:
        """The managers and directors whose lines the person is in: their manager, that
        manager's, and so on up, while each is a manager or director (as
        coachapp.dashboard.service.Lines climbs; a loop in the data ends the walk)."""
        seen = {person.id}
        current = self.people.get(person.manager_id) if person.manager_id else None
        while current is not None and current.id not in seen and current.role != Role.REP:
            seen.add(current.id)
            yield current
            current = self.people.get(current.manager_id) if current.manager_id else None

    def directors_over(self, person: User) -> list[User]:
        """The active directors who read this person's figures: themself and those above."""
        found = []
        seen: set[int] = set()
        current: User | None = person
        while current is not None and current.id not in seen:
            seen.add(current.id)
            if current.role == Role.DIRECTOR and current.active:
                found.append(current)
            current = self.people.get(current.manager_id) if current.manager_id else None
        return found

    def groups(self) -> Iterator[tuple[User, str]]:
        """Every group a dashboard may show: the reps reporting to each person who leads or
        has reps (a manager's team, those reporting to a director themself), and everyone below
        each person who leads or has reps below (a team's row, a region's row, a director's
        totals)."""
        for person in self.people.values():
            leads = person.role in (Role.MANAGER, Role.DIRECTOR) and person.active
            if leads or self.team(person.id):
                yield person, TEAM
            if person.role != Role.REP and (
                leads or any(self.counted(p) for p in self.below(person.id))
            ):
                yield person, SUBTREE


@dataclass
class _Group:
    """One row to compute: a person's team or subtree as one reader sees it."""

    person: User
    scope: str
    reader: Reader
    viewer: User  # a director of that reader's side and today (the wall is by side)
    members: list[User]  # the reps the reader sees
    leaders: list[User] = field(default_factory=list)  # managers and directors below
    direct: list[User] = field(default_factory=list)  # reps reporting to the person, seen

    @property
    def key(self) -> tuple[int, str, str, dt.date]:
        return (self.person.id, self.scope, self.reader.division, self.reader.as_of)


class StopEvent(Protocol):
    """What a long computation asks whether to give up (a threading or multiprocessing Event)."""

    def is_set(self) -> bool: ...


class Abandoned(Exception):
    """A computation given up before its end because its worker is stopping: nothing is
    stored, and the changes it would have cleared stay marked for the next one."""


def _go_on(stop: StopEvent | None) -> None:
    if stop is not None and stop.is_set():
        raise Abandoned


def compute(db: Session, now: dt.datetime, stop: StopEvent | None = None) -> Computed:
    """Every row's figures at `now`; reads only. The figures of every rep are loaded once per
    period (coachapp.coaching.cadence.load_cadence, a fixed number of queries), the ratings
    once per period and reader's today, and each group is added up from them. Raises
    Abandoned as soon as it sees `stop` set (checked between groups)."""
    started = time.process_time()
    computed = Computed(now=now)
    # First: a change committed after this read is seen by the next computation.
    computed.seen_changes = list(db.scalars(select(FigureChange.id)))
    people = list(db.scalars(select(User).order_by(User.id)))
    org = _Organisation(people)
    reps = [person for person in people if org.counted(person)]
    computed.zones = sorted({person.timezone for person in people if person.active})
    groups = _groups(org, now)
    days = sorted({group.reader.as_of for group in groups})

    quality_notes = None
    for window in sorted(WINDOW_CHOICES, reverse=True):
        _go_on(stop)
        # The notes' quality (their evidence read, their rating gaps) once, for the longest
        # period: a shorter one's figures take the notes of its own days from them.
        book = load_cadence(db, reps, now, window, TREND_WEEKS, quality=quality_notes is None)
        if quality_notes is None:
            quality_notes = book.quality_notes
        book.quality_notes = quality_notes
        tallies = {day: _by_rep(service.rating_tallies(db, book.reps, window, day)) for day in days}
        for group in groups:
            _go_on(stop)
            person_id, scope, division, as_of = group.key
            computed.rows[(person_id, scope, window, division, as_of)] = _group_json(
                book, group, tallies[as_of]
            )
    computed.impact = _impact_rows(db, org, now, stop)
    computed.seconds = time.process_time() - started
    return computed


def _groups(org: _Organisation, now: dt.datetime) -> list[_Group]:
    side = {person.id: policy.division_of(person) for person in org.people.values()}
    groups = []
    for person, scope in org.groups():
        viewers = {Reader.of(d, now): d for d in org.directors_over(person)}
        below = org.below(person.id) if scope == SUBTREE and viewers else []
        for reader, viewer in viewers.items():
            division = policy.Division(reader.division)
            team = [
                r
                for r in org.team(person.id)
                if policy.coaching_shared_between(division, side[r.id])
            ]
            if scope == TEAM:
                groups.append(_Group(person, scope, reader, viewer, team))
                continue
            members = [
                p
                for p in below
                if org.counted(p) and policy.coaching_shared_between(division, side[p.id])
            ]
            leaders = [p for p in below if p.role != Role.REP]
            groups.append(_Group(person, scope, reader, viewer, members, leaders, team))
    return groups


def _by_rep(tallies: Iterable[service.RatingTally]) -> dict[int, list[service.RatingTally]]:
    found: dict[int, list[service.RatingTally]] = {}
    for tally in tallies:
        found.setdefault(tally.rep_id, []).append(tally)
    return found


def _group_json(
    book: CadenceBook, group: _Group, tallies: Mapping[int, list[service.RatingTally]]
) -> dict[str, Any]:
    ids = [rep.id for rep in group.members]
    as_of = group.reader.as_of
    return figures_json(
        book.summary(ids),
        book.quality(ids),
        book.trends(ids, as_of, TREND_WEEKS),
        book.gap_trend(ids, as_of, TREND_WEEKS),
        (tally for rep_id in ids for tally in tallies.get(rep_id, ())),
        (rep.region for rep in group.members if rep.region),
        _row_extras(book, group) if group.scope == SUBTREE else None,
    )


def _row_extras(book: CadenceBook, group: _Group) -> dict[str, Any]:
    """What a dashboard row of this group shows beside its figures, as
    coachapp.dashboard.service.figures_for_children makes it: a region's number of teams; a
    team's cadence target and the reps due next."""
    person = group.person
    if person.role == Role.DIRECTOR:
        # The first-line managers below with a rep in view, or shown with nobody yet.
        leading = {rep.manager_id for rep in group.members}
        unfiltered = service.CadenceFilters()
        teams = sum(
            1
            for leader in group.leaders
            if leader.role == Role.MANAGER
            and (leader.id in leading or service.shown_empty(group.viewer, leader, unfiltered))
        )
        return {"teams": teams}
    # A team's own target when one of its reps is in view (the reader's own computation
    # loads targets for the managers of the reps it sees), else the organisation's.
    target = book.target_for(person.id if group.direct else None)
    rows = [service.RepRow(rep, book.reps[rep.id]) for rep in group.members]
    due = [r for r in service.urgent_first(rows) if r.cadence.status != CadenceStatus.ON_TRACK]
    return {
        "target": [target.any_coaching_days, target.ride_along_days],
        "due_next": [rep_json(row.cadence) for row in due[: service.DUE_NEXT]],
    }


# The impact page's figures ---------------------------------------------------------------------


def _impact_rows(
    db: Session, org: _Organisation, now: dt.datetime, stop: StopEvent | None = None
) -> dict[ImpactKey, Any]:
    """Every impact row at `now` (models.ImpactSummary): for each person, the live plans owned
    by the reps reporting to them (IMPACT_TEAM) and, for a director, by anyone below them
    (SUBTREE) and by anyone below them on each region's accounts (IMPACT_REGION), over the
    quarters the impact page shows first, as each director at or above them reads them (their
    side of the wall, their today). The plans are loaded once, each quarter's cadence figures
    and ratings once for every plan owner (coachapp.plans.impact.quarter_inputs), and each
    group is added up from them by the functions the page uses (series_of)."""
    plans = db.scalars(organisation_plans_query().order_by(*ROLLUP_ORDER)).unique().all()
    groups: dict[tuple[int, str, str], list[int]] = {}
    for index, plan in enumerate(plans):
        owner = org.people[plan.owner_id]
        if owner.manager_id is not None:
            groups.setdefault((owner.manager_id, IMPACT_TEAM, ""), []).append(index)
        for above in org.leading(owner):
            if above.role == Role.DIRECTOR:
                groups.setdefault((above.id, SUBTREE, ""), []).append(index)
                by_region = (above.id, IMPACT_REGION, plan.account.region)
                groups.setdefault(by_region, []).append(index)
    readers = {
        person_id: {Reader.of(d, now) for d in org.directors_over(org.people[person_id])}
        for person_id in {person_id for person_id, _, _ in groups}
        if person_id in org.people
    }
    side = {person.id: policy.division_of(person) for person in org.people.values()}
    owners = [org.people[o] for o in sorted({p.owner_id for p in plans})]
    counted = [owner for owner in owners if org.counted(owner)]
    found: dict[ImpactKey, Any] = {}
    goals = [goal for plan in plans for goal in plan.goals]
    # A closed quarter's inputs serve every reader's today.
    known: dict[tuple[Quarter, dt.date], impact.QuarterInputs] = {}
    for as_of in sorted({reader.as_of for seen in readers.values() for reader in seen}):
        rows = [rollup_row(plan, as_of) for plan in plans]
        shown = quarters_ending(Quarter.of(as_of))
        inputs = impact.quarter_inputs(db, rows, counted, shown, as_of, now, known)
        # Each goal's attainment once per quarter, however many groups it is in.
        inputs = [
            replace(
                q, attainment=QuarterAttainment(q.as_of, {g.id: q.attainment.of(g) for g in goals})
            )
            for q in inputs
        ]
        divisions = {r.division for seen in readers.values() for r in seen if r.as_of == as_of}
        for division in sorted(divisions):
            wall = policy.Division(division)
            seen_inputs = [
                replace(
                    q,
                    cadence={
                        rep_id: figures
                        for rep_id, figures in q.cadence.items()
                        if policy.coaching_shared_between(wall, side[rep_id])
                    },
                )
                for q in inputs
            ]
            reader = Reader(division, as_of)
            for (person_id, scope, region), indices in groups.items():
                if reader not in readers.get(person_id, ()):
                    continue
                _go_on(stop)
                (series,) = impact.series_of([rows[i] for i in indices], seen_inputs, _one_group)
                found[(person_id, scope, region, division, as_of)] = impact.series_json(series)
    return found


def _one_group(_place: impact.Place) -> tuple[str, str]:
    """Every plan in one group (a row names its group when it is read)."""
    return ("", "")


# Storing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refreshed:
    """What a computation stored: rows written (new or changed), kept and deleted."""

    written: int
    kept: int
    deleted: int
    seconds: float
    stored: bool = True
    # The impact page's rows (impact_summaries) written, new or changed, and deleted.
    impact_written: int = 0
    impact_deleted: int = 0


def store(db: Session, computed: Computed) -> Refreshed:
    """Writes the computed rows that changed, deletes those no longer computed and the changes
    the computation saw, in one transaction; commits. A computation older than the one stored
    (two workers at once) stores nothing."""
    insert = insert_for(db)
    db.execute(
        insert(FigureRefresh)
        .values(id=STATE_ID, computed_at=dt.datetime.min.replace(tzinfo=dt.UTC), zones=[])
        .on_conflict_do_nothing(index_elements=["id"])
    )
    state = db.scalars(
        select(FigureRefresh).where(FigureRefresh.id == STATE_ID).with_for_update()
    ).one()
    if state.computed_at > computed.now:
        db.rollback()
        return Refreshed(0, 0, 0, computed.seconds, stored=False)
    stored = {
        (row.person_id, row.scope, row.window_days, row.division, row.as_of): row.figures
        for row in db.execute(
            select(
                FigureSummary.person_id,
                FigureSummary.scope,
                FigureSummary.window_days,
                FigureSummary.division,
                FigureSummary.as_of,
                FigureSummary.figures,
            )
        )
    }
    gone = [key for key in stored if key not in computed.rows]
    _delete_rows(db, gone)
    new = [
        {**_key_values(key), "figures": figures}
        for key, figures in computed.rows.items()
        if key not in stored
    ]
    for batch in _batches(new):
        db.execute(insert(FigureSummary).values(batch))
    changed = [
        (key, figures)
        for key, figures in computed.rows.items()
        if key in stored and stored[key] != figures
    ]
    for key, figures in changed:
        db.execute(update(FigureSummary).where(*_key_is(key)).values(figures=figures))
    impact_written, impact_deleted = _store_impact(db, computed.impact)
    for ids in _batches(computed.seen_changes):
        db.execute(delete(FigureChange).where(FigureChange.id.in_(ids)))
    state.computed_at = computed.now
    state.zones = computed.zones
    state.seconds = round(computed.seconds, 3)
    state.rows = len(computed.rows)
    db.commit()
    written = len(new) + len(changed)
    return Refreshed(
        written, len(computed.rows) - written, len(gone), computed.seconds,
        impact_written=impact_written, impact_deleted=impact_deleted,
    )  # fmt: skip


IMPACT_KEY = (
    ImpactSummary.person_id,
    ImpactSummary.scope,
    ImpactSummary.region,
    ImpactSummary.division,
    ImpactSummary.as_of,
)


def _store_impact(db: Session, rows: Mapping[ImpactKey, dict[str, Any]]) -> tuple[int, int]:
    """Writes the impact rows that changed and deletes those no longer computed, as store()
    does the dashboard's; how many were written and deleted."""
    insert = insert_for(db)
    kept = {
        (person_id, scope, region, division, as_of): figures
        for person_id, scope, region, division, as_of, figures in db.execute(
            select(*IMPACT_KEY, ImpactSummary.figures)
        )
    }
    gone: dict[tuple[str, str, str, dt.date], list[int]] = {}
    for person_id, scope, region, division, as_of in (key for key in kept if key not in rows):
        gone.setdefault((scope, region, division, as_of), []).append(person_id)
    for (scope, region, division, as_of), people in gone.items():
        for batch in _batches(people):
            db.execute(
                delete(ImpactSummary).where(
                    ImpactSummary.person_id.in_(batch),
                    ImpactSummary.scope == scope,
                    ImpactSummary.region == region,
                    ImpactSummary.division == division,
                    ImpactSummary.as_of == as_of,
                )
            )
    new = [
        {**dict(zip(("person_id", "scope", "region", "division", "as_of"), key, strict=True)),
         "figures": figures}
        for key, figures in rows.items()
        if key not in kept
    ]  # fmt: skip
    for values in _batches(new):
        db.execute(insert(ImpactSummary).values(values))
    changed = [
        (key, figures) for key, figures in rows.items() if key in kept and kept[key] != figures
    ]
    for key, figures in changed:
        condition = [column == value for column, value in zip(IMPACT_KEY, key, strict=True)]
        db.execute(update(ImpactSummary).where(*condition).values(figures=figures))
    return len(new) + len(changed), sum(len(people) for people in gone.values())


def _delete_rows(db: Session, keys: Iterable[Key]) -> None:
    """Deletes these rows, a statement per scope, period, division and day (a day that
    turned deletes every row of the day before in a few statements)."""
    people: dict[tuple[str, int, str, dt.date], list[int]] = {}
    for person_id, scope, window, division, as_of in keys:
        people.setdefault((scope, window, division, as_of), []).append(person_id)
    for (scope, window, division, as_of), ids in people.items():
        for batch in _batches(ids):
            db.execute(
                delete(FigureSummary).where(
                    FigureSummary.person_id.in_(batch),
                    FigureSummary.scope == scope,
                    FigureSummary.window_days == window,
                    FigureSummary.division == division,
                    FigureSummary.as_of == as_of,
                )
            )


def _key_values(key: Key) -> dict[str, Any]:
    person_id, scope, window, division, as_of = key
    return {
        "person_id": person_id,
        "scope": scope,
        "window_days": window,
        "division": division,
        "as_of": as_of,
    }


def _key_is(key: Key) -> tuple[Any, ...]:
    person_id, scope, window, division, as_of = key
    return (
        FigureSummary.person_id == person_id,
        FigureSummary.scope == scope,
        FigureSummary.window_days == window,
        FigureSummary.division == division,
        FigureSummary.as_of == as_of,
    )


def _batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def refresh(
    db: Session, now: dt.datetime | None = None, stop: StopEvent | None = None
) -> Refreshed:
    """Computes every row again and stores it (the CLI's refresh-figures, and the worker when
    due). The computation reads in a transaction of its own, which takes no write lock on
    SQLite; the rows are written in a second, short one. `stop` set abandons the computation
    (Abandoned, nothing stored)."""
    db.commit()
    if db.get_bind().dialect.name == "sqlite":
        db.connection(execution_options={"sqlite_begin": "DEFERRED"})
    computed = compute(db, now or utcnow(), stop)
    db.rollback()  # the read transaction ends; the writes start a new one
    return store(db, computed)


def refresh_due(db: Session, now: dt.datetime) -> bool:
    """Whether the stored figures are behind: never computed, a change waits, or a date has
    turned in a time zone they were judged in since (a rep's today, a reader's)."""
    state = db.get(FigureRefresh, STATE_ID)
    if state is None:
        return True
    if db.scalar(select(FigureChange.id).limit(1)) is not None:
        return True
    return stored.dates_turned(state, now)


def refresh_if_due(
    db: Session, now: dt.datetime | None = None, stop: StopEvent | None = None
) -> int:
    """The worker's job: computes the figures again when due; the rows written (the
    dashboard's and the impact page's). `stop` as refresh's."""
    now = now or utcnow()
    if not refresh_due(db, now):
        db.rollback()
        return 0
    done = refresh(db, now, stop)
    return done.written + done.impact_written
