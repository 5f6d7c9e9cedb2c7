"""Cadence figures: how often each rep is coached against the target, and what a team adds up to.

Every page, API endpoint, export and nudge that shows a cadence figure takes it from here, so
the Team page, the director's dashboard, `GET /api/v1/cadence` and the CSV cannot disagree.
Figures are judged on a controlled clock: `now` (aware UTC) gives each rep's own local date,
so everyone who looks at a rep sees the same figures whatever their own time zone. What counts
as coaching is coachapp.coaching.counts' one definition (counted(): notes shared with the
rep, which sharing lets through only when they say something); a draft is nobody's coaching
until it is shared, and follow-ups on drafts are not commitments yet. Loading runs a fixed
number of queries whatever the number of reps.

The acknowledgement deadline of a note (ack_deadline) and the coaching-quality figures a
director reads per manager (load_cadence(..., quality=True)) are computed here too.

Which reps a viewer may see figures for is decided by coachapp.policy (cadence_scope);
callers pass the reps they got from there.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.coaching.blind import scored_by_both, self_scores_in
from coachapp.coaching.counts import counted
from coachapp.coaching.specificity import specific_evidence
from coachapp.languages import N_
from coachapp.models import (
    Account,
    CadenceTarget,
    Competency,
    DevelopmentFocus,
    FollowUp,
    FollowUpStatus,
    Note,
    NoteRating,
    NoteStatus,
    NoteType,
    User,
)
from coachapp.timezones import local_today, zone

DEFAULT_ANY_COACHING_DAYS = 14
DEFAULT_RIDE_ALONG_DAYS = 30
# Days a rep has to acknowledge a shared note, unless configured (ACK_DEADLINE_DAYS) or set
# for the organisation (its cadence target).
DEFAULT_ACK_DEADLINE_DAYS = 3
# "Sessions in the window", acknowledgements and follow-up completion look this far back.
DEFAULT_WINDOW_DAYS = 90
WINDOW_CHOICES = (30, 90, 180)
MAX_WINDOW_DAYS = 366
TREND_WEEKS = 13
# Due soon: three quarters of the target gone.
DUE_SOON_SHARE = 0.75


class CadenceStatus(enum.StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    NEVER = "never"


CADENCE_LABELS = {
    CadenceStatus.ON_TRACK: N_("On track"),
    CadenceStatus.DUE_SOON: N_("Due soon"),
    CadenceStatus.OVERDUE: N_("Overdue"),
    CadenceStatus.NEVER: N_("Not yet coached"),
}
RIDE_ALONG_LABELS = {
    CadenceStatus.ON_TRACK: N_("Ride-along on track"),
    CadenceStatus.DUE_SOON: N_("Ride-along due soon"),
    CadenceStatus.OVERDUE: N_("Ride-along overdue"),
    CadenceStatus.NEVER: N_("No ride-along yet"),
}
BEHIND = (CadenceStatus.OVERDUE, CadenceStatus.NEVER)


@dataclass(frozen=True)
class Target:
    any_coaching_days: int
    ride_along_days: int


@dataclass(frozen=True)
class Focus:
    """A development-focus competency, by its key (stable across guide versions)."""

    key: str
    name: str


@dataclass(frozen=True)
class RepCadence:
    rep_id: int
    manager_id: int | None
    # The rep's local date the figures are judged on, and the window ending on it.
    today: dt.date
    window_days: int
    target_days: int
    ride_along_target_days: int
    last_coached_on: dt.date | None
    days_since_last: int | None
    status: CadenceStatus
    sessions_in_window: int = 0
    last_ride_along_on: dt.date | None = None
    days_since_ride_along: int | None = None
    ride_along_status: CadenceStatus = CadenceStatus.NEVER
    ride_alongs_in_window: int = 0
    open_follow_ups: int = 0
    overdue_follow_ups: int = 0
    # Follow-ups whose due date fell in the window before today (cancelled ones aside),
    # and how many of them are done.
    follow_ups_due: int = 0
    follow_ups_done: int = 0
    # Notes held in the window, how many the rep acknowledged, and how long each took.
    notes_shared: int = 0
    notes_acknowledged: int = 0
    hours_to_acknowledge: tuple[float, ...] = ()
    # Of the window's notes, those acknowledged after their deadline; and shared notes of any
    # date still unacknowledged with their deadline gone.
    notes_acknowledged_late: int = 0
    notes_past_deadline: int = 0
    focus: tuple[Focus, ...] = ()

    @property
    def label(self) -> str:
        return CADENCE_LABELS[self.status]

    @property
    def ride_along_label(self) -> str:
        return RIDE_ALONG_LABELS[self.ride_along_status]

    @property
    def window_start(self) -> dt.date:
        return window_start(self.today, self.window_days)

    @property
    def next_due_on(self) -> dt.date | None:
        """When the next coaching is due; None when the rep was never coached (due now)."""
        if self.last_coached_on is None:
            return None
        return self.last_coached_on + dt.timedelta(days=self.target_days)

    @property
    def days_until_due(self) -> int | None:
        """Negative when overdue; None when never coached."""
        due = self.next_due_on
        return None if due is None else (due - self.today).days

    @property
    def urgency(self) -> tuple[int, int]:
        """Sorts who needs coaching next first: never coached, then the soonest due."""
        days = self.days_until_due
        return (0, 0) if days is None else (1, days)

    @property
    def acknowledged_share(self) -> float | None:
        return _share(self.notes_acknowledged, self.notes_shared)

    @property
    def median_hours_to_acknowledge(self) -> float | None:
        return _median(self.hours_to_acknowledge)

    @property
    def follow_up_completion(self) -> float | None:
        return _share(self.follow_ups_done, self.follow_ups_due)


@dataclass(frozen=True)
class CadenceSummary:
    """The figures of a group of reps (a manager's team, a director's scope) added up."""

    reps: tuple[RepCadence, ...]

    @property
    def rep_count(self) -> int:
        return len(self.reps)

    @property
    def by_status(self) -> Counter[str]:
        return Counter(r.status.value for r in self.reps)

    @property
    def within_target(self) -> int:
        return sum(1 for r in self.reps if r.status not in BEHIND)

    @property
    def behind(self) -> int:
        return self.rep_count - self.within_target

    @property
    def within_target_share(self) -> float | None:
        return _share(self.within_target, self.rep_count)

    @property
    def sessions_in_window(self) -> int:
        return sum(r.sessions_in_window for r in self.reps)

    @property
    def ride_alongs_in_window(self) -> int:
        return sum(r.ride_alongs_in_window for r in self.reps)

    @property
    def behind_on_ride_alongs(self) -> int:
        return sum(1 for r in self.reps if r.ride_along_status in BEHIND)

    @property
    def open_follow_ups(self) -> int:
        return sum(r.open_follow_ups for r in self.reps)

    @property
    def overdue_follow_ups(self) -> int:
        return sum(r.overdue_follow_ups for r in self.reps)

    @property
    def follow_ups_due(self) -> int:
        return sum(r.follow_ups_due for r in self.reps)

    @property
    def follow_ups_done(self) -> int:
        return sum(r.follow_ups_done for r in self.reps)

    @property
    def follow_up_completion(self) -> float | None:
        return _share(self.follow_ups_done, self.follow_ups_due)

    @property
    def notes_shared(self) -> int:
        return sum(r.notes_shared for r in self.reps)

    @property
    def notes_acknowledged(self) -> int:
        return sum(r.notes_acknowledged for r in self.reps)

    @property
    def acknowledged_share(self) -> float | None:
        return _share(self.notes_acknowledged, self.notes_shared)

    @property
    def median_hours_to_acknowledge(self) -> float | None:
        """The median over every acknowledged note of the group, not a median of medians."""
        return _median([h for r in self.reps for h in r.hours_to_acknowledge])

    @property
    def notes_acknowledged_late(self) -> int:
        return sum(r.notes_acknowledged_late for r in self.reps)

    @property
    def notes_past_deadline(self) -> int:
        return sum(r.notes_past_deadline for r in self.reps)

    def focus(self, limit: int = 3) -> list[tuple[Focus, int]]:
        """The focus competencies most reps of the group work on, with how many do."""
        counts = Counter(f for r in self.reps for f in r.focus)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0].name))[:limit]


@dataclass(frozen=True)
class WeeklyTrend:
    """One figure for each of the last weeks, oldest first; None where there is nothing to
    measure (no follow-up due that week, no rep on the team yet)."""

    name: str
    unit: str  # "count", "percent" or "points" (rating points)
    week_ends: tuple[dt.date, ...]
    values: tuple[float | None, ...]

    @property
    def latest(self) -> float | None:
        return self.values[-1] if self.values else None


@dataclass(frozen=True)
class Trends:
    conversations: WeeklyTrend
    within_target: WeeklyTrend
    follow_up_completion: WeeklyTrend

    def __iter__(self) -> Iterator[WeeklyTrend]:
        return iter((self.conversations, self.within_target, self.follow_up_completion))


@dataclass(frozen=True)
class _Held:
    rep_id: int
    occurred_on: dt.date
    ride_along: bool
    shared_at: dt.datetime | None
    acknowledged_at: dt.datetime | None


@dataclass(frozen=True)
class AckDeadline:
    """When a shared note is to be acknowledged: by the end of `due_on` on the rep's own
    calendar, `days` after the day it was shared there."""

    days: int
    due_on: dt.date
    # The rep's today, and the rep's date of the acknowledgement if there is one.
    today: dt.date
    acknowledged_on: dt.date | None

    @property
    def missed(self) -> bool:
        """Still unacknowledged and the deadline is gone."""
        return self.acknowledged_on is None and self.today > self.due_on

    @property
    def acknowledged_late(self) -> bool:
        return self.acknowledged_on is not None and self.acknowledged_on > self.due_on

    @property
    def days_over(self) -> int:
        """Days past the deadline: until the acknowledgement, or until today."""
        return max(0, ((self.acknowledged_on or self.today) - self.due_on).days)

    @property
    def days_left(self) -> int:
        """Days until the deadline (0 on its last day; negative once missed)."""
        return (self.due_on - self.today).days


def ack_deadline(
    shared_at: dt.datetime,
    acknowledged_at: dt.datetime | None,
    timezone_name: str,
    days: int,
    now: dt.datetime,
) -> AckDeadline:
    """A note's acknowledgement deadline, judged on its rep's calendar (timezone_name)."""
    tz = zone(timezone_name)
    return AckDeadline(
        days=days,
        due_on=shared_at.astimezone(tz).date() + dt.timedelta(days=days),
        today=now.astimezone(tz).date(),
        acknowledged_on=acknowledged_at.astimezone(tz).date() if acknowledged_at else None,
    )


def configured_ack_deadline_days() -> int:
    """ACK_DEADLINE_DAYS from the configuration, else the built-in 3 days."""
    if has_app_context():
        return int(current_app.config.get("ACK_DEADLINE_DAYS", DEFAULT_ACK_DEADLINE_DAYS))
    return DEFAULT_ACK_DEADLINE_DAYS


def ack_deadline_days(db: Session) -> int:
    """Days a rep has to acknowledge a note: the organisation's setting, else the
    configuration's."""
    return org_ack_deadline_days(
        db.scalars(select(CadenceTarget).where(CadenceTarget.team_manager_id.is_(None)))
    )


