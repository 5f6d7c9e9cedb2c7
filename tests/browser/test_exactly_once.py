"""Exactly once from the finger to the database, at 390x844 in Chromium: a double tap on each
button that makes or changes something (Log coaching, Share with rep, Save call,
Acknowledge, a follow-up's Done), with a connection and without one (then back online),
leaves one record: one draft, one share, one call, one acknowledgement, one completion.
Online, the button is locked while its form is sent, so the second tap sends nothing; what
is kept on the phone is kept once per form; and the server answers a repeat with the first
result.

manager2 and rep11: no other browser test changes their data."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, Request, expect
from sqlalchemy import func, select

from coachapp.coaching.counts import CHOOSE_TYPE
from coachapp.db import get_session
from coachapp.models import (
    AuditEvent,
    FollowUp,
    FollowUpStatus,
    Note,
    NoteRating,
    NoteStatus,
    NoteType,
    RideAlongCall,
    User,
)
from coachapp.ride_alongs import calendar
from coachapp.timezones import local_today
from tests.browser.conftest import wait_until
from tests.browser.test_offline import NOTHING_WAITING, OFFLINE, controlled

pytestmark = pytest.mark.browser

MANAGER, REP = "manager2@example.com", "rep11@example.com"


def count(app: Flask, statement: Any) -> int:
    with app.app_context():
        return int(get_session().scalar(statement) or 0)


def audits(app: Flask, action: str, object_id: int) -> int:
    return count(
        app,
        select(func.count()).where(AuditEvent.action == action, AuditEvent.object_id == object_id),
    )


def drafts(app: Flask, manager_id: int, rep_id: int) -> list[int]:
    with app.app_context():
        return list(
            get_session().scalars(
                select(Note.id).where(
                    Note.manager_id == manager_id,
                    Note.rep_id == rep_id,
                    Note.status == NoteStatus.DRAFT,
                )
            )
        )


def posts_of(page: Page) -> list[str]:
    """The paths of the POST requests the page sends from now on."""
    sent: list[str] = []

    def seen(request: Request) -> None:
        if request.method == "POST" and request.frame == page.main_frame:
            sent.append(request.url.split("://", 1)[1].split("/", 1)[1])

    page.on("request", seen)
    return sent


def eventually(condition: Callable[[], bool], what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def outbox_empty(page: Page) -> None:
    wait_until(page, NOTHING_WAITING, 15)


def setting_up(app: Flask, marker: str) -> dict[str, Any]:
    """manager2's ride-along with rep11 today, and two open follow-ups of rep11's."""
    with app.app_context():
        db = get_session()
        manager = db.scalars(select(User).where(User.email == MANAGER)).one()
        rep = db.scalars(select(User).where(User.email == REP)).one()
        today = local_today(manager.timezone)
        ride = calendar.plan_ride_along(db, manager, rep.id, today, today)
        titles = [f"Send the dossier {marker}", f"Book the MSL {marker}"]
        items = [
            FollowUp(
                owner_id=rep.id,
                created_by_id=manager.id,
                title=title,
                due_date=local_today(rep.timezone) + dt.timedelta(days=2),
            )
            for title in titles
        ]
        db.add_all(items)
        db.commit()
        return {
            "manager_id": manager.id,
            "rep_id": rep.id,
            "rep_name": rep.name,
            "ride_id": ride.id,
            "follow_ups": [(item.id, item.title) for item in items],
        }


def make_shareable(app: Flask, note_id: int, marker: str) -> None:
    """What sharing asks of a note (a type, a rated competency, a focus), written as the
    manager would have on the debrief."""
    with app.app_context():
        db = get_session()
        note = db.get(Note, note_id)
        assert note is not None
        competency = note.guide_version.sections[0].competencies[0]
        note.type = NoteType.ONE_ON_ONE
        note.strengths = f"Opened with the customer's goals {marker}"
        note.development_focus = "Summarise the customer's concern before answering it"
        note.ratings.clear()
        db.flush()
        note.ratings = [
            NoteRating(competency_id=competency.id, score=3, evidence="Asked the CFO first")
        ]
        db.commit()


def test_a_double_tap_makes_one_record_online_and_offline(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: Any
) -> None:
    page_problems.expect(OFFLINE + r"|status of 503")
    marker = uuid.uuid4().hex[:8]
    day = setting_up(live_app, marker)
    rep_id, ride_id = day["rep_id"], day["ride_id"]
    manager = signed_in_phone(MANAGER)
    sent = posts_of(manager)

    # Log coaching, twice over: one draft, opened again.
    manager.goto(f"/people/{rep_id}")
    controlled(manager)
    before = drafts(live_app, day["manager_id"], rep_id)
    manager.get_by_role("button", name="Log coaching").dblclick()
    manager.wait_for_url("**/notes/*/edit")
    note_id = int(manager.url.rstrip("/").split("/")[-2])
    manager.goto(f"/people/{rep_id}")
    manager.get_by_role("button", name="Log coaching").click()
    manager.wait_for_url(f"**/notes/{note_id}/edit")
    after = drafts(live_app, day["manager_id"], rep_id)
    assert after == (before or [note_id]), (before, after)
    assert sent.count(f"people/{rep_id}/coaching") == 2  # one per tap that reached the page

    # A request that fails leaves the button ready for another try.
    share = manager.get_by_role("button", name="Share with rep")
    busy = '{"error": {"code": "unavailable", "message": "Busy, try again."}}'
    manager.route(
        "**/share",
        lambda route: route.fulfill(status=503, content_type="application/json", body=busy),
    )
    share.click()
    expect(manager.get_by_text("Busy, try again.")).to_be_visible()
    expect(share).to_be_enabled()
    manager.unroute("**/share")

    # Share with rep (htmx), double tapped: shared once.
    make_shareable(live_app, note_id, marker)
    manager.reload()
    manager.get_by_role("button", name="Share with rep").dblclick()
    manager.wait_for_url(f"**/notes/{note_id}")
    assert sent.count(f"notes/{note_id}/share") == 2  # the one that failed, then one
    assert audits(live_app, "session.share", note_id) == 1

    # Save call on the ride-along day, double tapped: one call.
    manager.goto(f"/ride-alongs/{ride_id}")
    manager.get_by_label("Account visited").fill("Sonoran Valley Health")
    manager.get_by_label("What you saw or heard").fill(f"Online call {marker}")
    manager.get_by_role("button", name="Save call").dblclick()
    calls = select(func.count()).where(
        RideAlongCall.ride_id == ride_id, RideAlongCall.evidence.contains(marker)
    )
    eventually(lambda: count(live_app, calls) >= 1, "the call was not saved")
    outbox_empty(manager)
    manager.goto("/notes/offline")  # kept by the service worker, for writing without signal

    # Without signal: the call again, and a note for the rep from "Log coaching".
    manager.context.set_offline(True)
    manager.goto(f"/ride-alongs/{ride_id}")
    manager.get_by_label("Account visited").fill("Sonoran Valley Health")
    manager.get_by_label("What you saw or heard").fill(f"Offline call {marker}")
    manager.get_by_role("button", name="Save call").dblclick()
    expect(manager.get_by_text("Saved on this phone — will sync (1 item waiting).")).to_be_visible()
    manager.goto(f"/people/{rep_id}")
    manager.get_by_role("button", name="Log coaching").dblclick()
    expect(manager.get_by_label("Rep")).to_have_value(str(rep_id))
    manager.locator("label[for='type-one_on_one']").click()
    manager.locator("fieldset.rating").first.locator(".segmented-scale label").nth(2).click()
    manager.get_by_label("Strengths in your words").fill(f"Offline note {marker}")
    manager.get_by_label("Focus in your words").fill("Plan the call with the MSL")
    manager.get_by_role("button", name="Share with rep").dblclick()
    expect(manager.get_by_text(f"Note for {day['rep_name']} saved on this phone")).to_have_count(1)
    expect(
        manager.get_by_text("Saved on this phone — will sync (2 items waiting).")
    ).to_be_visible()

    def offline_notes() -> list[int]:
        with live_app.app_context():
            return list(
                get_session().scalars(
                    select(Note.id).where(Note.strengths.contains(f"Offline note {marker}"))
                )
            )

    manager.context.set_offline(False)
    manager.reload()  # sent when the page loads with a connection
    eventually(lambda: count(live_app, calls) >= 2, "the kept call was not sent")
    eventually(
        lambda: any(audits(live_app, "session.share", n) for n in offline_notes()),
        "the kept note was not sent and shared",
    )
    outbox_empty(manager)
    manager.reload()  # a reload syncs again: nothing is sent twice
    outbox_empty(manager)
    assert count(live_app, calls) == 2
    (second_id,) = offline_notes()
    assert audits(live_app, "session.share", second_id) == 1

    # The rep acknowledges the first note and completes a follow-up, each double tapped.
    rep = signed_in_phone(REP)
    rep_sent = posts_of(rep)
    rep.goto(f"/notes/{note_id}")
    controlled(rep)
    rep.get_by_role("button", name="Acknowledge").dblclick()
    expect(rep.get_by_text("Acknowledged. Your manager can see your comment.")).to_be_visible()
    assert rep_sent.count(f"notes/{note_id}/acknowledge") == 1
    assert audits(live_app, "session.acknowledge", note_id) == 1
    (first_item, first_title), (second_item, second_title) = day["follow_ups"]
    rep.goto("/follow-ups")
    rep.locator("summary", has_text=f"Done: {first_title}").click()  # Done asks first
    rep.get_by_role("button", name=f"Mark {first_title} done").dblclick()
    expect(rep.get_by_role("button", name=f"Mark {first_title} done")).to_have_count(0)
    assert rep_sent.count(f"follow-ups/{first_item}") == 1
    assert audits(live_app, "follow_up.update", first_item) == 1

    # Without signal: the second note's acknowledgement and the other follow-up's Done.
    rep.goto(f"/notes/{second_id}")
    rep.context.set_offline(True)
    rep.reload()
    rep.get_by_role("button", name="Acknowledge").dblclick()
    expect(rep.get_by_text("Saved on this phone — will sync (1 item waiting).")).to_be_visible()
    rep.goto("/follow-ups")
    rep.locator("summary", has_text=f"Done: {second_title}").click()
    rep.get_by_role("button", name=f"Mark {second_title} done").dblclick()
    expect(rep.get_by_text("Saved on this phone — will sync (2 items waiting).")).to_be_visible()
    rep.context.set_offline(False)
    rep.reload()

    def both_sent() -> bool:
        with live_app.app_context():
            db = get_session()
            second = db.get(Note, second_id)
            item = db.get(FollowUp, second_item)
            return (
                second is not None
                and second.status == NoteStatus.ACKNOWLEDGED
                and item is not None
                and item.status == FollowUpStatus.DONE
            )

    eventually(both_sent, "the kept acknowledgement and Done were not sent")
    outbox_empty(rep)
    assert audits(live_app, "session.acknowledge", second_id) == 1
    assert audits(live_app, "follow_up.update", second_item) == 1


def test_a_note_refused_on_arrival_comes_back_to_its_form_as_typed(
    live_app: Flask,
    signed_in_phone: Callable[..., Page],
    page_problems: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The phone's calendar is ahead of the manager's (here the server's clock is held in
    March): the note kept today is refused when it arrives, said at the date, with
    everything typed back in the form; fixed and kept again, it is made once."""
    page_problems.expect(OFFLINE + r"|status of 422")
    monkeypatch.setattr(
        "coachapp.timezones.utcnow", lambda: dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC)
    )
    marker = uuid.uuid4().hex[:8]
    manager = signed_in_phone(MANAGER)
    with live_app.app_context():
        rep_id = get_session().scalars(select(User.id).where(User.email == REP)).one()
    manager.goto(f"/notes/offline?rep={rep_id}")
    manager.get_by_label("Strengths in your words").fill(f"Refused note {marker}")
    manager.get_by_label("Private notes (only you see these)").fill("Keep this too")
    # The kind of conversation is chosen, never assumed: said at its buttons first.
    manager.get_by_role("button", name="Keep as draft").click()
    expect(manager.locator("#type-error")).to_have_text(CHOOSE_TYPE)
    manager.locator("label[for='type-virtual_call']").click()
    manager.get_by_role("button", name="Keep as draft").click()
    status = manager.locator("[data-outbox-status]")
    expect(status).to_contain_text("was not sent: The conversation cannot be in the future.")

    status.get_by_role("link", name="Fix it").click()
    date = manager.get_by_label("Date", exact=True)
    expect(date).to_have_attribute("aria-invalid", "true")
    expect(manager.locator("#occurred_on-error")).to_have_text(
        "The conversation cannot be in the future."
    )
    expect(manager.get_by_label("Strengths in your words")).to_have_value(f"Refused note {marker}")
    private = manager.get_by_label("Private notes (only you see these)")
    expect(private).to_have_value("Keep this too")
    expect(manager.get_by_role("radio", name="Virtual call")).to_be_checked()
    date.fill("2026-03-09")
    manager.get_by_role("button", name="Keep as draft").click()
    made = select(Note.occurred_on).where(Note.strengths.contains(f"Refused note {marker}"))

    def dates() -> list[dt.date]:
        with live_app.app_context():
            return list(get_session().scalars(made))

    eventually(lambda: bool(dates()), "the fixed note was not sent")
    outbox_empty(manager)
    assert dates() == [dt.date(2026, 3, 9)]
