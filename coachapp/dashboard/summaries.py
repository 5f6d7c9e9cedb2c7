"""Figures computed once, read many times: every team's and region's dashboard figures kept in
figure_summaries, so a dashboard reads a row per child whatever the size of the subtree.

What is kept. For every person with a team (a manager, or anyone reps report to) the figures
of their team; for every director also those of their whole subtree. Each row holds exactly
what a dashboard computes for that group on the fly (coachapp.coaching.cadence's summary,
quality and 13-week trends, and the ratings per competency of coachapp.dashboard.service),
for each period a dashboard offers (WINDOW_CHOICES) and for each way of reading it: the
reader's side of the medical/commercial wall (a director sees only the reps of their side,
coachapp.policy) and the reader's today (the trends and the ratings' window end on it).
Every director at or above a group reads it, so rows are kept for their sides and todays
(usually one of each). Each rep's figures are judged on the rep's own today, as always.

How it stays right. Any change the figures rest on (a note shared, edited or acknowledged,
its ratings, a follow-up, a development focus, a cadence target, a person joining, leaving,
moving team or time zone, an account or a competency renamed) writes a figure_changes row in
the same transaction (mark_changes, one session event for every writer: pages, API, imports,
worker). The worker's job (refresh_if_due, every FIGURES_INTERVAL_SECONDS) computes every
row again when a change waits or a date has turned in a time zone the figures were judged
in, in one pass: the figures of every rep of the organisation loaded once per period, then
each group added up from them. Writes only the rows whose figures changed.

How it is read. stored_figures answers the rows asked for, or None (compute on the fly, as
before) when there are none yet (a new database before the worker ran), a date has turned
since, or a change waits longer than STALE_AFTER (the worker is not running). Filtered views
(a region, a function) are not kept and compute on the fly (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import delete, event, func, select, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm import attributes as orm_attributes
from sqlalchemy.orm.util import identity_key

from coachapp import policy
from coachapp.coaching.cadence import (
    TREND_WEEKS,
    WINDOW_CHOICES,
    CadenceBook,
    CadenceSummary,
    Focus,
    Quality,
    Trends,
    WeeklyTrend,
    load_cadence,
)
from coachapp.coaching.counts import COUNTED
from coachapp.dashboard.service import HeatCell, RatingTally, rating_tallies
from coachapp.db import insert_for, utcnow
from coachapp.models import (
    Account,
    CadenceTarget,
    Competency,
    DevelopmentFocus,
    FigureChange,
    FigureRefresh,
    FigureSummary,
    FollowUp,
    GuideSection,
    Note,
    NoteRating,
    NoteStatus,
    Role,
    User,
)
from coachapp.timezones import local_today

T = TypeVar("T")

TEAM = "team"  # the active reps reporting to the person
SUBTREE = "subtree"  # the active reps anywhere below the person (directors)
# A change waiting longer than this means no worker computes the figures again: readers
# compute them on the fly rather than show figures that old.
STALE_AFTER = dt.timedelta(minutes=5)
STATE_ID = 1
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
    Account: ("name",),
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


# The figures of a group, as stored ------------------------------------------------------------


def figures_json(
    summary: CadenceSummary,
    quality: Quality,
    trends: Trends,
    gap_trend: WeeklyTrend,
    tallies: Iterable[RatingTally],
    regions: Iterable[str] = (),
) -> dict[str, Any]:
    """What a dashboard shows of a group of reps, as plain JSON values: their summary
    (coachapp.coaching.cadence.CadenceSummary's figures), coaching quality, weekly trends, and
    their ratings per competency key (totals and counts: coachapp.dashboard.service.pooled)."""
    heat: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    order: dict[str, tuple[int, int]] = {}
    for tally in tallies:
        cell = heat.setdefault(tally.key, [0, 0])
        cell[0] += tally.total
        cell[1] += tally.count
        names[tally.key] = tally.name
        order[tally.key] = min(order.get(tally.key, tally.order), tally.order)
    return {
        "summary": {
            "rep_count": summary.rep_count,
            "by_status": dict(sorted(summary.by_status.items())),
            "within_target": summary.within_target,
            "behind": summary.behind,
            "within_target_share": summary.within_target_share,
            "sessions_in_window": summary.sessions_in_window,
            "ride_alongs_in_window": summary.ride_alongs_in_window,
            "behind_on_ride_alongs": summary.behind_on_ride_alongs,
            "open_follow_ups": summary.open_follow_ups,
            "overdue_follow_ups": summary.overdue_follow_ups,
            "follow_ups_due": summary.follow_ups_due,
            "follow_ups_done": summary.follow_ups_done,
            "follow_up_completion": summary.follow_up_completion,
            "notes_shared": summary.notes_shared,
            "notes_acknowledged": summary.notes_acknowledged,
            "acknowledged_share": summary.acknowledged_share,
            "median_hours_to_acknowledge": summary.median_hours_to_acknowledge,
            "notes_acknowledged_late": summary.notes_acknowledged_late,
            "notes_past_deadline": summary.notes_past_deadline,
            "focus": [[f.key, f.name, n] for f, n in summary.focus(limit=sys.maxsize)],
        },
        "quality": {
            "notes": quality.notes,
            "notes_with_specific_evidence": quality.notes_with_specific_evidence,
            "specific_evidence_share": quality.specific_evidence_share,
            "mean_absolute_gap": quality.mean_absolute_gap,
            "rated_pairs": quality.rated_pairs,
        },
        "week_ends": [day.isoformat() for day in trends.conversations.week_ends],
        "trends": [_trend_json(trend) for trend in (*trends, gap_trend)],
        "heat": {key: heat[key] for key in sorted(heat)},
        "competencies": [[key, names[key], list(order[key])] for key in sorted(names)],
        "regions": sorted(set(regions)),
    }


def _trend_json(trend: WeeklyTrend) -> dict[str, Any]:
    return {"name": trend.name, "unit": trend.unit, "values": list(trend.values)}


@dataclass(frozen=True)
class SummaryFigures:
    """A group's CadenceSummary figures as stored: the same names, without its reps."""

    rep_count: int
    by_status: Mapping[str, int]
    within_target: int
    behind: int
    within_target_share: float | None
    sessions_in_window: int
    ride_alongs_in_window: int
    behind_on_ride_alongs: int
    open_follow_ups: int
    overdue_follow_ups: int
    follow_ups_due: int
    follow_ups_done: int
    follow_up_completion: float | None
    notes_shared: int
    notes_acknowledged: int
    acknowledged_share: float | None
    median_hours_to_acknowledge: float | None
    notes_acknowledged_late: int
    notes_past_deadline: int
    focus_counts: tuple[tuple[Focus, int], ...]

    def focus(self, limit: int = 3) -> list[tuple[Focus, int]]:
        return list(self.focus_counts[:limit])


@dataclass(frozen=True)
class QualityFigures:
    """A group's Quality figures as stored: the same names, without each rating gap."""

    notes: int
    notes_with_specific_evidence: int
    specific_evidence_share: float | None
    mean_absolute_gap: float | None
    rated_pairs: int


@dataclass(frozen=True)
class GroupFigures:
    """One group's stored figures: a team's or a subtree's, in one period, for one reader."""

    summary: SummaryFigures
    quality: QualityFigures
    trends: Trends
    gap_trend: WeeklyTrend
    # Average rating per competency key, and each competency's (name, order in the guide).
    heat: Mapping[str, HeatCell]
    competencies: Mapping[str, tuple[str, tuple[int, int]]]
    regions: tuple[str, ...]

    def cell(self, key: str) -> HeatCell:
        return self.heat.get(key, HeatCell(None, 0))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GroupFigures:
        summary = dict(data["summary"])
        focus = tuple((Focus(key, name), n) for key, name, n in summary.pop("focus"))
        week_ends = tuple(dt.date.fromisoformat(day) for day in data["week_ends"])
        conversations, within, completion, gap = (
            WeeklyTrend(t["name"], t["unit"], week_ends, tuple(t["values"])) for t in data["trends"]
        )
        return cls(
            summary=SummaryFigures(**summary, focus_counts=focus),
            quality=QualityFigures(**data["quality"]),
            trends=Trends(conversations, within, completion),
            gap_trend=gap,
            heat={
                key: HeatCell(total / count if count else None, count)
                for key, (total, count) in data["heat"].items()
            },
            competencies={key: (name, (o[0], o[1])) for key, name, o in data["competencies"]},
            regions=tuple(data["regions"]),
        )


# Computing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """Whose reading a stored row serves: their division (their side of the wall) and their
    today."""

    division: str
    as_of: dt.date

    @classmethod
    def of(cls, person: User, now: dt.datetime) -> Reader:
        return cls(policy.division_of(person).value, local_today(person.timezone, now))


Key = tuple[int, str, int, str, dt.date]  # person, scope, window, division, as_of


@dataclass
class Computed:
    """Every row's figures, computed at `now` from the data as read then."""

    now: dt.datetime
    rows: dict[Key, dict[str, Any]] = field(default_factory=dict)
    zones: list[str] = field(default_factory=list)
    # The changes this computation has seen (read before any figure).
    seen_changes: list[int] = field(default_factory=list)
    seconds: float = 0.0


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

    def subtree(self, person_id: int) -> list[User]:
        found: list[User] = []
        seen = {person_id}
        stack = [person_id]
        while stack:
            for report in self.reports.get(stack.pop(), []):
                if report.id in seen:
                    continue
                seen.add(report.id)
                stack.append(report.id)
                if self.counted(report):
                    found.append(report)
        return found

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
        """Every group a dashboard may show: each team (of a manager or director, or anyone
        with reps) and each director's subtree."""
        for person in self.people.values():
            leads = person.role in (Role.MANAGER, Role.DIRECTOR) and person.active
            if leads or self.team(person.id):
                yield person, TEAM
            if person.role == Role.DIRECTOR and person.active:
                yield person, SUBTREE


def compute(db: Session, now: dt.datetime) -> Computed:
    """Every row's figures at `now`; reads only. The figures of every rep are loaded once per
    period (coachapp.coaching.cadence.load_cadence, a fixed number of queries), the ratings
    once per period and reader's today, and each group is added up from them."""
    started = time.process_time()
    computed = Computed(now=now)
    # First: a change committed after this read is seen by the next computation.
    computed.seen_changes = list(db.scalars(select(FigureChange.id)))
    people = list(db.scalars(select(User).order_by(User.id)))
    org = _Organisation(people)
    reps = [person for person in people if org.counted(person)]
    computed.zones = sorted({person.timezone for person in people if person.active})

    division = {rep.id: policy.division_of(rep) for rep in reps}
    # (person, scope, reader) -> the reps of the group that reader sees.
    wanted: dict[tuple[int, str, Reader], list[User]] = {}
    for person, scope in org.groups():
        readers = {Reader.of(director, now) for director in org.directors_over(person)}
        members = (
            org.team(person.id) if scope == TEAM else org.subtree(person.id) if readers else []
        )
        for reader in readers:
            side = policy.Division(reader.division)
            wanted[(person.id, scope, reader)] = [
                rep for rep in members if policy.coaching_shared_between(side, division[rep.id])
            ]
    days = sorted({reader.as_of for _, _, reader in wanted})

    quality_notes = None
    for window in sorted(WINDOW_CHOICES, reverse=True):
        # The notes' quality (their evidence read, their rating gaps) once, for the longest
        # period: a shorter one's figures take the notes of its own days from them.
        book = load_cadence(db, reps, now, window, TREND_WEEKS, quality=quality_notes is None)
        if quality_notes is None:
            quality_notes = book.quality_notes
        book.quality_notes = quality_notes
        tallies = {day: _by_rep(rating_tallies(db, book.reps, window, day)) for day in days}
        for (person_id, scope, reader), members in wanted.items():
            computed.rows[(person_id, scope, window, reader.division, reader.as_of)] = _group_json(
                book, members, reader.as_of, tallies[reader.as_of]
            )
    computed.seconds = time.process_time() - started
    return computed


def _by_rep(tallies: Iterable[RatingTally]) -> dict[int, list[RatingTally]]:
    found: dict[int, list[RatingTally]] = {}
    for tally in tallies:
        found.setdefault(tally.rep_id, []).append(tally)
    return found


def _group_json(
    book: CadenceBook,
    reps: Sequence[User],
    as_of: dt.date,
    tallies: Mapping[int, list[RatingTally]],
) -> dict[str, Any]:
    ids = [rep.id for rep in reps]
    return figures_json(
        book.summary(ids),
        book.quality(ids),
        book.trends(ids, as_of, TREND_WEEKS),
        book.gap_trend(ids, as_of, TREND_WEEKS),
        (tally for rep_id in ids for tally in tallies.get(rep_id, ())),
        (rep.region for rep in reps if rep.region),
    )


def digest(figures: Mapping[str, Any]) -> str:
    text = json.dumps(figures, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


# Storing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refreshed:
    """What a computation stored: rows written (new or changed), kept and deleted."""

    written: int
    kept: int
    deleted: int
    seconds: float
    stored: bool = True


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
    for ids in _batches(computed.seen_changes):
        db.execute(delete(FigureChange).where(FigureChange.id.in_(ids)))
    state.computed_at = computed.now
    state.zones = computed.zones
    state.seconds = round(computed.seconds, 3)
    state.rows = len(computed.rows)
    db.commit()
    written = len(new) + len(changed)
    return Refreshed(written, len(computed.rows) - written, len(gone), computed.seconds)


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


def refresh(db: Session, now: dt.datetime | None = None) -> Refreshed:
    """Computes every row again and stores it (the CLI's refresh-figures, and the worker when
    due). The computation reads in a transaction of its own, which takes no write lock on
    SQLite; the rows are written in a second, short one."""
    db.commit()
    if db.get_bind().dialect.name == "sqlite":
        db.connection(execution_options={"sqlite_begin": "DEFERRED"})
    computed = compute(db, now or utcnow())
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
    return _dates_turned(state, now)


def _dates_turned(state: FigureRefresh, now: dt.datetime) -> bool:
    return any(local_today(z, now) != local_today(z, state.computed_at) for z in state.zones)


def refresh_if_due(db: Session, now: dt.datetime | None = None) -> int:
    """The worker's job: computes the figures again when due; the rows written."""
    now = now or utcnow()
    if not refresh_due(db, now):
        db.rollback()
        return 0
    return refresh(db, now).written


# Reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFigures:
    """Rows read for one reader and period, by (person, scope), and when they were computed."""

    computed_at: dt.datetime
    groups: Mapping[tuple[int, str], GroupFigures]

    def __getitem__(self, key: tuple[int, str]) -> GroupFigures:
        return self.groups[key]


def stored_figures(
    db: Session,
    reader: Reader,
    window_days: int,
    groups: Collection[tuple[int, str]],
    now: dt.datetime,
) -> StoredFigures | None:
    """The stored figures of these groups (person id, TEAM or SUBTREE) as `reader` sees them,
    in two queries whatever the size of the groups; None when they cannot stand for what an
    on-the-fly computation would show: not computed yet, a date turned since, a change waiting
    longer than STALE_AFTER, or one of the groups missing. The caller computes on the fly then.
    """
    if window_days not in WINDOW_CHOICES:
        return None
    oldest_change = select(func.min(FigureChange.changed_at)).scalar_subquery()
    found = db.execute(
        select(FigureRefresh, oldest_change).where(FigureRefresh.id == STATE_ID)
    ).first()
    if found is None:
        return None
    state, waiting_since = found
    if _dates_turned(state, now) or (
        waiting_since is not None and now - _aware(waiting_since) > STALE_AFTER
    ):
        return None
    ids = {person_id for person_id, _ in groups}
    rows = db.execute(
        select(FigureSummary.person_id, FigureSummary.scope, FigureSummary.figures).where(
            FigureSummary.person_id.in_(ids),
            FigureSummary.window_days == window_days,
            FigureSummary.division == reader.division,
            FigureSummary.as_of == reader.as_of,
        )
    ).all()
    read = {(person_id, scope): figures for person_id, scope, figures in rows}
    if any(group not in read for group in groups):
        return None
    return StoredFigures(
        computed_at=state.computed_at,
        groups={group: GroupFigures.from_json(read[group]) for group in groups},
    )


def _aware(value: dt.datetime) -> dt.datetime:
    """func.min over a UTCDateTime column comes back as the driver gives it (naive on SQLite)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