def org_ack_deadline_days(rows: Iterable[CadenceTarget]) -> int:
    """ack_deadline_days from cadence target rows already read: the organisation's row (the
    one of no team), else the configuration's."""
    stored = next((r.ack_deadline_days for r in rows if r.team_manager_id is None), None)
    return stored or configured_ack_deadline_days()


def deadline_of(note: Note, days: int, now: dt.datetime) -> AckDeadline | None:
    """The deadline of one note (its rep loaded) when the organisation gives `days`
    (ack_deadline_days); None while it is a draft."""
    if note.shared_at is None:
        return None
    return ack_deadline(note.shared_at, note.acknowledged_at, note.rep.timezone, days, now)


@dataclass(frozen=True)
class _QualityNote:
    """What the quality figures need of one held note."""

    rep_id: int
    occurred_on: dt.date
    specific: bool
    # |self - manager| per competency both scored, where the rep rated themself.
    gaps: tuple[int, ...]


@dataclass(frozen=True)
class Quality:
    """How well a group of reps is coached, beside how often: from their notes in the
    window (ending on each rep's today)."""

    notes: int
    notes_with_specific_evidence: int
    # Every |self - manager| of the window's notes, where the rep rated themself.
    gaps: tuple[int, ...]

    @property
    def specific_evidence_share(self) -> float | None:
        return _share(self.notes_with_specific_evidence, self.notes)

    @property
    def mean_absolute_gap(self) -> float | None:
        return sum(self.gaps) / len(self.gaps) if self.gaps else None

    @property
    def rated_pairs(self) -> int:
        return len(self.gaps)


