"""The time-based nudge rules (DESIGN.md, Nudges), evaluated by the worker.

Each rule yields nudges whose ``dedupe_key`` names the rule, the subject and the period,
so evaluating the rules any number of times, by any number of workers at once, creates
each nudge once. "Tomorrow" and "overdue" are judged on the recipient's own calendar.
Event rules (a note shared, acknowledged with a comment) are written by the coaching
service in the same transaction as the change.

Each nudge names its subject in the inbox ("Follow-up overdue: Send the formulary deck") and
links to the page of that one thing, built from the URL map (coachapp.links); the
push shows only the kind's generic title (coachapp.nudges.kinds).

A rule asks the database only for what may be due now and is not written yet: each query
builds the dedupe keys its subjects would get and leaves out those already in the outbox (an
index lookup each), so an evaluation costs what is due or changed, not the organisation's
size, and only those subjects are loaded as objects.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    String,
    Subquery,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, contains_eager, joinedload

from coachapp import policy
from coachapp.coaching import service as coaching
from coachapp.coaching.cadence import ack_deadline_days, cadence_for_reps, every_target
from coachapp.coaching.counts import counted
from coachapp.db import iso_day, utcnow
from coachapp.journeys import schedule as journeys
from coachapp.languages import N_, gettext, ngettext, writing_for
from coachapp.links import path_for
from coachapp.models import (
    FollowUp,
    FollowUpStatus,
    Note,
    NoteStatus,
    Notification,
    PlannedRideAlong,
    Role,
    User,
)
from coachapp.nudges import subjects
from coachapp.nudges.outbox import Nudged, notify_all
from coachapp.nudges.wording import day, note_topic
from coachapp.timezones import local_today

ACK_ESCALATION_GRACE = dt.timedelta(days=2)  # the manager hears two days after the rep
DRAFT_IDLE_AFTER = dt.timedelta(hours=24)
LOOKBACK = dt.timedelta(days=14)  # older subjects are not nudged about any more
OVERDUE_LOOKBACK_DAYS = 30
MANAGER_OVERDUE_DAYS = 3


@dataclass(frozen=True)
class Nudge:
    recipient_id: int
    kind: str
    title: str
    url: str
    dedupe_key: str
    body: str = ""
    subject: str | None = None


Rule = Callable[[Session, dt.datetime], Iterator[Nudged]]

# Keys read per statement when checking which are written (weekly_digest).
KEYS_PER_QUERY = 500


def _key(*parts: str | SQLColumnExpression[Any]) -> ColumnElement[str]:
    """A dedupe key built in a query from text, ids and days (iso_day), for _unwritten and
    for the nudge itself, so that its format is written once."""
    texts: list[ColumnElement[str]] = [
        literal(part, String) if isinstance(part, str) else cast(part, String) for part in parts
    ]
    return functools.reduce(operator.add, texts)


def _unwritten(key: ColumnElement[str]) -> ColumnElement[bool]:
    """No notification has this key yet (its unique index answers)."""
    return ~exists().where(Notification.dedupe_key == key)


def _todays(db: Session, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The earliest and the latest "today" on the calendars of the active people (each within
    a day of UTC's): what may be due is judged from these two dates, in the query."""
    zones = db.scalars(select(User.timezone).where(User.active.is_(True)).distinct()).all()
    days = [local_today(name, now) for name in zones] or [now.astimezone(dt.UTC).date()]
    return min(days), max(days)


def _written_keys(db: Session, keys: Collection[str]) -> set[str]:
    listed = list(keys)
    found: set[str] = set()
    for start in range(0, len(listed), KEYS_PER_QUERY):
        batch = listed[start : start + KEYS_PER_QUERY]
        found.update(
            db.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(batch)))
        )
    return found


