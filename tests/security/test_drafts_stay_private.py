"""Drafts stay their author's (DESIGN.md "Who may see what"): nothing an unshared note says,
its follow-ups' titles included, reaches the rep or anyone else but the manager who writes it,
by any way in: the inbox, a push, the API, a page, an export or a figure. Each test does what
the rep (or another reader) would: the worker runs as it does in production, then they sign
in and look. Once the note is shared, the reminders due follow as usual.

The one rule is coachapp.policy.follow_up_open_to (and follow_ups_scope, notes_scope,
can_see_private_notes); the nudge rules, the figures and the pages all ask it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import (
    FollowUp,
    Note,
    NoteStatus,
    Notification,
    PushSubscription,
    Role,
    User,
)
from coachapp.nudges.kinds import KINDS
from coachapp.nudges.subscriptions import subscribe
from coachapp.nudges.vapid import generate_vapid_keys
from coachapp.reporting_lines import change_manager
from coachapp.ride_alongs import service as ride_alongs
from coachapp.timezones import local_today
from tests.builders import Org, make_follow_up, make_note, make_plan
from tests.conftest import HttpsClient, signed_in
from tests.push_service import PushService
from tests.ride_alongs.helpers import plan_day

REPO = Path(__file__).resolve().parents[2]
SECRET = "Call Dr Okafor about the rebate before Friday"  # the rep's, on the draft
MINE = "Book the regional access lead"  # the manager's own, on the same draft


# The worker, a phone, and the people who look --------------------------------------------------


@pytest.fixture(scope="module")
def vapid_keys() -> tuple[str, str]:
    return generate_vapid_keys()


@pytest.fixture
def push_app(app: Flask, monkeypatch: pytest.MonkeyPatch, vapid_keys: tuple[str, str]) -> Flask:
    """The test app able to push, to the local push service on 127.0.0.1."""
    private, public = vapid_keys
    for key, value in {
        "VAPID_PRIVATE_KEY": private,
        "VAPID_PUBLIC_KEY": public,
        "PUSH_ALLOW_PRIVATE_ENDPOINTS": True,
        "PUSH_TIMEOUT_SECONDS": 2.0,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return app


@pytest.fixture
def push_service() -> Iterator[PushService]:
    with PushService() as running:
        yield running
        assert running.problems == [], "the push service refused what it got"


def worker_once(app: Flask) -> None:
    """`flask worker --once`: the nudge rules evaluated, everything due pushed."""
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output


def phone_of(db: Session, user: User, service: PushService, name: str) -> PushSubscription:
    device, _ = subscribe(db, user, service.subscription(name), "Phone", allow_private=True)
    return device


def days_ago(user: User, days: int) -> dt.date:
    return local_today(user.timezone) - dt.timedelta(days=days)


def add_follow_up(manager: HttpsClient, note: Note, title: str, owner: User) -> None:
    """The manager adds a follow-up on the note's page (its date: as the form sends it)."""
    response = manager.post_form(
        f"/notes/{note.id}/follow-ups",
        {"title": title, "owner_id": str(owner.id), "due_date": days_ago(owner, 4).isoformat()},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def follow_up_titled(db: Session, title: str) -> FollowUp:
    db.expire_all()
    return db.scalars(select(FollowUp).where(FollowUp.title == title)).one()


def inbox_text(client: HttpsClient) -> str:
    """The inbox as its reader gets it: the page and the API."""
    page = client.get("/inbox")
    listed = client.get("/api/v1/notifications")
    assert page.status_code == 200 and listed.status_code == 200
    return page.get_data(as_text=True) + json.dumps(listed.get_json())


def notifications_about(db: Session, follow_up_id: int) -> dict[int, list[str]]:
    """Every row of the outbox (the inbox, and what the worker pushes) about the follow-up, by
    recipient."""
    db.expire_all()
    found: dict[int, list[str]] = {}
    for row in db.scalars(
        select(Notification).where(Notification.subject == f"follow_up:{follow_up_id}")
    ):
        found.setdefault(row.recipient_id, []).append(row.title)
    return found


def cadence_row(client: HttpsClient, rep: User) -> dict[str, Any]:
    rows = client.get("/api/v1/cadence").get_json()
    rows = rows["items"] if isinstance(rows, dict) else rows
    [row] = [r for r in rows if r["rep_id"] == rep.id]
    return dict(row)


# The finding: a draft's follow-up in the rep's inbox and on their phone --------------------------


def test_a_drafts_overdue_follow_up_reaches_the_rep_only_once_the_note_is_shared(
    push_app: Flask, db: Session, org: Org, push_service: PushService
) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    note = org.notes["draft"]
    phone_of(db, rep, push_service, "rep-phone")
    db.commit()
    author = signed_in(push_app, org, "manager")
    add_follow_up(author, note, SECRET, rep)
    add_follow_up(author, note, MINE, manager)
    theirs, mine = follow_up_titled(db, SECRET), follow_up_titled(db, MINE)
    reader = signed_in(push_app, org, "rep")
    overdue_before = cadence_row(reader, rep)["overdue_follow_ups"]

    worker_once(push_app)

    # The rep signs in: nothing names the draft's follow-up, in the inbox, the API or a page.
    assert SECRET not in inbox_text(reader)
    assert SECRET not in reader.get("/my").get_data(as_text=True)
    assert SECRET not in reader.get("/follow-ups").get_data(as_text=True)
    assert SECRET not in json.dumps(reader.get("/api/v1/follow-ups?status=all").get_json())
    assert reader.get(f"/follow-ups/{theirs.id}").status_code == 404
    assert reader.get(f"/api/v1/coaching-sessions/{note.id}").status_code == 404
    # Not counted in the rep's own figures either: a draft's follow-up is no commitment yet.
    assert cadence_row(reader, rep)["overdue_follow_ups"] == overdue_before
    # The outbox holds nothing about it for the rep, and their phone got no push about it.
    assert notifications_about(db, theirs.id) == {}
    assert all(f"/follow-ups/{theirs.id}" not in str(r.payload) for r in push_service.received)
    # The author is reminded of their own draft's follow-up, as of any of theirs; not told
    # that the rep is late with one the rep has never seen (that is the rep's, above).
    assert notifications_about(db, mine.id) == {manager.id: [f"Follow-up overdue: {MINE}"]}
    assert f"Follow-up overdue: {MINE}" in inbox_text(author)

    # Shared: the rep's reminder comes with the next round, in the inbox and on the phone.
    assert author.post_form(f"/notes/{note.id}/share").status_code == 302
    worker_once(push_app)

    assert f"Follow-up overdue: {SECRET}" in inbox_text(reader)
    assert reader.get(f"/follow-ups/{theirs.id}").status_code == 200
    assert cadence_row(reader, rep)["overdue_follow_ups"] == overdue_before + 1
    about = notifications_about(db, theirs.id)
    assert about[rep.id] == [f"Follow-up overdue: {SECRET}"]
    assert about[manager.id] == [f"Riley's follow-up is 4 days overdue: {SECRET}"]
    [pushed] = [
        r.payload
        for r in push_service.to("rep-phone")
        if r.payload and r.payload["url"] == f"/follow-ups/{theirs.id}"
    ]
    assert pushed["title"] == KINDS["follow_up_overdue"].push_title  # a lock screen's
    assert SECRET not in json.dumps(pushed)


def test_nothing_a_draft_says_reaches_anyone_but_its_author(
    app: Flask, db: Session, org: Org
) -> None:
    """The draft's every text (strengths, focus, private notes, a rating's evidence, the
    follow-ups' titles) against every page, export and API list of every other person, after
    the worker has run."""
    rep, manager = org.people["rep"], org.people["manager"]
    note = org.notes["draft"]
    markers = {
        "strengths": "DRAFT-STRENGTH-7Q",
        "development_focus": "DRAFT-FOCUS-7Q",
        "private_notes": "DRAFT-PRIVATE-7Q",
    }
    for name, text in markers.items():
        setattr(note, name, text)
    note.ratings[0].evidence = "DRAFT-EVIDENCE-7Q"
    note.plan_id, note.account_id = org.plans["rep"].id, org.plans["rep"].account_id
    make_follow_up(db, rep, manager, session_id=note.id, title="DRAFT-REPS-7Q",
                   due_date=days_ago(rep, 5))  # fmt: skip
    make_follow_up(db, manager, manager, session_id=note.id, title="DRAFT-OWN-7Q",
                   due_date=days_ago(manager, 5))  # fmt: skip
    db.commit()
    worker_once(app)
    plan = org.plans["rep"]
    paths = [
        "/", "/my", "/today", "/team", "/notes", "/follow-ups", "/inbox",
        f"/people/{rep.id}", f"/notes/{note.id}", f"/notes/{note.id}/edit",
        "/org", f"/org/teams/{manager.id}", f"/org/teams/{manager.id}/summary",
        "/org/sessions.csv?period=180", "/org/cadence.csv", "/plans", "/plans.csv", "/plans/qbr",
        f"/plans/{plan.id}", f"/plans/{plan.id}/history", f"/plans/{plan.id}/qbr",
        "/api/v1/notifications", "/api/v1/follow-ups?status=all", "/api/v1/coaching-sessions",
        f"/api/v1/coaching-sessions?rep_id={rep.id}", f"/api/v1/coaching-sessions/{note.id}",
        "/api/v1/cadence", "/api/v1/cadence/teams", "/api/v1/cadence/quality",
        f"/api/v1/reps/{rep.id}/account-plans", f"/api/v1/account-plans/{plan.id}",
        "/api/v1/ride-alongs", *(f"/follow-ups/{f.id}" for f in note.follow_ups),
    ]  # fmt: skip
    secrets = [*markers.values(), "DRAFT-EVIDENCE-7Q", "DRAFT-REPS-7Q", "DRAFT-OWN-7Q"]

    # The author sees it all: the texts are really there to be found.
    author = signed_in(app, org, "manager")
    seen_by_author = " ".join(author.get(path).get_data(as_text=True) for path in paths)
    assert all(secret in seen_by_author for secret in secrets)

    for who in ("rep", "rep2", "manager2", "director", "director2", "admin"):
        reader = signed_in(app, org, who)
        for path in paths:
            text = reader.get(path).get_data(as_text=True)
            leaked = [secret for secret in secrets if secret in text]
            assert not leaked, f"{who} reads {leaked} at {path}"


def test_a_managers_own_draft_follow_up_never_reaches_whoever_they_report_to_later(
    app: Flask, db: Session, org: Org
) -> None:
    """A manager who becomes a rep keeps their drafts, and the reminders of their own
    follow-ups on them; "3 days overdue", said to a rep's manager, never names one of those
    to their new manager, who may not see a draft they did not write."""
    author, boss = org.people["manager2"], org.people["manager"]
    draft = make_note(db, author, org.people["other_rep"], NoteStatus.DRAFT)
    item = make_follow_up(db, author, author, session_id=draft.id, title=SECRET,
                          due_date=days_ago(author, 6))  # fmt: skip
    author.role = Role.REP
    change_manager(db, author, boss.id, actor=None)
    db.commit()

    worker_once(app)

    assert notifications_about(db, item.id) == {author.id: [f"Follow-up overdue: {SECRET}"]}
    assert SECRET not in inbox_text(signed_in(app, org, "manager"))


# What was written before: deleted with what it names --------------------------------------------


def test_a_discarded_draft_takes_the_reminders_of_its_follow_ups_with_it(
    app: Flask, db: Session, org: Org
) -> None:
    manager = org.people["manager"]
    note = org.notes["draft"]
    item = make_follow_up(db, manager, manager, session_id=note.id, title=MINE,
                          due_date=days_ago(manager, 2))  # fmt: skip
    item_id = item.id
    db.commit()
    worker_once(app)
    author = signed_in(app, org, "manager")
    assert f"Follow-up overdue: {MINE}" in inbox_text(author)

    gone = author.post_form(f"/notes/{note.id}/discard", {"client_uuid": str(note.client_uuid)})

    assert gone.status_code == 302
    assert notifications_about(db, item_id) == {}  # not in the inbox, and never pushed now
    assert MINE not in inbox_text(author)


def test_a_follow_up_removed_from_a_note_leaves_no_reminder_naming_it(
    app: Flask, db: Session, org: Org
) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    note = org.notes["shared"]
    item = make_follow_up(db, rep, manager, session_id=note.id, title=SECRET,
                          due_date=days_ago(rep, 1))  # fmt: skip
    item_id = item.id
    db.commit()
    worker_once(app)
    reader = signed_in(app, org, "rep")
    assert f"Follow-up overdue: {SECRET}" in inbox_text(reader)

    removed = signed_in(app, org, "manager").post_form(
        f"/notes/{note.id}/follow-ups/{item.id}/delete"
    )

    assert removed.status_code == 302
    assert SECRET not in inbox_text(reader)
    assert notifications_about(db, item_id) == {}


def migration(name: str) -> ModuleType:
    path = REPO / "coachapp" / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reminders_already_written_about_others_drafts_are_forgotten_on_upgrade(
    db: Session, org: Org
) -> None:
    """Migration 0016 on rows the old rule wrote: the rep's reminder about a draft's
    follow-up goes, and so does one about a follow-up deleted since; the author's own and the
    reminders about shared notes stay."""
    rep, manager = org.people["rep"], org.people["manager"]
    on_draft, on_shared = org.follow_ups["rep_draft"], org.follow_ups["rep_shared"]
    deleted = make_follow_up(db, rep, manager, session_id=org.notes["draft"].id)
    deleted_id = deleted.id
    db.delete(deleted)
    rows = {
        "leaked": (rep, on_draft.id),
        "escalated": (org.people["director"], on_draft.id),
        "authors": (manager, on_draft.id),
        "stale": (rep, deleted_id),
        "shared": (rep, on_shared.id),
    }
    for name, (recipient, follow_up_id) in rows.items():
        db.add(
            Notification(
                recipient_id=recipient.id, kind="follow_up_overdue", title=f"{name}: {SECRET}",
                url=f"/follow-ups/{follow_up_id}", dedupe_key=f"old-rule:{name}:{follow_up_id}",
                subject=f"follow_up:{follow_up_id}",
            )
        )  # fmt: skip
    db.commit()

    forgotten = migration("0016_forget_draft_follow_up_nudges.py").forget_draft_follow_up_nudges(
        db.connection()
    )
    db.commit()

    db.expire_all()
    kept = db.scalars(
        select(Notification.dedupe_key).where(Notification.dedupe_key.like("old-rule:%"))
    )
    assert forgotten == 3
    assert {key.split(":")[1] for key in kept} == {"authors", "shared"}
    assert db.get(Notification, org.notifications["rep"].id) is not None  # about nothing


# A sibling: where a new note starts ------------------------------------------------------------


def test_log_coaching_never_starts_from_the_plan_of_another_managers_draft(
    app: Flask, db: Session, org: Org
) -> None:
    """A rep who moved to this manager: the note the manager starts takes the plan of the
    latest conversation the manager may read, never that of the old manager's draft."""
    rep, old, new = org.people["other_rep"], org.people["manager2"], org.people["manager"]
    busy = org.plans["other_rep_with_rep"]
    quiet = make_plan(db, rep)
    quiet.last_activity_at = busy.last_activity_at - dt.timedelta(days=30)
    make_note(db, old, rep, NoteStatus.DRAFT, plan_id=quiet.id, account_id=quiet.account_id)
    change_manager(db, rep, new.id, actor=None)
    db.commit()

    started = signed_in(app, org, "manager").post_form(f"/people/{rep.id}/coaching")

    assert started.status_code == 302
    found = re.search(r"/notes/(\d+)/edit$", started.headers["Location"])
    assert found, started.headers["Location"]
    db.expire_all()
    note = db.get(Note, int(found.group(1)))
    assert note is not None and note.manager_id == new.id
    assert note.plan_id == busy.id != quiet.id


def test_a_directors_draft_to_a_manager_stays_the_directors(
    app: Flask, db: Session, org: Org
) -> None:
    """Coach-the-coach notes follow the same rule: the manager reads one once it is shared."""
    note = org.coach_notes["draft"]
    note.situation, note.action, note.result = "CTC-SITUATION-7Q", "CTC-ACTION-7Q", "CTC-RESULT-7Q"
    db.commit()
    worker_once(app)
    paths = [
        "/today", "/inbox", "/coach-the-coach", f"/coach-the-coach/{note.id}",
        "/api/v1/notifications", "/api/v1/coach-the-coach-notes",
        f"/api/v1/coach-the-coach-notes/{note.id}",
    ]  # fmt: skip
    secrets = ("CTC-SITUATION-7Q", "CTC-ACTION-7Q", "CTC-RESULT-7Q")
    seen_by_author = " ".join(
        signed_in(app, org, "director").get(path).get_data(as_text=True) for path in paths
    )
    assert all(secret in seen_by_author for secret in secrets)

    for who in ("manager", "manager2", "director2", "rep", "admin"):
        reader = signed_in(app, org, who)
        for path in paths:
            text = reader.get(path).get_data(as_text=True)
            leaked = [secret for secret in secrets if secret in text]
            assert not leaked, f"{who} reads {leaked} at {path}"


def test_a_ride_along_days_calls_and_its_unshared_note_stay_the_managers(
    app: Flask, db: Session, org: Org
) -> None:
    """The calls captured on the day are the manager's working notes, like a draft, and the
    note written from them is a draft: the rep reads the day's page, its JSON, its calendar
    file and their inbox, and finds neither (only that a note was written, by design)."""
    day = plan_day(db, org)
    listens = day.competencies[1]
    with app.app_context():
        ride_alongs.capture_call(
            db, org.people["manager"], day.ride.id,
            {"account_name": "Mercy", "evidence": "RIDE-CALL-7Q",
             "ratings": [{"competency_id": listens, "score": 2}]},
        )  # fmt: skip
        note, _ = ride_alongs.write_note(db, org.people["manager"], day.ride.id)
    make_follow_up(db, org.people["rep"], org.people["manager"], session_id=note.id,
                   title="RIDE-FOLLOW-UP-7Q", due_date=days_ago(org.people["rep"], 3))  # fmt: skip
    db.commit()
    worker_once(app)
    ride = day.ride.id
    paths = [
        f"/ride-alongs/{ride}", f"/ride-alongs/{ride}.ics", f"/api/v1/ride-alongs/{ride}",
        f"/api/v1/ride-alongs/{ride}/calls", "/api/v1/ride-alongs", "/inbox", "/my",
        "/api/v1/notifications", f"/notes/{note.id}", f"/api/v1/coaching-sessions/{note.id}",
    ]  # fmt: skip
    secrets = ("RIDE-CALL-7Q", "RIDE-FOLLOW-UP-7Q")
    author = signed_in(app, org, "manager")
    assert all(
        secret in " ".join(author.get(path).get_data(as_text=True) for path in paths)
        for secret in secrets
    )

    reader = signed_in(app, org, "rep")
    for path in paths:
        text = reader.get(path).get_data(as_text=True)
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"the rep reads {leaked} at {path}"
    assert "has written the note from today" in reader.get(f"/ride-alongs/{ride}").get_data(
        as_text=True
    )
