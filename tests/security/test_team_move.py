"""A team move (docs/security.md, "A team move"): Riley moves from Morgan (manager) to Mo
(manager2). Each test is an attack by the manager Riley left, or by the one Riley joined,
and what it gets: Morgan reads the notes Morgan wrote as they stood at the move, changes
nothing, and learns nothing Riley adds afterwards, on any page, API, list, export or inbox.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.auth.service import issue_api_token
from coachapp.db import utcnow
from coachapp.models import (
    Note,
    NoteStatus,
    Notification,
    PlannedRideAlong,
    PushDelivery,
    ReportingLine,
    User,
)
from coachapp.nudges import rules, subjects
from coachapp.reporting_lines import change_manager, lines_of
from coachapp.timezones import local_today
from tests.builders import Org, make_follow_up, make_notification
from tests.conftest import HttpsClient, signed_in

LATER = "LATER-COMMENT-WRITTEN-AFTER-THE-MOVE"
EVIDENCE = "LATER-EVIDENCE-AFTER-THE-MOVE"
SESSIONS = "/api/v1/coaching-sessions"
HTMX = {"HX-Request": "true"}


# Moving Riley ------------------------------------------------------------------------------


def move_on_people_page(app: Flask, org: Org, to: str) -> None:
    rep = org.people["rep"]
    admin = signed_in(app, org, "admin")
    response = admin.post_form(
        f"/admin/users/{rep.id}",
        {
            "name": rep.name,
            "role": "rep",
            "function": rep.function.value,
            "manager_id": str(org.people[to].id),
            "timezone": rep.timezone,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def move_by_org_import(app: Flask, org: Org, to: str) -> None:
    rep, manager = org.people["rep"], org.people[to]
    admin = signed_in(app, org, "admin")
    text = (
        "email,name,role,function,manager email,time zone\n"
        f"{rep.email},{rep.name},rep,{rep.function.value},{manager.email},{rep.timezone}\n"
    )
    page = admin.post_form("/admin/import/preview", {"csv_text": text}).get_data(as_text=True)
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    applied = admin.post_form("/admin/import/apply", {"csv_text": text, "fingerprint": fingerprint})
    assert applied.status_code in {200, 302}, applied.get_data(as_text=True)


def move_by_service(app: Flask, org: Org, to: str, db: Session) -> None:
    with app.app_context():
        change_manager(db, org.people["rep"], org.people[to].id, actor=org.people["admin"])
        db.commit()


Mover = Callable[[str], None]


@pytest.fixture(params=["people page", "org import"])
def move(request: pytest.FixtureRequest, app: Flask, org: Org, db: Session) -> Mover:
    """Moves Riley to another manager the way an admin does, on the people page or by the
    org import; the attacks below run after either."""

    def moving(to: str = "manager2") -> None:
        if request.param == "people page":
            move_on_people_page(app, org, to)
        else:
            move_by_org_import(app, org, to)
        db.expire_all()
        assert db.get(User, org.people["rep"].id).manager_id == org.people[to].id  # type: ignore[union-attr]

    return moving


@pytest.fixture
def api(app: Flask, client: HttpsClient, db: Session, org: Org) -> Callable[..., Any]:
    tokens: dict[str, str] = {}

    def call(who: str, method: str, url: str, json: Any = None, if_match: int | None = None) -> Any:
        if who not in tokens:
            with app.app_context():
                tokens[who], _ = issue_api_token(db, org.people[who])
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        return client.open(url, method=method, headers=headers, json=json)

    return call


def riley_adds_to_the_note_later(app: Flask, org: Org, api: Callable[..., Any]) -> None:
    """After the move Riley rates themself on Morgan's shared note, completes its follow-up
    with evidence, and acknowledges it with a comment."""
    note = org.notes["shared"]
    rep = signed_in(app, org, "rep")
    rated = {f"self-{r.competency_id}": "1" for r in note.ratings}
    assert rep.post_form(f"/notes/{note.id}/self-assessment", rated).status_code == 302
    follow_up = org.follow_ups["rep_shared"]
    done = api("rep", "PATCH", f"/api/v1/follow-ups/{follow_up.id}", {"status": "done"})
    assert done.status_code == 200
    evidence = api("rep", "PATCH", f"/api/v1/follow-ups/{follow_up.id}", {"evidence": EVIDENCE})
    assert evidence.status_code == 200
    acked = rep.post_form(f"/notes/{note.id}/acknowledge", {"comment": LATER})
    assert acked.status_code == 302


def notifications_of(db: Session, person: User) -> list[Notification]:
    db.expire_all()
    return list(
        db.scalars(select(Notification).where(Notification.recipient_id == person.id)).all()
    )


# Morgan shares the old draft ------------------------------------------------------------------


def test_former_manager_posting_the_share_of_the_old_draft_is_refused_and_nobody_is_told(
    app: Flask, org: Org, db: Session, move: Mover, api: Callable[..., Any]
) -> None:
    draft, rep = org.notes["draft"], org.people["rep"]
    move()
    before = len(notifications_of(db, rep))  # the move itself is told to Riley
    morgan = signed_in(app, org, "manager")

    # From the page: refused on the note's own page, saying why and what is left to do.
    page = morgan.post_form(f"/notes/{draft.id}/share", {})
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "Riley no longer reports to you, so this draft cannot be shared" in text
    assert "discard it" in text and "Yes, discard the draft" in text
    assert "Share with rep" not in text and "Continue the draft" not in text
    # From the form's autosave and share buttons (htmx), and from outside (the API): refused.
    htmx = morgan.post_form(f"/notes/{draft.id}/share", {"version": "1"}, headers=HTMX)
    assert htmx.status_code == 403
    assert "no longer reports to you" in htmx.json["error"]["message"]
    by_api = api("manager", "POST", f"{SESSIONS}/{draft.id}/share")
    assert by_api.status_code == 403 and by_api.json["error"]["code"] == "forbidden"

    db.expire_all()
    assert db.get(Note, draft.id).status == NoteStatus.DRAFT  # type: ignore[union-attr]
    told = notifications_of(db, rep)
    assert len(told) == before  # no inbox row, no push outbox row
    assert not [n for n in told if n.subject == f"coaching_session:{draft.id}"]
    assert db.scalar(select(func.count()).select_from(PushDelivery)) == 0


def test_former_manager_reads_and_discards_the_old_draft_but_cannot_change_it(
    app: Flask, org: Org, db: Session, move: Mover, api: Callable[..., Any]
) -> None:
    draft = org.notes["draft"]
    move()
    morgan = signed_in(app, org, "manager")
    page = morgan.get(f"/notes/{draft.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "PRIVATE-NOTE-MARKER" in text  # their own words, still theirs to read
    assert "You can read this draft or discard it; it can no longer be shared." in text
    # The form is gone: its page leads to the note; saving it, from the page or the API, fails.
    assert morgan.get(f"/notes/{draft.id}/edit").headers["Location"].endswith(f"/notes/{draft.id}")
    assert morgan.post_form(f"/notes/{draft.id}/edit", {"version": "1"}).status_code == 403
    patched = api("manager", "GET", f"{SESSIONS}/{draft.id}")
    assert patched.json["seen_as_of"] is not None
    assert (
        morgan.post_form(
            f"/notes/{draft.id}/follow-ups", {"title": "Call me", "due_in": "7"}
        ).status_code
        == 403
    )
    # Discarding stays theirs, and lands on their notes (Riley's page is no longer theirs).
    discarded = morgan.post_form(
        f"/notes/{draft.id}/discard", {"client_uuid": str(draft.client_uuid)}
    )
    assert discarded.status_code == 302 and discarded.headers["Location"].endswith("/notes")
    draft_id = draft.id
    db.expire_all()
    assert db.get(Note, draft_id) is None


def test_new_manager_cannot_read_the_former_managers_draft_or_private_notes(
    app: Flask, org: Org, db: Session, move: Mover, api: Callable[..., Any]
) -> None:
    move()
    mo = signed_in(app, org, "manager2")
    draft, shared = org.notes["draft"], org.notes["shared"]
    assert mo.get(f"/notes/{draft.id}").status_code == 404
    assert api("manager2", "GET", f"{SESSIONS}/{draft.id}").status_code == 404
    listed = api("manager2", "GET", f"{SESSIONS}?rep_id={org.people['rep'].id}").json
    assert {n["id"] for n in listed} == {shared.id, org.notes["acknowledged"].id}
    assert all("private_notes" not in n for n in listed)
    # Riley's shared notes are Mo's to read now, as any direct report's are.
    page = mo.get(f"/notes/{shared.id}").get_data(as_text=True)
    assert "Opened with the customer" in page and "PRIVATE-NOTE-MARKER" not in page


# What Riley adds afterwards ------------------------------------------------------------------


def test_what_the_rep_adds_after_the_move_never_reaches_the_former_manager(
    app: Flask, org: Org, db: Session, move: Mover, api: Callable[..., Any]
) -> None:
    note = org.notes["shared"]
    move()
    riley_adds_to_the_note_later(app, org, api)
    morgan = signed_in(app, org, "manager")

    page = morgan.get(f"/notes/{note.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert LATER not in text and 'id="ack-heading"' not in text
    assert "has not rated themself yet" in text  # the self-rating came after the move
    assert "Send the formulary dossier" not in text  # the follow-up Riley changed since
    assert "Opened with the customer" in text  # Morgan's own note, as it stood
    assert "This note is shown as it stood then" in text
    assert "Edit note" not in text

    seen = api("manager", "GET", f"{SESSIONS}/{note.id}")
    assert seen.status_code == 200
    body = seen.json
    assert LATER not in json.dumps(body) and EVIDENCE not in json.dumps(body)
    assert body["status"] == "shared" and body["acknowledgement"] is None
    assert body["self_assessment"] is None and body["self_rating"]["state"] == "pending"
    assert body["follow_ups"] == [] and body["seen_as_of"] is not None
    assert body["acknowledgement_deadline"] is not None  # computed from the note as it stood

    # The notes Morgan wrote before the move keep what they had then.
    acknowledged = morgan.get(f"/notes/{org.notes['acknowledged'].id}").get_data(as_text=True)
    assert "Thanks, agreed." in acknowledged

    # Mo, Riley's manager now, reads all of it.
    mo = signed_in(app, org, "manager2").get(f"/notes/{note.id}").get_data(as_text=True)
    assert LATER in mo


def test_lists_exports_and_dashboards_hold_back_what_the_rep_adds_after_the_move(
    app: Flask, org: Org, db: Session, move: Mover, api: Callable[..., Any]
) -> None:
    note, follow_up = org.notes["shared"], org.follow_ups["rep_shared"]
    move()
    riley_adds_to_the_note_later(app, org, api)
    morgan = signed_in(app, org, "manager")

    notes = morgan.get("/notes").get_data(as_text=True)
    assert LATER not in notes
    assert notes.count("status-acknowledged") == 1  # the note acknowledged before the move
    listed = {n["id"]: n for n in api("manager", "GET", SESSIONS).json}
    assert listed[note.id]["acknowledgement"] is None and listed[note.id]["status"] == "shared"
    assert LATER not in json.dumps(listed)

    export = morgan.get("/org/sessions.csv?period=180")
    assert export.status_code == 200
    rows = export.get_data(as_text=True)
    assert LATER not in rows
    row = next(line for line in rows.splitlines() if line.startswith(f"{note.id},"))
    assert ",shared," in row and ",acknowledged," not in row

    for path in ("/org/cadence.csv", f"/org/teams/{org.people['manager'].id}/summary", "/team"):
        response = morgan.get(path)
        assert response.status_code == 200, path
        assert "Riley" not in response.get_data(as_text=True), path

    # The follow-up Riley completed: not in Morgan's lists, its page, nor Morgan's to change.
    assert "Send the formulary dossier" not in morgan.get("/follow-ups").get_data(as_text=True)
    everything = api("manager", "GET", "/api/v1/follow-ups?status=all").json
    assert follow_up.id not in {f["id"] for f in everything}
    assert morgan.get(f"/follow-ups/{follow_up.id}").status_code == 404
    reopen = api("manager", "PATCH", f"/api/v1/follow-ups/{follow_up.id}", {"status": "open"})
    assert reopen.status_code == 404
    assert signed_in(app, org, "manager2").get(f"/follow-ups/{follow_up.id}").status_code == 200


def test_the_former_managers_inbox_learns_nothing_of_the_move_aftermath(
    app: Flask, org: Org, db: Session, move: Mover, api: Callable[..., Any]
) -> None:
    """Not a new notification (acknowledged with a comment), nor one marked read behind
    Morgan's back when Riley settles what it was about."""
    morgan, note = org.people["manager"], org.notes["shared"]
    reminder = make_notification(
        db, morgan, kind="note_unacknowledged", subject=f"coaching_session:{note.id}"
    )
    db.commit()
    move()
    riley_adds_to_the_note_later(app, org, api)
    mine = notifications_of(db, morgan)
    assert [n.kind for n in mine if n.kind == "note_acknowledged"] == []
    assert next(n for n in mine if n.id == reminder.id).read_at is None
    assert LATER not in morgan_inbox(app, org)