def unacknowledged_notes(db: Session, now: dt.datetime) -> Iterator[Nudge]:
    """The rep once their acknowledgement deadline (the organisation's, 3 days by default)
    has passed since the note was shared; the manager two days later."""
    reminder_after = dt.timedelta(days=ack_deadline_days(db))
    rep_key = _key("note_unacknowledged:", Note.id, ":rep")
    manager_key = _key("note_unacknowledged:", Note.id, ":manager")
    late = Note.shared_at <= now - reminder_after - ACK_ESCALATION_GRACE
    # A manager the rep has moved away from learns nothing more of the note.
    line_holds = policy.authors_line_held()
    rows = db.execute(
        select(Note, rep_key, manager_key, and_(late, line_holds))
        .where(
            Note.status == NoteStatus.SHARED,
            Note.shared_at <= now - reminder_after,
            Note.shared_at >= now - LOOKBACK,
            or_(_unwritten(rep_key), and_(late, line_holds, _unwritten(manager_key))),
        )
        .options(
            joinedload(Note.rep),
            joinedload(Note.manager),
            joinedload(Note.account),
        )
    ).all()
    for note, rep_reminder, manager_reminder, escalate in rows:
        url = path_for("coaching.show", note_id=note.id)
        subject = subjects.note(note.id)
        assert note.shared_at is not None
        days = (now - note.shared_at).days
        with writing_for(note.rep):
            title = gettext(
                "Acknowledge %(name)s's note about %(topic)s",
                name=note.manager.first_name,
                topic=note_topic(note),
            )
            shared = _shared_ago(days)
        yield Nudge(note.rep_id, "note_unacknowledged", title, url, rep_reminder, shared, subject)
        if escalate:
            with writing_for(note.manager):
                title = gettext(
                    "%(name)s has not acknowledged your note about %(topic)s",
                    name=note.rep.first_name,
                    topic=note_topic(note),
                )
                shared = _shared_ago(days)
            yield Nudge(
                note.manager_id, "note_unacknowledged", title, url, manager_reminder, shared,
                subject,
            )  # fmt: skip


def _shared_ago(days: int) -> str:
    return ngettext("Shared %(num)d day ago.", "Shared %(num)d days ago.", days)


def follow_ups(db: Session, now: dt.datetime) -> Iterator[Nudge]:
    """The owner the day before a follow-up is due and once it is overdue; the manager of a
    rep whose follow-up is 3+ days overdue. Each only about a follow-up they may see
    (policy.follow_up_open_to): one on a draft names its title to nobody but the draft's
    author, whoever owns it, until the note is shared; then the reminders due follow."""
    today_utc = now.date()
    # Re-dating makes a new nudge.
    due_key = _key("follow_up_due:", FollowUp.id, ":", iso_day(FollowUp.due_date))
    overdue_key = _key("follow_up_overdue:", FollowUp.id, ":", iso_day(FollowUp.due_date))
    manager_key = _key("follow_up_overdue_manager:", FollowUp.id, ":", iso_day(FollowUp.due_date))
    manager_may_know = policy.follow_up_open_to(User.manager_id)
    # The nudges a follow-up may be due, on some owner's calendar, and not written yet.
    earliest, latest = _todays(db, now)
    may_be_due = or_(
        and_(
            FollowUp.due_date > earliest,
            FollowUp.due_date <= latest + dt.timedelta(days=1),
            _unwritten(due_key),
        ),
        and_(FollowUp.due_date < latest, _unwritten(overdue_key)),
        and_(
            FollowUp.due_date <= latest - dt.timedelta(days=MANAGER_OVERDUE_DAYS),
            User.role == Role.REP,
            User.manager_id.is_not(None),
            manager_may_know,
            _unwritten(manager_key),
        ),
    )
    rows = db.execute(
        select(
            FollowUp, manager_may_know.label("manager_may_know"), due_key, overdue_key, manager_key
        )
        .join(FollowUp.owner)
        .where(
            FollowUp.status == FollowUpStatus.OPEN,
            FollowUp.due_date <= today_utc + dt.timedelta(days=2),
            FollowUp.due_date >= today_utc - dt.timedelta(days=OVERDUE_LOOKBACK_DAYS),
            User.active.is_(True),
            policy.follow_up_open_to(FollowUp.owner_id),
            may_be_due,
        )
        .options(
            contains_eager(FollowUp.owner),
            joinedload(FollowUp.note).joinedload(Note.rep),
        )
    ).all()
    for item, may_know, due_reminder, overdue_reminder, manager_reminder in rows:
        owner = item.owner
        if not policy.can_change_follow_up(owner, item):
            continue  # frozen for its owner: on a note about a rep who has left their team
        today = local_today(owner.timezone, now)
        url = path_for("coaching.follow_up", follow_up_id=item.id)
        subject = subjects.follow_up(item.id)
        with writing_for(owner):
            due = gettext("Due %(day)s.", day=day(item.due_date))
            due_tomorrow = gettext("Follow-up due tomorrow: %(title)s", title=item.title)
            overdue = gettext("Follow-up overdue: %(title)s", title=item.title)
        if item.due_date == today + dt.timedelta(days=1):
            yield Nudge(owner.id, "follow_up_due", due_tomorrow, url, due_reminder, due, subject)
        elif item.due_date < today:
            yield Nudge(owner.id, "follow_up_overdue", overdue, url, overdue_reminder, due, subject)
            late = (today - item.due_date).days
            escalate = owner.role == Role.REP and may_know and late >= MANAGER_OVERDUE_DAYS
            if escalate and owner.manager_id:
                with writing_for(owner.manager):
                    title = ngettext(
                        "%(name)s's follow-up is %(num)d day overdue: %(title)s",
                        "%(name)s's follow-up is %(num)d days overdue: %(title)s",
                        late,
                        name=owner.first_name,
                        title=item.title,
                    )
                    body = f"{owner.name}. " + gettext("Due %(day)s.", day=day(item.due_date))
                yield Nudge(
                    owner.manager_id, "follow_up_overdue", title, url, manager_reminder, body,
                    subject,
                )  # fmt: skip


