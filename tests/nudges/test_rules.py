"""The time-based nudge rules: each nudge once per rule, subject and period, judged on the
recipient's own calendar; its inbox title names what it is about and its link opens that one
thing, while its push carries only the kind's generic title (it may show on a lock screen)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.coaching.cadence import cadence_for_reps
from coachapp.db import Base
from coachapp.models import FollowUp, NoteStatus, Notification, PlannedRideAlong, Role, User
from coachapp.nudges import rules
from coachapp.nudges.kinds import KINDS
from coachapp.nudges.outbox import notify, payload_for
from tests.builders import Org, make_follow_up, make_note, make_user

# Services called directly write notifications, whose links need the app.
pytestmark = pytest.mark.usefixtures("app_context")

# 03:00 UTC on a Tuesday: still Monday evening in New York, where the org's people live.
NOW = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)
NY_TODAY = dt.date(2026, 3, 9)


def keys(db: Session) -> dict[str, Notification]:
    db.expire_all()
    return {n.dedupe_key: n for n in db.scalars(select(Notification))}


def test_evaluating_again_creates_nothing_new(db: Session, org: Org) -> None:
    first = rules.evaluate(db, NOW)
    assert first > 0
    count = len(keys(db))
    assert rules.evaluate(db, NOW) == 0
    assert rules.evaluate(db, NOW + dt.timedelta(minutes=5)) == 0
    assert len(keys(db)) == count


def test_the_outbox_writes_a_key_once(db: Session, org: Org) -> None:
    rep = org.people["rep"]
    assert notify(db, rep.id, "test", "Hello", "/inbox", "same-key")
    assert not notify(db, rep.id, "test", "Hello again", "/inbox", "same-key")
    db.commit()
    assert keys(db)["same-key"].title == "Hello"


def test_a_shared_note_not_acknowledged_reminds_the_rep_then_the_manager(
    db: Session, org: Org
) -> None:
    note = org.notes["shared"]
    note.shared_at = NOW - dt.timedelta(days=2)
    db.commit()
    rules.evaluate(db, NOW)
    assert f"note_unacknowledged:{note.id}:rep" not in keys(db)

    rules.evaluate(db, NOW + dt.timedelta(days=1, hours=1))
    found = keys(db)
    reminder = found[f"note_unacknowledged:{note.id}:rep"]
    assert reminder.recipient_id == org.people["rep"].id
    assert reminder.url == f"/notes/{note.id}"
    assert f"note_unacknowledged:{note.id}:manager" not in found

    rules.evaluate(db, NOW + dt.timedelta(days=3, hours=1))
    escalation = keys(db)[f"note_unacknowledged:{note.id}:manager"]
    assert escalation.recipient_id == org.people["manager"].id


def test_the_reminder_follows_the_organisations_acknowledgement_deadline(
    db: Session, org: Org
) -> None:
    from coachapp.admin.cadence_targets import set_cadence_target

    set_cadence_target(db, org.people["admin"], None, 14, 30, ack_deadline_days=5)
    note = org.notes["shared"]
    note.shared_at = NOW - dt.timedelta(days=4)
    db.commit()
    rules.evaluate(db, NOW)
    assert f"note_unacknowledged:{note.id}:rep" not in keys(db)  # day 4 of 5

    rules.evaluate(db, NOW + dt.timedelta(days=1, hours=1))
    assert f"note_unacknowledged:{note.id}:rep" in keys(db)
    assert f"note_unacknowledged:{note.id}:manager" not in keys(db)
    rules.evaluate(db, NOW + dt.timedelta(days=3, hours=1))
    assert f"note_unacknowledged:{note.id}:manager" in keys(db)


def test_an_acknowledged_note_is_not_chased(db: Session, org: Org) -> None:
    note = org.notes["acknowledged"]
    note.shared_at = NOW - dt.timedelta(days=4)
    db.commit()
    rules.evaluate(db, NOW)
    assert not any(key.startswith(f"note_unacknowledged:{note.id}:") for key in keys(db))


def test_follow_up_due_tomorrow_on_the_owners_calendar(db: Session, org: Org) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    # Due 10 March: "today" in UTC, but tomorrow for the rep in New York.
    item = make_follow_up(db, rep, manager, due_date=NY_TODAY + dt.timedelta(days=1))
    db.commit()
    rules.evaluate(db, NOW)
    nudge = keys(db)[f"follow_up_due:{item.id}:{item.due_date.isoformat()}"]
    assert nudge.recipient_id == rep.id and nudge.kind == "follow_up_due"
    assert nudge.url == f"/follow-ups/{item.id}"  # that follow-up, not the list
    assert nudge.title == f"Follow-up due tomorrow: {item.title}"  # in the inbox, signed in
    pushed = json.loads(payload_for(nudge))
    assert pushed["title"] == KINDS["follow_up_due"].push_title  # on a lock screen
    assert item.title not in json.dumps(pushed)


def test_overdue_follow_ups_go_to_the_owner_and_after_three_days_to_the_manager(
    db: Session, org: Org
) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    late2 = make_follow_up(db, rep, manager, due_date=NY_TODAY - dt.timedelta(days=2))
    late3 = make_follow_up(db, rep, manager, due_date=NY_TODAY - dt.timedelta(days=3))
    own = make_follow_up(db, manager, manager, due_date=NY_TODAY - dt.timedelta(days=5))
    done = make_follow_up(db, rep, manager, due_date=NY_TODAY - dt.timedelta(days=5))
    done.status = "done"  # type: ignore[assignment]
    db.commit()
    rules.evaluate(db, NOW)
    found = keys(db)
    for item in (late2, late3, own):
        assert found[f"follow_up_overdue:{item.id}:{item.due_date}"].recipient_id == item.owner_id
    assert f"follow_up_overdue_manager:{late2.id}:{late2.due_date}" not in found
    assert (
        found[f"follow_up_overdue_manager:{late3.id}:{late3.due_date}"].recipient_id == manager.id
    )
    assert f"follow_up_overdue_manager:{own.id}:{own.due_date}" not in found  # a manager's own
    assert not any(key.startswith(f"follow_up_overdue:{done.id}:") for key in found)


def test_re_dating_a_follow_up_makes_a_new_reminder(db: Session, org: Org) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    item = make_follow_up(db, rep, manager, due_date=NY_TODAY + dt.timedelta(days=1))
    db.commit()
    rules.evaluate(db, NOW)
    item = db.get(FollowUp, item.id)  # type: ignore[assignment]
    item.due_date = NY_TODAY + dt.timedelta(days=2)
    db.commit()
    rules.evaluate(db, NOW + dt.timedelta(days=1))
    found = keys(db)
    assert f"follow_up_due:{item.id}:{NY_TODAY + dt.timedelta(days=1)}" in found
    assert f"follow_up_due:{item.id}:{NY_TODAY + dt.timedelta(days=2)}" in found


def test_a_rep_never_coached_or_past_target_nudges_the_manager_once(db: Session, org: Org) -> None:
    rules.evaluate(db, dt.datetime.now(dt.UTC))
    found = keys(db)
    never = found[f"cadence_overdue:{org.people['rep2'].id}:never"]
    assert never.recipient_id == org.people["manager"].id
    assert never.url == f"/people/{org.people['rep2'].id}"
    assert never.title == f"{org.people['rep2'].name} is due for coaching"
    assert org.people["rep2"].name not in payload_for(never).decode()
    # rep was coached three days ago: on track.
    assert not any(k.startswith(f"cadence_overdue:{org.people['rep'].id}:") for k in found)


def test_a_ride_along_tomorrow_reminds_manager_and_rep_with_where_to_prepare(
    db: Session, org: Org
) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    ride = PlannedRideAlong(
        manager_id=manager.id, rep_id=rep.id, plan_id=org.plans["rep"].id,
        day=NY_TODAY + dt.timedelta(days=1),
    )  # fmt: skip
    later = PlannedRideAlong(
        manager_id=manager.id, rep_id=rep.id, day=NY_TODAY + dt.timedelta(days=2)
    )
    db.add_all([ride, later])
    db.commit()
    rules.evaluate(db, NOW)
    found = keys(db)
    day = ride.day.isoformat()
    # Both to the day's page: the rep prepares it there, the manager reads the preparation.
    for person in (manager, rep):
        assert found[f"ride_along_tomorrow:{ride.id}:{person.id}:{day}"].url == (
            f"/ride-alongs/{ride.id}"
        )
    assert found[f"ride_along_tomorrow:{ride.id}:{rep.id}:{day}"].title == (
        "Ride-along with Morgan tomorrow: prepare your day"
    )
    assert found[f"ride_along_tomorrow:{ride.id}:{manager.id}:{day}"].title == (
        "Ride-along with Riley tomorrow: see what they want help with"
    )
    assert not any(k.startswith(f"ride_along_tomorrow:{later.id}:") for k in found)


def test_a_draft_left_for_a_day_reminds_its_author(db: Session, org: Org) -> None:
    draft = make_note(db, org.people["manager"], org.people["rep2"], NoteStatus.DRAFT)
    fresh = make_note(db, org.people["manager"], org.people["rep2"], NoteStatus.DRAFT)
    db.commit()
    draft.updated_at = NOW - dt.timedelta(hours=25)
    fresh.updated_at = NOW - dt.timedelta(hours=2)
    db.commit()
    rules.evaluate(db, NOW)
    found = keys(db)
    assert found[f"draft_unfinished:{draft.id}"].recipient_id == org.people["manager"].id
    assert found[f"draft_unfinished:{draft.id}"].url == f"/notes/{draft.id}/edit"
    assert f"draft_unfinished:{fresh.id}" not in found


def test_drafts_merely_opened_or_abandoned_are_not_nudged_about(db: Session, org: Org) -> None:
    """ "Log coaching" tapped and left (nothing written) is no unfinished note; a draft
    untouched for DRAFT_ABANDON_DAYS (14 by default) is abandoned, its page offers to
    discard it, and the reminders stop."""
    manager, rep2 = org.people["manager"], org.people["rep2"]
    opened = make_note(
        db, manager, rep2, NoteStatus.DRAFT, strengths="", development_focus="",
        private_notes="",
    )  # fmt: skip
    opened.ratings.clear()
    abandoned = make_note(db, manager, rep2, NoteStatus.DRAFT)
    written = make_note(db, manager, rep2, NoteStatus.DRAFT)
    db.commit()
    opened.updated_at = written.updated_at = NOW - dt.timedelta(days=2)
    abandoned.updated_at = NOW - dt.timedelta(days=14, hours=1)
    db.commit()
    rules.evaluate(db, NOW)
    found = keys(db)
    assert f"draft_unfinished:{written.id}" in found
    assert f"draft_unfinished:{opened.id}" not in found
    assert f"draft_unfinished:{abandoned.id}" not in found


@pytest.mark.parametrize(
    ("later", "new_digest"), [(dt.timedelta(days=1), False), (dt.timedelta(days=7), True)]
)
def test_the_weekly_digest_comes_once_a_week(
    db: Session, org: Org, later: dt.timedelta, new_digest: bool
) -> None:
    director = org.people["director"]

    def digests() -> list[Notification]:
        return [
            n
            for n in keys(db).values()
            if n.kind == "weekly_digest" and n.recipient_id == director.id
        ]

    rules.evaluate(db, NOW)
    assert len(digests()) == 1  # rep2 has never been coached: the team is below target
    assert digests()[0].url == "/org"
    rules.evaluate(db, NOW + later)
    assert len(digests()) == (2 if new_digest else 1)


def add_team_with_everything_due(db: Session, org: Org, reps: int) -> None:
    """A team under the director whose reps each have an overdue follow-up, a note waiting
    for their acknowledgement past the manager's grace, and last coaching 20 days ago; and a
    draft about each left for two days."""
    manager = make_user(db, role=Role.MANAGER, manager_id=org.people["director"].id)
    drafts = []
    for _ in range(reps):
        rep = make_user(db, manager_id=manager.id)
        make_follow_up(db, rep, manager, due_date=NY_TODAY - dt.timedelta(days=5))
        make_note(
            db, manager, rep, occurred_on=NY_TODAY - dt.timedelta(days=20),
            shared_at=NOW - dt.timedelta(days=6),
        )  # fmt: skip
        drafts.append(make_note(db, manager, rep, NoteStatus.DRAFT))
    db.commit()
    for draft in drafts:
        draft.updated_at = NOW - dt.timedelta(days=2)
    db.commit()


@contextlib.contextmanager
def counted(app: Flask, db: Session) -> Iterator[dict[str, int]]:
    """The statements an evaluation runs and the objects it loads."""
    engine = app.extensions["coachapp.db"].engine
    seen = {"statements": 0, "loaded": 0}

    def statement(*_: Any) -> None:
        seen["statements"] += 1

    def loaded(*_: Any) -> None:
        seen["loaded"] += 1

    db.expunge_all()
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(Base, "load", loaded, propagate=True)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(Base, "load", loaded)


def test_an_evaluation_costs_what_is_due_not_the_organisations_size(
    app: Flask, db: Session, org: Org
) -> None:
    """Nudges written are not looked at again: once written, an evaluation runs the same
    few statements and loads the same few objects (the directors, for their digest's week)
    however many people and subjects there are; and the first one writes them all in as many
    statements for a team of 2 as of 6."""
    costs = []
    for reps in (2, 6):
        rules.evaluate(db, NOW)
        add_team_with_everything_due(db, org, reps)
        with counted(app, db) as first:
            created = rules.evaluate(db, NOW)
        # Per rep: follow-up overdue and the manager's, the note's reminder and the
        # manager's, due for coaching; per draft, its author's reminder.
        assert created == 6 * reps
        with counted(app, db) as steady:
            assert rules.evaluate(db, NOW) == 0
        costs.append((first["statements"], steady["statements"], steady["loaded"]))
    assert costs[0] == costs[1]


def test_the_weekly_digest_counts_the_teams_below_target_and_spares_directors_with_none(
    db: Session, org: Org
) -> None:
    """Judged on every rep of the director's subtree on their side of the medical/commercial
    wall, as the director's dashboard judges them (cadence_for_reps)."""
    far_rep = org.people["far_rep"]
    make_note(db, org.people["manager3"], far_rep, occurred_on=NY_TODAY - dt.timedelta(days=2))
    db.commit()
    rules.evaluate(db, NOW)
    found = keys(db)
    directors = db.scalars(select(User).where(User.role == Role.DIRECTOR)).all()
    told = 0
    for director in directors:
        reps = db.scalars(
            select(User).where(
                User.id.in_(policy.subtree_ids(director)),
                policy.coaching_side(director, User.id),
                User.role == Role.REP,
                User.active.is_(True),
            )
        ).all()
        figures = cadence_for_reps(db, reps, NOW)
        behind = {r.manager_id for r in reps if figures[r.id].status in ("overdue", "never")}
        digest = found.get(f"weekly_digest:{director.id}:2026-W11")
        if behind:
            assert digest is not None and digest.title.startswith(
                f"Weekly digest: {len(behind)} team"
            )
            told += 1
        else:
            assert digest is None
    assert 0 < told < len(directors)
    assert f"weekly_digest:{org.people['director2'].id}:2026-W11" not in found