def morgan_inbox(app: Flask, org: Org) -> str:
    text: str = signed_in(app, org, "manager").get("/inbox").get_data(as_text=True)
    return text


# Nothing new, nothing changed, nothing planned -------------------------------------------------


def test_former_manager_changes_nothing_and_starts_nothing_for_the_rep(
    app: Flask, org: Org, db: Session, move: Mover, api: Callable[..., Any]
) -> None:
    rep = org.people["rep"]
    shared, acknowledged = org.notes["shared"], org.notes["acknowledged"]
    move()
    morgan = signed_in(app, org, "manager")
    version = db.get(Note, shared.id).version  # type: ignore[union-attr]
    patch = api(
        "manager", "PATCH", f"{SESSIONS}/{shared.id}", {"strengths": "Rewritten"}, if_match=version
    )
    assert patch.status_code == 403
    assert "no longer reports to you" in patch.json["error"]["message"]
    assert morgan.post_form(f"/notes/{acknowledged.id}/addendum", {"text": "PS"}).status_code == 403
    assert morgan.post_form(f"/notes/{shared.id}/follow-ups", {"title": "x"}).status_code == 403
    # A new note: neither "Log coaching" nor the API finds Riley.
    assert morgan.post_form(f"/people/{rep.id}/coaching", {}).status_code == 404
    created = api(
        "manager",
        "POST",
        SESSIONS,
        {"rep_id": rep.id, "type": "one_on_one", "strengths": "Listened", "ratings": []},
    )
    assert created.status_code == 404
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert morgan.post_form(f"/people/{rep.id}/ride-alongs", {"day": tomorrow}).status_code == 404
    assert morgan.get(f"/people/{rep.id}").status_code == 404
    db.expire_all()
    assert (
        db.scalar(
            select(func.count()).where(
                Note.manager_id == org.people["manager"].id,
                Note.rep_id == rep.id,
            )
        )
        == 3
    )
    assert db.scalar(select(func.count()).select_from(PlannedRideAlong)) == 0