@dataclass(frozen=True)
class _LastCoaching:
    """Reps who may be behind their coaching target now: a condition of a query on User
    joined to `day` (their last coaching) by `on`."""

    day: Subquery
    on: ColumnElement[bool]
    may_be_behind: ColumnElement[bool]


def _last_coaching(db: Session, now: dt.datetime) -> _LastCoaching:
    """Coaching up to yesterday (UTC) is in the past on every calendar; a rep coached since
    then, on their own calendar, is a day from it at most and within any target (> 0), so
    whoever is behind (overdue or never coached) was last coached on `day`, or never. They
    are behind once more days than their team's target have passed on their calendar,
    judged here against the latest calendar; exactly by cadence_for_reps."""
    today_utc = now.astimezone(dt.UTC).date()
    day = (
        select(Note.rep_id, func.max(Note.occurred_on).label("day"))
        .where(counted(), Note.occurred_on <= today_utc - dt.timedelta(days=1))
        .group_by(Note.rep_id)
        .subquery()
    )
    latest = _todays(db, now)[1]
    targets = every_target(db)
    teams: dict[int, list[int]] = {}
    for manager_id, target in targets.items():
        if manager_id is not None:
            teams.setdefault(target.any_coaching_days, []).append(manager_id)
    overrides = [manager_id for managers in teams.values() for manager_id in managers]
    default = targets[None].any_coaching_days

    def behind(days: int) -> ColumnElement[bool]:
        return or_(day.c.day.is_(None), day.c.day < latest - dt.timedelta(days=days))

    return _LastCoaching(
        day,
        day.c.rep_id == User.id,
        or_(
            and_(User.manager_id.not_in(overrides), behind(default)),
            *(
                and_(User.manager_id.in_(managers), behind(days))
                for days, managers in teams.items()
            ),
        ),
    )


def cadence(db: Session, now: dt.datetime) -> Iterator[Nudge]:
    """The manager of a rep who is due for coaching (never coached, or last coached longer
    ago than the team's target), once per last coaching. Only reps who may be due and are
    not nudged about yet are read, and their figures computed (cadence_for_reps)."""
    last = _last_coaching(db, now)
    key = _key("cadence_overdue:", User.id, ":", func.coalesce(iso_day(last.day.c.day), "never"))
    rows = db.execute(
        select(User, key)
        .outerjoin(last.day, last.on)
        .where(
            User.role == Role.REP,
            User.active.is_(True),
            User.manager_id.is_not(None),
            last.may_be_behind,
            _unwritten(key),
        )
        .options(joinedload(User.manager))
    ).all()
    reps = [rep for rep, _ in rows]
    keys = {rep.id: rep_key for rep, rep_key in rows}
    figures = cadence_for_reps(db, reps, now)
    for rep in reps:
        figure = figures[rep.id]
        if figure.status not in ("overdue", "never") or rep.manager is None:
            continue
        if not policy.may_see_coaching_of(rep.manager, rep):
            continue  # a chain crossing the medical/commercial wall: not theirs to coach
        with writing_for(rep.manager):
            title = gettext("%(name)s is due for coaching", name=rep.name)
            target = figure.target_days
            if figure.days_since_last is None:
                body = ngettext(
                    "Not coached yet (target every %(num)d day).",
                    "Not coached yet (target every %(num)d days).",
                    target,
                )
            else:
                body = ngettext(
                    "Last coached %(days)s days ago (target every %(num)d day).",
                    "Last coached %(days)s days ago (target every %(num)d days).",
                    target,
                    days=figure.days_since_last,
                )
        yield Nudge(
            rep.manager.id, "cadence_overdue", title,
            path_for("team.person", person_id=rep.id), keys[rep.id], body,
            subjects.person(rep.id),
        )  # fmt: skip