@dataclass(frozen=True)
class _Tally:
    """How many follow-ups one owner has due on one day in one status."""

    owner_id: int
    due_date: dt.date
    status: FollowUpStatus
    count: int


@dataclass
class CadenceBook:
    """Everything loaded for a set of reps: their figures, and the rows trends are drawn from."""

    now: dt.datetime
    window_days: int
    since: dt.date
    people: dict[int, User]
    targets: dict[int | None, Target]
    reps: dict[int, RepCadence] = field(default_factory=dict)
    held: list[_Held] = field(default_factory=list)
    tallies: list[_Tally] = field(default_factory=list)
    # Last coaching (any, ride-along) before `since`, per rep.
    earlier: dict[int, tuple[dt.date | None, dt.date | None]] = field(default_factory=dict)
    held_by_rep: dict[int, list[_Held]] = field(default_factory=dict)
    tallies_by_owner: dict[int, list[_Tally]] = field(default_factory=dict)
    ack_deadline_days: int = DEFAULT_ACK_DEADLINE_DAYS
    # With quality=True: per rep, their held notes since `since` as the quality figures see them.
    quality_notes: dict[int, list[_QualityNote]] | None = None

    def quality(self, rep_ids: Iterable[int] | None = None) -> Quality:
        """Coaching quality of these reps' notes in the window (load with quality=True)."""
        if self.quality_notes is None:
            raise ValueError("load_cadence(..., quality=True) first")
        ids = self.reps.keys() if rep_ids is None else rep_ids
        notes = [
            note
            for rep_id in ids
            if rep_id in self.reps
            for note in self.quality_notes.get(rep_id, ())
            if self.reps[rep_id].window_start <= note.occurred_on <= self.reps[rep_id].today
        ]
        return Quality(
            notes=len(notes),
            notes_with_specific_evidence=sum(1 for n in notes if n.specific),
            gaps=tuple(gap for n in notes for gap in n.gaps),
        )

    def gap_trend(
        self, rep_ids: Iterable[int], end: dt.date, weeks: int = TREND_WEEKS
    ) -> WeeklyTrend:
        """The mean |self - manager| rating gap of these reps' notes, week by week (None in a
        week without a self-rated note)."""
        if self.quality_notes is None:
            raise ValueError("load_cadence(..., quality=True) first")
        week_ends, week_of = self._weeks(end, weeks)
        gaps: list[list[int]] = [[] for _ in range(weeks)]
        for rep_id in dict.fromkeys(rep_ids):
            for note in self.quality_notes.get(rep_id, ()):
                week = week_of(note.occurred_on)
                if week is not None:
                    gaps[week].extend(note.gaps)
        values = tuple(None if not week else round(sum(week) / len(week), 2) for week in gaps)
        return WeeklyTrend(N_("Self/manager rating gap"), "points", week_ends, values)

    def summary(self, rep_ids: Iterable[int] | None = None) -> CadenceSummary:
        ids = self.reps.keys() if rep_ids is None else rep_ids
        return CadenceSummary(tuple(self.reps[i] for i in ids if i in self.reps))

    def target_for(self, manager_id: int | None) -> Target:
        return self.targets.get(manager_id, self.targets[None])

    def _weeks(
        self, end: dt.date, weeks: int
    ) -> tuple[tuple[dt.date, ...], Callable[[dt.date], int | None]]:
        """The last days of `weeks` seven-day weeks ending on `end`, and which of them a day
        falls in (0 the oldest; None outside them). The rows must reach back that far."""
        week_ends = _week_ends(end, weeks)
        first_day = week_ends[0] - dt.timedelta(days=6)
        if first_day < self.since:
            raise ValueError("load_cadence(..., trend_weeks=weeks) first: rows start too late")

        def week_of(value: dt.date) -> int | None:
            if value < first_day or value > end:
                return None
            return (value - first_day).days // 7

        return week_ends, week_of

    def trends(self, rep_ids: Iterable[int], end: dt.date, weeks: int = TREND_WEEKS) -> Trends:
        """Weekly figures of these reps over the last `weeks` seven-day weeks ending on `end`.

        Coverage at the end of each week uses each rep's current target, and counts a rep
        only from the day their account was created.
        """
        ids = [i for i in dict.fromkeys(rep_ids) if i in self.reps]
        week_ends, week_of = self._weeks(end, weeks)
        conversations = [0] * weeks
        due = [0] * weeks
        done = [0] * weeks
        for rep_id in ids:
            for row in self.held_by_rep.get(rep_id, ()):
                week = week_of(row.occurred_on)
                if week is not None:
                    conversations[week] += 1
            for tally in self.tallies_by_owner.get(rep_id, ()):
                week = week_of(tally.due_date)
                if week is not None:
                    due[week] += tally.count
                    if tally.status == FollowUpStatus.DONE:
                        done[week] += tally.count

        present = [0] * weeks
        covered = [0] * weeks
        for rep_id in ids:
            person = self.people.get(rep_id)
            joined = person.created_at.date() if person is not None else dt.date.min
            days = sorted(r.occurred_on for r in self.held_by_rep.get(rep_id, ()))
            earlier = self.earlier.get(rep_id, (None, None))[0]
            target = self.reps[rep_id].target_days
            for week, week_end in enumerate(week_ends):
                if joined > week_end:
                    continue
                present[week] += 1
                index = bisect.bisect_right(days, week_end)
                last = days[index - 1] if index else earlier
                if last is not None and (week_end - last).days <= target:
                    covered[week] += 1
        within = [_percent(c, n) for c, n in zip(covered, present, strict=True)]
        completion = [_percent(d, n) for d, n in zip(done, due, strict=True)]
        return Trends(
            WeeklyTrend(N_("Conversations per week"), "count", week_ends, tuple(conversations)),
            WeeklyTrend(N_("Reps coached within target"), "percent", week_ends, tuple(within)),
            WeeklyTrend(
                N_("Follow-ups done, by week due"), "percent", week_ends, tuple(completion)
            ),
        )