def test_the_ride_along_planned_before_the_move_is_cancelled_and_no_longer_the_former_managers(
    app: Flask, org: Org, db: Session, move: Mover
) -> None:
    rep, morgan = org.people["rep"], org.people["manager"]
    ride = PlannedRideAlong(
        manager_id=morgan.id, rep_id=rep.id, day=dt.date.today() + dt.timedelta(days=3)
    )
    db.add(ride)
    db.commit()
    manager = signed_in(app, org, "manager")
    assert manager.get(f"/ride-alongs/{ride.id}.ics").status_code == 200
    move()
    assert manager.get(f"/ride-alongs/{ride.id}.ics").status_code == 404
    assert manager.get(f"/ride-alongs/{ride.id}").status_code == 404
    ics = signed_in(app, org, "rep").get(f"/ride-alongs/{ride.id}.ics").get_data(as_text=True)
    assert "STATUS:CANCELLED" in ics
    db.expire_all()
    assert db.get(PlannedRideAlong, ride.id).cancelled_at is not None  # type: ignore[union-attr]


@pytest.mark.parametrize("moved", [False, True], ids=["still in line", "moved"])
def test_the_worker_nudges_the_former_manager_about_nothing_of_the_rep(
    app: Flask, org: Org, db: Session, moved: bool
) -> None:
    """An unacknowledged note's escalation, an idle draft, Morgan's own overdue follow-up on
    Riley's note, a ride-along tomorrow: each reaches Morgan while Riley reports to Morgan,
    none once Riley has moved."""
    morgan, rep = org.people["manager"], org.people["rep"]
    now = utcnow()
    shared, draft = org.notes["shared"], org.notes["draft"]
    shared.shared_at = now - dt.timedelta(days=7)
    draft.updated_at = now - dt.timedelta(days=2)
    make_follow_up(
        db, morgan, morgan, session_id=shared.id, due_date=dt.date.today() - dt.timedelta(days=4)
    )
    tomorrow = local_today(morgan.timezone, now) + dt.timedelta(days=1)
    db.add(PlannedRideAlong(manager_id=morgan.id, rep_id=rep.id, day=tomorrow))
    db.commit()
    before = {n.id for n in notifications_of(db, morgan)}
    if moved:
        move_by_service(app, org, "manager2", db)
    with app.app_context():
        rules.evaluate(db, now)
    robin = subjects.person(org.people["rep2"].id)  # still Morgan's: cadence nudges are fine
    told = {
        n.kind for n in notifications_of(db, morgan) if n.id not in before and n.subject != robin
    }
    nudges = {"note_unacknowledged", "draft_unfinished", "follow_up_overdue", "ride_along_tomorrow"}
    assert told == (set() if moved else nudges)
    # Riley is still reminded to acknowledge Morgan's note.
    assert "note_unacknowledged" in {n.kind for n in notifications_of(db, rep)}