def ride_alongs(db: Session, now: dt.datetime) -> Iterator[Nudge]:
    today_utc = now.date()
    rides = db.scalars(
        select(PlannedRideAlong)
        .where(
            PlannedRideAlong.cancelled_at.is_(None),
            PlannedRideAlong.day >= today_utc,
            PlannedRideAlong.day <= today_utc + dt.timedelta(days=2),
        )
        .options(joinedload(PlannedRideAlong.rep), joinedload(PlannedRideAlong.manager))
    )
    for ride in rides:
        if ride.rep.manager_id != ride.manager_id:
            continue  # the rep has moved to another team since it was planned
        # The day's page: the rep prepares it there, the manager reads the preparation.
        url = path_for("ride_alongs.day", ride_id=ride.id)
        for person, wording, other in (
            (ride.manager, N_("Ride-along with %(name)s tomorrow: see what they want help with"),
             ride.rep),
            (ride.rep, N_("Ride-along with %(name)s tomorrow: prepare your day"), ride.manager),
        ):  # fmt: skip
            if person.active and ride.day == local_today(person.timezone, now) + dt.timedelta(1):
                with writing_for(person):
                    title = gettext(wording, name=other.first_name)
                yield Nudge(
                    person.id, "ride_along_tomorrow", title,
                    url, f"ride_along_tomorrow:{ride.id}:{person.id}:{ride.day.isoformat()}",
                    subject=subjects.ride_along(ride.id),
                )  # fmt: skip


def idle_drafts(db: Session, now: dt.datetime) -> Iterator[Nudge]:
    """Its author, once, about a draft with something written in it and untouched for a
    day. A draft merely opened is not nudged about, nor one abandoned (DRAFT_ABANDON_DAYS:
    its page offers to discard it); a discarded draft is gone. Nor one that can no longer be
    shared: its rep has moved to another team (policy.authors_line_held)."""
    abandoned = dt.timedelta(days=coaching.draft_abandon_days())
    key = _key("draft_unfinished:", Note.id)
    rows = db.execute(
        select(Note, key)
        .where(
            Note.status == NoteStatus.DRAFT,
            Note.updated_at <= now - DRAFT_IDLE_AFTER,
            Note.updated_at > now - abandoned,
            coaching.written_in(),
            policy.authors_line_held(),
            _unwritten(key),
        )
        .options(joinedload(Note.rep), joinedload(Note.manager), joinedload(Note.account))
    ).all()
    for draft, reminder in rows:
        with writing_for(draft.manager):
            title = gettext(
                "Draft for %(name)s about %(topic)s: not shared yet",
                name=draft.rep.first_name,
                topic=note_topic(draft),
            )
        yield Nudge(
            draft.manager_id, "draft_unfinished", title,
            path_for("coaching.edit", note_id=draft.id), reminder,
            subject=subjects.note(draft.id),
        )  # fmt: skip


def weekly_digest(db: Session, now: dt.datetime) -> Iterator[Nudge]:
    """Each director once a week (their own), when a team of their subtree is below target.
    Directors with this week's digest written are done with; for the others, the figures of
    the reps who may be behind are computed, at once."""
    directors = db.scalars(
        select(User).where(User.role == Role.DIRECTOR, User.active.is_(True))
    ).all()
    keys = {}
    for director in directors:
        year, week, _ = local_today(director.timezone, now).isocalendar()
        keys[director.id] = f"weekly_digest:{director.id}:{year}-W{week:02d}"
    written = _written_keys(db, keys.values())
    waiting = [d for d in directors if keys[d.id] not in written]
    if not waiting:
        return
    last = _last_coaching(db, now)
    reps_of = {
        director.id: db.scalars(
            select(User)
            .outerjoin(last.day, last.on)
            .where(
                User.id.in_(policy.subtree_ids(director)),
                policy.coaching_side(director, User.id),
                User.role == Role.REP,
                User.active.is_(True),
                last.may_be_behind,
            )
        ).all()
        for director in waiting
    }
    everyone = {rep.id: rep for reps in reps_of.values() for rep in reps}
    figures = cadence_for_reps(db, list(everyone.values()), now)
    for director in waiting:
        reps = reps_of[director.id]
        behind = {r.manager_id for r in reps if figures[r.id].status in ("overdue", "never")}
        if not behind:
            continue
        with writing_for(director):
            title = ngettext(
                "Weekly digest: %(num)d team is below target",
                "Weekly digest: %(num)d teams are below target",
                len(behind),
            )
        yield Nudge(
            director.id, "weekly_digest", title,
            path_for("dashboard.index"), keys[director.id],
            subject=subjects.org_dashboard(),
        )  # fmt: skip


RULES: dict[str, Rule] = {
    "unacknowledged_notes": unacknowledged_notes,
    "follow_ups": follow_ups,
    "cadence": cadence,
    "ride_alongs": ride_alongs,
    "idle_drafts": idle_drafts,
    "weekly_digest": weekly_digest,
    "journey_pulses": journeys.pulses,
    "focus_checkins": journeys.checkins,
}


def evaluate(db: Session, now: dt.datetime | None = None) -> int:
    """Writes every nudge that is due and not yet written; the number written."""
    now = now or utcnow()
    created = sum(notify_all(db, list(rule(db, now))) for rule in RULES.values())
    db.commit()
    return created