def _week_ends(end: dt.date, weeks: int) -> tuple[dt.date, ...]:
    return tuple(end - dt.timedelta(days=7 * (weeks - 1 - n)) for n in range(weeks))


def window_start(today: dt.date, window_days: int) -> dt.date:
    """The first day of a window of `window_days` days ending with today."""
    return today - dt.timedelta(days=window_days - 1)


def targets_by_manager(db: Session, manager_ids: Iterable[int]) -> dict[int | None, Target]:
    """The organisation default under None, plus any per-team overrides."""
    return _targets_from(_target_rows(db, manager_ids))


def every_target(db: Session) -> dict[int | None, Target]:
    """targets_by_manager for every team with an override (a row each, a small table)."""
    return _targets_from(db.scalars(select(CadenceTarget)))


def _target_rows(db: Session, manager_ids: Iterable[int]) -> Sequence[CadenceTarget]:
    ids = set(manager_ids)
    return db.scalars(
        select(CadenceTarget).where(
            CadenceTarget.team_manager_id.is_(None) | CadenceTarget.team_manager_id.in_(ids)
        )
    ).all()


def _targets_from(rows: Iterable[CadenceTarget]) -> dict[int | None, Target]:
    targets: dict[int | None, Target] = {
        None: Target(DEFAULT_ANY_COACHING_DAYS, DEFAULT_RIDE_ALONG_DAYS)
    }
    for row in rows:
        targets[row.team_manager_id] = Target(row.any_coaching_days, row.ride_along_days)
    return targets