# Directors, and coming back ---------------------------------------------------------------------


def test_directors_see_by_their_current_subtree(
    app: Flask, org: Org, db: Session, move: Mover, api: Callable[..., Any]
) -> None:
    shared = org.notes["shared"]
    move("manager3")  # to Max, under Drew (director2)
    riley_adds_to_the_note_later(app, org, api)
    assert signed_in(app, org, "director").get(f"/notes/{shared.id}").status_code == 404
    drew = signed_in(app, org, "director2").get(f"/notes/{shared.id}")
    assert drew.status_code == 200 and LATER in drew.get_data(as_text=True)
    assert "PRIVATE-NOTE-MARKER" not in drew.get_data(as_text=True)


def test_moving_back_gives_the_manager_everything_again(
    app: Flask, org: Org, db: Session, move: Mover, api: Callable[..., Any]
) -> None:
    draft, shared, rep = org.notes["draft"], org.notes["shared"], org.people["rep"]
    move()
    riley_adds_to_the_note_later(app, org, api)
    move("manager")
    morgan = signed_in(app, org, "manager")
    assert LATER in morgan.get(f"/notes/{shared.id}").get_data(as_text=True)
    assert api("manager", "GET", f"{SESSIONS}/{shared.id}").json["seen_as_of"] is None
    assert morgan.post_form(f"/notes/{draft.id}/share", {}).status_code == 302
    assert any(n.kind == "note_shared" for n in notifications_of(db, rep))
    assert [(line.manager_id, line.ended_at is None) for line in lines_of(db, rep.id)] == [
        (org.people["manager"].id, False),
        (org.people["manager2"].id, False),
        (org.people["manager"].id, True),
    ]


