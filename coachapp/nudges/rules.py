"""The time-based nudge rules (DESIGN.md, Nudges), evaluated by the worker.

Each rule yields nudges whose ``dedupe_key`` names the rule, the subject and the period,
so evaluating the rules any number of times, by any number of workers at once, creates
each nudge once. "Tomorrow" and "overdue" are judged on the recipient's own calendar.
Event rules (a note shared, acknowledged with a comment) are written by the coaching
service in the same transaction as the change.

Each nudge names its subject in the inbox ("Follow-up overdue: Send the formulary deck") and
links to the page of that one thing, built from the URL map (coachapp.links); the
push shows only the kind's generic title (coachapp.nudges.kinds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from coachapp import policy
from coachapp.coaching import service as coaching
from coachapp.coaching.cadence import ack_deadline_days, cadence_for_reps
from coachapp.db import utcnow
from coachapp.links import path_for
from coachapp.models import (
    FollowUp,
    FollowUpStatus,
    Note,
    NoteStatus,
    PlannedRideAlong,
    Role,
    User,
)
from coachapp.nudges import subjects
from coachapp.nudges.outbox import notify
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


Rule = Callable[[Session, dt.datetime], Iterator[Nudge]]


def unacknowledged_notes(db: Session, now: dt.datetime) -> Iterator[Nudge]:
    """The rep once their acknowledgement deadline (the organisation's, 3 days by default)
    has passed since the note was shared; the manager two days later."""
    reminder_after = dt.timedelta(days=ack_deadline_days(db))
    notes = db.scalars(
        select(Note)
        .where(
            Note.status == NoteStatus.SHARED,
            Note.shared_at <= now - reminder_after,
            Note.shared_at >= now - LOOKBACK,
        )
        .options(
            joinedload(Note.rep),
            joinedload(Note.manager),
            joinedload(Note.account),
        )
    )
    for note in notes:
        url = path_for("coaching.show", note_id=note.id)
        topic, subject = note_topic(note), subjects.note(note.id)
        assert note.shared_at is not None
        shared = f"Shared {(now - note.shared_at).days} days ago."
        yield Nudge(
            note.rep_id, "note_unacknowledged",
            f"Acknowledge {note.manager.first_name}'s note about {topic}",
            url, f"note_unacknowledged:{note.id}:rep", shared, subject,
        )  # fmt: skip
        late = note.shared_at <= now - reminder_after - ACK_ESCALATION_GRACE
        # A manager the rep has moved away from learns nothing more of the note.
        if late and policy.authors_line_holds(note):
            yield Nudge(
                note.manager_id, "note_unacknowledged",
                f"{note.rep.first_name} has not acknowledged your note about {topic}",
                url, f"note_unacknowledged:{note.id}:manager", shared, subject,
            )  # fmt: skip


def follow_ups(db: Session, now: dt.datetime) -> Iterator[Nudge]:
    """The owner the day before a follow-up is due and once it is overdue; the manager of a
    rep whose follow-up is 3+ days overdue. Each only about a follow-up they may see
    (policy.follow_up_open_to): one on a draft names its title to nobody but the draft's
    author, whoever owns it, until the note is shared; then the reminders due follow."""
    today_utc = now.date()
    rows = db.execute(
        select(FollowUp, policy.follow_up_open_to(User.manager_id).label("manager_may_know"))
        .join(FollowUp.owner)
        .where(
            FollowUp.status == FollowUpStatus.OPEN,
            FollowUp.due_date <= today_utc + dt.timedelta(days=2),
            FollowUp.due_date >= today_utc - dt.timedelta(days=OVERDUE_LOOKBACK_DAYS),
            policy.follow_up_open_to(FollowUp.owner_id),
        )
        .options(
            contains_eager(FollowUp.owner),
            joinedload(FollowUp.note).joinedload(Note.rep),
        )
    ).all()
    for item, manager_may_know in rows:
        owner = item.owner
        if not owner.active or not policy.can_change_follow_up(owner, item):
            continue  # frozen for its owner: on a note about a rep who has left their team
        today = local_today(owner.timezone, now)
        key = f"{item.id}:{item.due_date.isoformat()}"  # re-dating makes a new nudge
        url = path_for("coaching.follow_up", follow_up_id=item.id)
        subject, due = subjects.follow_up(item.id), f"Due {day(item.due_date)}."
        if item.due_date == today + dt.timedelta(days=1):
            yield Nudge(
                owner.id, "follow_up_due", f"Follow-up due tomorrow: {item.title}", url,
                f"follow_up_due:{key}", due, subject,
            )  # fmt: skip
        elif item.due_date < today:
            yield Nudge(
                owner.id, "follow_up_overdue", f"Follow-up overdue: {item.title}", url,
                f"follow_up_overdue:{key}", due, subject,
            )  # fmt: skip
            late = (today - item.due_date).days
            escalate = owner.role == Role.REP and manager_may_know and late >= MANAGER_OVERDUE_DAYS
            if escalate and owner.manager_id:
                yield Nudge(
                    owner.manager_id, "follow_up_overdue",
                    f"{owner.first_name}'s follow-up is {late} days overdue: {item.title}",
                    url, f"follow_up_overdue_manager:{key}", f"{owner.name}. {due}", subject,
                )  # fmt: skip


def cadence(db: Session, now: dt.datetime) -> Iterator[Nudge]:
    reps = db.scalars(
        select(User)
        .where(User.role == Role.REP, User.active.is_(True), User.manager_id.is_not(None))
        .options(joinedload(User.manager))
    ).all()
    figures = cadence_for_reps(db, reps, now)
    for rep in reps:
        figure = figures[rep.id]
        if figure.status not in ("overdue", "never") or rep.manager is None:
            continue
        if not policy.may_see_coaching_of(rep.manager, rep):
            continue  # a chain crossing the medical/commercial wall: not theirs to coach
        last = figure.last_coached_on.isoformat() if figure.last_coached_on else "never"
        since = (
            f"last coached {figure.days_since_last} days ago"
            if figure.days_since_last is not None
            else "not coached yet"
        )
        yield Nudge(
            rep.manager.id, "cadence_overdue", f"{rep.name} is due for coaching",
            path_for("team.person", person_id=rep.id), f"cadence_overdue:{rep.id}:{last}",
            f"{since.capitalize()} (target every {figure.target_days} days).",
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
        for person, title in (
            (
                ride.manager,
                f"Ride-along with {ride.rep.first_name} tomorrow: see what they want help with",
            ),
            (ride.rep, f"Ride-along with {ride.manager.first_name} tomorrow: prepare your day"),
        ):
            if person.active and ride.day == local_today(person.timezone, now) + dt.timedelta(1):
                yield Nudge(
                    person.id, "ride_along_tomorrow", title,
                    url, f"ride_along_tomorrow:{ride.id}:{person.id}:{ride.day.isoformat()}",
                    subject=subjects.ride_along(ride.id),
                )  # fmt: skip


def idle_drafts(db: Session, now: dt.datetime) -> Iterator[Nudge]:
    """Its author, once, about a draft with something written in it and untouched for a
    day. A draft merely opened is not nudged about, nor one abandoned (DRAFT_ABANDON_DAYS:
    its page offers to discard it); a discarded draft is gone."""
    abandoned = dt.timedelta(days=coaching.draft_abandon_days())
    drafts = db.scalars(
        select(Note)
        .where(
            Note.status == NoteStatus.DRAFT,
            Note.updated_at <= now - DRAFT_IDLE_AFTER,
            Note.updated_at > now - abandoned,
            coaching.written_in(),
        )
        .options(joinedload(Note.rep), joinedload(Note.account))
    )
    for draft in drafts:
        if not policy.authors_line_holds(draft):
            continue  # it can no longer be shared: the rep has moved to another team
        yield Nudge(
            draft.manager_id, "draft_unfinished",
            f"Draft for {draft.rep.first_name} about {note_topic(draft)}: not shared yet",
            path_for("coaching.edit", note_id=draft.id), f"draft_unfinished:{draft.id}",
            subject=subjects.note(draft.id),
        )  # fmt: skip


def weekly_digest(db: Session, now: dt.datetime) -> Iterator[Nudge]:
    directors = db.scalars(
        select(User).where(User.role == Role.DIRECTOR, User.active.is_(True))
    ).all()
    for director in directors:
        reps = db.scalars(
            select(User).where(
                User.id.in_(policy.subtree_ids(director)),
                policy.coaching_side(director, User.id),
                User.role == Role.REP,
                User.active.is_(True),
            )
        ).all()
        figures = cadence_for_reps(db, reps, now)
        behind = {r.manager_id for r in reps if figures[r.id].status in ("overdue", "never")}
        if not behind:
            continue
        year, week, _ = local_today(director.timezone, now).isocalendar()
        teams = "team is" if len(behind) == 1 else "teams are"
        yield Nudge(
            director.id, "weekly_digest", f"Weekly digest: {len(behind)} {teams} below target",
            path_for("dashboard.index"), f"weekly_digest:{director.id}:{year}-W{week:02d}",
            subject=subjects.org_dashboard(),
        )  # fmt: skip


RULES: dict[str, Rule] = {
    "unacknowledged_notes": unacknowledged_notes,
    "follow_ups": follow_ups,
    "cadence": cadence,
    "ride_alongs": ride_alongs,
    "idle_drafts": idle_drafts,
    "weekly_digest": weekly_digest,
}


def evaluate(db: Session, now: dt.datetime | None = None) -> int:
    """Writes every nudge that is due and not yet written; the number written."""
    now = now or utcnow()
    created = 0
    for rule in RULES.values():
        for nudge in list(rule(db, now)):
            created += notify(
                db, nudge.recipient_id, nudge.kind, nudge.title, nudge.url, nudge.dedupe_key,
                body=nudge.body, subject=nudge.subject,
            )  # fmt: skip
    db.commit()
    return created