def cadence_status(days_since: int | None, target_days: int) -> CadenceStatus:
    if days_since is None:
        return CadenceStatus.NEVER
    if days_since > target_days:
        return CadenceStatus.OVERDUE
    if days_since >= target_days * DUE_SOON_SHARE:
        return CadenceStatus.DUE_SOON
    return CadenceStatus.ON_TRACK


def cadence_for_reps(
    db: Session,
    reps: Sequence[User],
    now: dt.datetime,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> dict[int, RepCadence]:
    """Each rep's figures (see RepCadence), in a fixed number of queries."""
    return load_cadence(db, reps, now, window_days).reps


def load_cadence(
    db: Session,
    reps: Sequence[User],
    now: dt.datetime,
    window_days: int = DEFAULT_WINDOW_DAYS,
    trend_weeks: int = 0,
    quality: bool = False,
) -> CadenceBook:
    """The figures of these reps and, with trend_weeks, the rows to draw weekly trends from;
    with quality, the coaching-quality figures too (CadenceBook.quality, .gap_trend).

    Five queries whatever the number of reps: targets, coaching before the rows, the held
    notes since the earliest day any figure needs (and every note still waiting for its
    acknowledgement), follow-up tallies and focus competencies; quality adds two (the notes
    with their ratings).
    """
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValueError(f"window_days must be 1-{MAX_WINDOW_DAYS}")
    people = {rep.id: rep for rep in reps}
    # A day before the earliest local date of any rep (UTC-12 is a day behind UTC at most).
    lookback = max(window_days, 7 * trend_weeks)
    since = now.astimezone(dt.UTC).date() - dt.timedelta(days=lookback + 1)
    target_rows = _target_rows(db, {r.manager_id for r in reps if r.manager_id is not None})
    book = CadenceBook(
        now=now,
        window_days=window_days,
        since=since,
        people=people,
        targets=_targets_from(target_rows),
        ack_deadline_days=org_ack_deadline_days(target_rows),
    )
    if not people:
        if quality:
            book.quality_notes = {}
        return book
    ids = list(people)
    book.earlier = _coaching_before(db, ids, since)
    rows = _held_since(db, ids, since)
    # Older notes come along only while they wait for an acknowledgement.
    book.held = [r for r in rows if r.occurred_on >= since]
    waiting = [r for r in rows if r.occurred_on < since]
    book.tallies = _follow_up_tallies(db, ids, since)
    focus = _focus_of(db, ids)
    if quality:
        book.quality_notes = _quality_notes(db, people, since)

    for row in book.held:
        book.held_by_rep.setdefault(row.rep_id, []).append(row)
    waiting_by_rep: dict[int, list[_Held]] = {}
    for row in waiting:
        waiting_by_rep.setdefault(row.rep_id, []).append(row)
    for tally in book.tallies:
        book.tallies_by_owner.setdefault(tally.owner_id, []).append(tally)

    for rep in reps:
        today = local_today(rep.timezone, now)
        start = window_start(today, window_days)
        target = book.target_for(rep.manager_id)
        # Notes dated in the future (typed ahead) count once their day comes.
        held = [r for r in book.held_by_rep.get(rep.id, []) if r.occurred_on <= today]
        earlier_any, earlier_ride = book.earlier.get(rep.id, (None, None))
        last = max((r.occurred_on for r in held), default=earlier_any)
        last_ride = max((r.occurred_on for r in held if r.ride_along), default=earlier_ride)
        days = (today - last).days if last else None
        ride_days = (today - last_ride).days if last_ride else None
        in_window = [r for r in held if r.occurred_on >= start]
        hours = sorted(
            (r.acknowledged_at - r.shared_at).total_seconds() / 3600
            for r in in_window
            if r.acknowledged_at is not None and r.shared_at is not None
        )
        deadlines = {
            id(r): ack_deadline(
                r.shared_at, r.acknowledged_at, rep.timezone, book.ack_deadline_days, now
            )
            for r in [*book.held_by_rep.get(rep.id, []), *waiting_by_rep.get(rep.id, [])]
            if r.shared_at is not None
        }
        tallies = book.tallies_by_owner.get(rep.id, [])
        open_items = [t for t in tallies if t.status == FollowUpStatus.OPEN]
        due_in_window = [t for t in tallies if start <= t.due_date < today]
        book.reps[rep.id] = RepCadence(
            rep_id=rep.id,
            manager_id=rep.manager_id,
            today=today,
            window_days=window_days,
            target_days=target.any_coaching_days,
            ride_along_target_days=target.ride_along_days,
            last_coached_on=last,
            days_since_last=days,
            status=cadence_status(days, target.any_coaching_days),
            sessions_in_window=len(in_window),
            last_ride_along_on=last_ride,
            days_since_ride_along=ride_days,
            ride_along_status=cadence_status(ride_days, target.ride_along_days),
            ride_alongs_in_window=sum(1 for r in in_window if r.ride_along),
            open_follow_ups=sum(t.count for t in open_items),
            overdue_follow_ups=sum(t.count for t in open_items if t.due_date < today),
            follow_ups_due=sum(t.count for t in due_in_window),
            follow_ups_done=sum(t.count for t in due_in_window if t.status == FollowUpStatus.DONE),
            notes_shared=len(in_window),
            notes_acknowledged=sum(1 for r in in_window if r.acknowledged_at is not None),
            hours_to_acknowledge=tuple(hours),
            notes_acknowledged_late=sum(
                1 for r in in_window if id(r) in deadlines and deadlines[id(r)].acknowledged_late
            ),
            notes_past_deadline=sum(1 for d in deadlines.values() if d.missed),
            focus=focus.get(rep.id, ()),
        )
    return book


# Queries ------------------------------------------------------------------------------------


def _coaching_before(
    db: Session, rep_ids: list[int], before: dt.date
) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    ride_along_day = case((Note.type == NoteType.RIDE_ALONG, Note.occurred_on))
    rows = db.execute(
        select(
            Note.rep_id,
            func.max(Note.occurred_on),
            func.max(ride_along_day),
        )
        .where(
            Note.rep_id.in_(rep_ids),
            counted(),
            Note.occurred_on < before,
        )
        .group_by(Note.rep_id)
    ).all()
    return {rep_id: (last, last_ride) for rep_id, last, last_ride in rows}


def _held_since(db: Session, rep_ids: list[int], since: dt.date) -> list[_Held]:
    rows = db.execute(
        select(
            Note.rep_id,
            Note.occurred_on,
            Note.type,
            Note.shared_at,
            Note.acknowledged_at,
        ).where(
            Note.rep_id.in_(rep_ids),
            counted(),
            or_(
                Note.occurred_on >= since,
                Note.status == NoteStatus.SHARED,
            ),
        )
    ).all()
    return [
        _Held(rep_id, occurred_on, kind == NoteType.RIDE_ALONG, shared_at, acknowledged_at)
        for rep_id, occurred_on, kind, shared_at, acknowledged_at in rows
    ]


def _quality_notes(
    db: Session, people: Mapping[int, User], since: dt.date
) -> dict[int, list[_QualityNote]]:
    """Held notes since `since` as the quality figures see them: whether they carry specific
    evidence (coachapp.coaching.specificity) and the rating gaps where the rep rated
    themself. Two queries of plain columns, the notes (with their account's name) and their
    ratings (with the competency's name): no note or rating is loaded as an object, as a
    director's subtree holds hundreds of notes a quarter. Each note's rep is in `people`."""
    held = (
        Note.rep_id.in_(list(people)),
        counted(),
        Note.occurred_on >= since,
    )
    notes = db.execute(
        select(
            Note.id,
            Note.rep_id,
            Note.occurred_on,
            Note.strengths,
            Note.development_focus,
            Note.self_rated_at,
            Note.self_assessment,
            Account.name,
        )
        .outerjoin(Account, Account.id == Note.account_id)
        .where(*held)
    ).all()
    ratings: dict[int, list[tuple[int, int | None, str]]] = {}
    for note_id, competency_id, score, name in db.execute(
        select(
            NoteRating.session_id,
            NoteRating.competency_id,
            NoteRating.score,
            Competency.name,
        )
        .join(Note, Note.id == NoteRating.session_id)
        .join(Competency, Competency.id == NoteRating.competency_id)
        .where(*held)
        .order_by(NoteRating.session_id, NoteRating.id)
    ):
        ratings.setdefault(note_id, []).append((competency_id, score, name))
    found: dict[int, list[_QualityNote]] = {}
    for note_id, rep_id, occurred_on, strengths, focus, self_rated_at, own, account in notes:
        rated = ratings.get(note_id, [])
        specific = specific_evidence(
            strengths,
            focus,
            competencies=[name for _, score, name in rated if score is not None],
            names=[account] if account else [],
            rep_name=people[rep_id].name,
        )
        self_scores = self_scores_in(own) if self_rated_at is not None else {}
        pairs = scored_by_both(((cid, score) for cid, score, _ in rated), self_scores)
        gaps = tuple(abs(mine - theirs) for _, mine, theirs in pairs)
        found.setdefault(rep_id, []).append(_QualityNote(rep_id, occurred_on, specific, gaps))
    return found


def _follow_up_tallies(db: Session, owner_ids: list[int], since: dt.date) -> list[_Tally]:
    """Open follow-ups (any due date) and those due since `since`, by owner, day and status;
    never those on drafts, which stay their author's until shared (policy)."""
    rows = db.execute(
        select(FollowUp.owner_id, FollowUp.due_date, FollowUp.status, func.count())
        .outerjoin(Note, Note.id == FollowUp.session_id)
        .where(
            FollowUp.owner_id.in_(owner_ids),
            FollowUp.status != FollowUpStatus.CANCELLED,
            policy.out_of_draft_joined(),
            or_(FollowUp.status == FollowUpStatus.OPEN, FollowUp.due_date >= since),
        )
        .group_by(FollowUp.owner_id, FollowUp.due_date, FollowUp.status)
    ).all()
    return [_Tally(owner, due, status, n) for owner, due, status, n in rows]


def newest_competency_name(key: Any) -> Any:
    """The name a competency key has in the newest guide version holding it (a subquery)."""
    return (
        select(Competency.name)
        .where(Competency.key == key)
        .order_by(Competency.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _focus_of(db: Session, rep_ids: list[int]) -> dict[int, tuple[Focus, ...]]:
    """Active development-focus competencies per rep, named as in the newest guide."""
    newest_name = newest_competency_name(DevelopmentFocus.competency_key)
    rows = db.execute(
        select(DevelopmentFocus.rep_id, DevelopmentFocus.competency_key, newest_name)
        .where(DevelopmentFocus.rep_id.in_(rep_ids), DevelopmentFocus.active.is_(True))
        .order_by(DevelopmentFocus.rep_id, DevelopmentFocus.created_at, DevelopmentFocus.id)
    ).all()
    found: dict[int, list[Focus]] = {}
    for rep_id, key, name in rows:
        found.setdefault(rep_id, []).append(Focus(key, name or key))
    return {rep_id: tuple(items) for rep_id, items in found.items()}


# Arithmetic ---------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None