# Every path records the line --------------------------------------------------------------------


def test_every_way_of_changing_a_manager_records_the_line(
    app: Flask, org: Org, db: Session, runner: Any
) -> None:
    rep, manager, manager2 = org.people["rep"], org.people["manager"], org.people["manager2"]
    move_on_people_page(app, org, "manager2")
    move_by_org_import(app, org, "manager")
    result = runner.invoke(
        args=[
            "create-user", "--email", "new.rep@example.com", "--name", "New Rep", "--role",
            "rep", "--manager-email", manager.email, "--password", "a long enough password",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    db.expire_all()
    moves = [(line.manager_id, line.ended_at is not None) for line in lines_of(db, rep.id)]
    assert moves == [(manager.id, True), (manager2.id, True), (manager.id, False)]
    new = db.scalars(select(User).where(User.email == "new.rep@example.com")).one()
    assert [(line.manager_id, line.ended_at) for line in lines_of(db, new.id)] == [
        (manager.id, None)
    ]


def test_a_manager_changed_any_other_way_is_refused(org: Org, db: Session) -> None:
    org.people["rep"].manager_id = org.people["manager2"].id
    with pytest.raises(RuntimeError, match="change_manager"):
        db.flush()
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ReportingLine)) == 0


# The same move one level up: a manager leaves a director ------------------------------------


def test_a_director_a_manager_has_left_shares_nothing_and_reads_no_later_reply(
    app: Flask, org: Org, db: Session, api: Callable[..., Any]
) -> None:
    """Coach-the-coach notes follow the rule: Morgan moves from Dana to Drew; Dana's draft to
    Morgan stays unshared, and Morgan's reply to Dana's shared note after the move is not
    Dana's to read."""
    draft, shared = org.coach_notes["draft"], org.coach_notes["shared"]
    morgan = org.people["manager"]
    admin = signed_in(app, org, "admin")
    moved = admin.post_form(
        f"/admin/users/{morgan.id}",
        {
            "name": morgan.name,
            "role": "manager",
            "function": morgan.function.value,
            "manager_id": str(org.people["director2"].id),
            "timezone": morgan.timezone,
        },
    )
    assert moved.status_code == 302
    before = len(notifications_of(db, morgan))
    dana = signed_in(app, org, "director")
    assert dana.post_form(f"/coach-the-coach/{draft.id}/share", {}).status_code == 403
    by_api = api("director", "POST", f"/api/v1/coach-the-coach-notes/{draft.id}/share")
    assert by_api.status_code == 403
    assert "no longer reports to you" in by_api.json["error"]["message"]
    assert len(notifications_of(db, morgan)) == before

    replied = signed_in(app, org, "manager").post_form(
        f"/coach-the-coach/{shared.id}/acknowledge", {"comment": LATER}
    )
    assert replied.status_code == 302
    page = dana.get(f"/coach-the-coach/{shared.id}").get_data(as_text=True)
    assert LATER not in page and "no longer reports to you" in page
    body = api("director", "GET", f"/api/v1/coach-the-coach-notes/{shared.id}").json
    assert body["acknowledgement"] is None and body["status"] == "shared"
    assert LATER not in json.dumps(api("director", "GET", "/api/v1/coach-the-coach-notes").json)
    assert "coach_note_acknowledged" not in {
        n.kind for n in notifications_of(db, org.people["director"])
    }
