"""The ride-along day at 390x844 in Chromium, across every role: the rep prepares it (what
they want help with, the day's accounts and objectives, the last agreements closed with
evidence); the manager captures three calls with the network off, they reach the server
exactly once when it returns, and the day becomes one note whose caps the debrief enforces;
the rep rates themself blind on that note, then sees the manager's ratings with the gap, and
acknowledges; the director's coaching-quality figures for the manager change."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from bench.blind_rating import acknowledge, quality_row, rate_yourself_blind
from bench.ride_along import (
    ENGAGEMENT,
    LISTENING,
    NEXT_STEPS,
    capture,
    close_agreements,
    demo_calls,
    plan_day,
    prepare,
    tap_label_of,
    write_note,
)
from coachapp.db import get_session
from coachapp.models import (
    FollowUp,
    FollowUpStatus,
    Note,
    NoteRating,
    NoteStatus,
    PlannedRideAlong,
    RideAlongCall,
    User,
)
from coachapp.timezones import local_today
from tests.browser.test_layout import looks_right
from tests.browser.test_offline import controlled

pytestmark = pytest.mark.browser

# manager2 and rep12 (whose last note has an open agreement): no other browser test changes
# their data.
MANAGER, REP = "manager2@example.com", "rep10@example.com"
OFFLINE = r"ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR_FAILED"


def rep_of(app: Flask) -> tuple[int, str, list[str], dt.date]:
    """The rep's id, first name, accounts of their live plans, and today on their calendar."""
    from coachapp.coaching import preparation

    with app.app_context():
        db = get_session()
        rep = db.scalars(select(User).where(User.email == REP)).one()
        plans = preparation.rep_plans(db, rep, rep)
        return (
            rep.id,
            rep.first_name,
            [p.account.name for p in plans],
            local_today(rep.timezone),
        )


def open_agreements(app: Flask, rep_id: int) -> list[FollowUp]:
    with app.app_context():
        return list(
            get_session().scalars(
                select(FollowUp).where(
                    FollowUp.owner_id == rep_id, FollowUp.status == FollowUpStatus.OPEN
                )
            )
        )


def calls_of(app: Flask, ride_id: int) -> list[RideAlongCall]:
    with app.app_context():
        return list(
            get_session().scalars(select(RideAlongCall).where(RideAlongCall.ride_id == ride_id))
        )


def director_of(app: Flask) -> tuple[str, str]:
    """The email of the manager's director, and the manager's name as the director's
    coaching-quality table shows it."""
    with app.app_context():
        db = get_session()
        manager = db.scalars(select(User).where(User.email == MANAGER)).one()
        director = db.get(User, manager.manager_id)
        assert director is not None
        return director.email, manager.name


def manager_scores(app: Flask, note_id: int) -> dict[str, int]:
    with app.app_context():
        return {
            r.competency.name: r.score
            for r in get_session().scalars(
                select(NoteRating).where(NoteRating.session_id == note_id)
            )
            if r.score is not None
        }


def test_the_ride_along_day_on_a_phone(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: Any
) -> None:
    page_problems.expect(OFFLINE + r"|status of 422")
    rep_id, first, accounts, today = rep_of(live_app)
    assert accounts, "the demo gives the rep an account plan"
    director_email, manager_name = director_of(live_app)
    director = signed_in_phone(director_email)
    quality_before = quality_row(director, manager_name)
    manager = signed_in_phone(MANAGER)
    rep = signed_in_phone(REP)
    # The service worker installs first: its shell includes the offline page, whose load
    # would otherwise take a flash message meant for the page after a form post.
    for page in (manager, rep):
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    # Before the ride: planned by the manager, prepared by the rep.
    ride_id = plan_day(manager, rep_id, today)
    looks_right(manager)  # the rep's page with the day planned
    rep.goto("/my")
    looks_right(rep)
    rep.get_by_role("link", name="Prepare it").first.click()
    prepare(
        rep,
        ride_id,
        "Getting past the budget objection with hospital finance",
        {accounts[0]: "Agree the P&T submission date"},
        {"Lakeside Infusion Center": "Meet the new nurse manager"},
    )
    expect(rep.get_by_text("Prepared", exact=True)).to_be_visible()
    looks_right(rep)
    agreements = [a.id for a in open_agreements(live_app, rep_id)]
    closed = close_agreements(rep, ride_id, "Sent on Monday; pharmacy confirmed")
    assert closed >= 1
    with live_app.app_context():
        db = get_session()
        ride = db.get(PlannedRideAlong, ride_id)
        assert ride is not None and ride.help_request.startswith("Getting past the budget")
        assert [s.name for s in ride.stops] == [accounts[0], "Lakeside Infusion Center"]
        done = [db.get(FollowUp, i) for i in agreements]
        assert sum(1 for f in done if f and f.evidence == "Sent on Monday; pharmacy confirmed") == (
            closed
        )

    # During the ride: the manager's page is kept on the phone; three calls without signal.
    manager.goto(f"/ride-alongs/{ride_id}")
    controlled(manager)
    expect(manager.get_by_text("Sent on Monday; pharmacy confirmed").first).to_be_visible()
    manager.context.set_offline(True)
    manager.reload()  # served by the service worker
    expect(manager.get_by_role("heading", name="Log a call")).to_be_visible()
    calls = demo_calls(accounts[0])
    # Another account: its name is typed in a field of its own, a full-size one.
    tap_label_of(manager, "radio", "Another account")
    expect(manager.get_by_label("Account visited")).to_be_visible()
    looks_right(manager)
    # A ticked competency without a rating is said on the phone, before anything is kept.
    tap_label_of(manager, "checkbox", NEXT_STEPS)
    manager.get_by_role("button", name="Save call").click()
    expect(manager.get_by_text("Give each competency you ticked a rating")).to_be_visible()
    tap_label_of(manager, "checkbox", NEXT_STEPS)
    for index, call in enumerate(calls, start=1):
        capture(manager, call)
        kept = manager.get_by_role("list", name="Kept on this phone").get_by_role("listitem")
        expect(kept).to_have_count(index)
        # The next call starts at the same account.
        chosen = "Another account" if call.other else call.account
        expect(manager.get_by_role("radio", name=chosen, exact=True)).to_be_checked()
        if call.other:
            expect(manager.get_by_label("Account visited")).to_have_value(call.account)
    expect(
        manager.get_by_text("Saved on this phone — will sync (3 items waiting).")
    ).to_be_visible()
    assert calls_of(live_app, ride_id) == []

    # Back online: sent once each, the list comes from the server.
    manager.context.set_offline(False)
    manager.evaluate("window.dispatchEvent(new Event('online'))")
    deadline = time.monotonic() + 15
    while len(calls_of(live_app, ride_id)) < 3:
        assert time.monotonic() < deadline, "the kept calls were not sent"
        manager.wait_for_timeout(200)
    expect(manager.locator("#calls .count")).to_have_text("3")
    looks_right(manager)
    expect(manager.get_by_role("list", name="Kept on this phone")).to_be_hidden()
    manager.reload()  # a reload syncs again: nothing is sent twice
    manager.wait_for_timeout(500)
    stored = calls_of(live_app, ride_id)
    assert len(stored) == 3 and len({c.client_uuid for c in stored}) == 3
    assert sorted(c.account_name for c in stored) == sorted(c.account for c in calls)

    # End of the day: one note, pre-filled from the calls, within the caps.
    note_id = write_note(manager, ride_id)
    expect(manager.get_by_text(f"{first} asked for help with")).to_be_visible()
    looks_right(manager)
    strengths = manager.get_by_label("Strengths in your words")
    # The highest ratings with the call that shows each best; the lowest as the focus.
    expect(strengths).to_have_value(
        f"{ENGAGEMENT}: Asked the CFO what would change the vote; talked over her answer"
        f" ({accounts[0]})\n{NEXT_STEPS}: Left the dossier with a dated follow-up"
        " (Corner pharmacy)"
    )
    focus = manager.get_by_label("Development focus in your words")
    expect(focus).to_have_value(
        f"{LISTENING}: Interrupted the nurse manager twice while she described the infusion "
        "workflow (Lakeside Infusion Center)"
    )
    strengths.fill("Great job\nOpened with the agenda\nUsed the budget model\nBrought the MSL in")
    strengths.blur()
    expect(manager.get_by_text("At most 3 strengths, one per line")).to_be_visible()
    manager.get_by_label("Strengths in your words").fill(
        "Great job\nAsked the CFO what would change the vote"
    )
    manager.get_by_label("Development focus in your words").fill("")
    manager.get_by_role("button", name="Share with rep").click()
    expect(manager.get_by_text("Add a development focus before sharing").first).to_be_visible()
    expect(manager.get_by_text("Reads as general praise").first).to_be_visible()
    manager.get_by_label("Development focus in your words").fill(
        "Summarise the customer's concern before answering it"
    )
    manager.get_by_role("button", name="Share with rep").click()
    manager.wait_for_url(f"**/notes/{note_id}")
    with live_app.app_context():
        db = get_session()
        note = db.get(Note, note_id)
        assert note is not None and note.status == NoteStatus.SHARED
        assert note.development_focus == "Summarise the customer's concern before answering it"
        written = db.scalar(select(func.count()).where(PlannedRideAlong.session_id == note_id))
        assert written == 1

    # The rep rates themself blind: the manager's scores stay out of the page and the API.
    scores = manager_scores(live_app, note_id)
    assert scores, "the note carries the calls' ratings"
    rep.goto(f"/notes/{note_id}")
    expect(rep.get_by_role("heading", name="Rate yourself first")).to_be_visible()
    expect(rep.locator(".rating-row")).to_have_count(0)
    hidden = rep.evaluate(
        "id => fetch(`/api/v1/coaching-sessions/${id}`).then(r => r.json())", note_id
    )
    assert hidden["ratings_hidden"] is True and hidden["ratings"] == [], hidden
    looks_right(rep)
    # Two points or more from the manager on every competency: each is a talking point.
    own = {name: "Role model" if score <= 2 else "Developing" for name, score in scores.items()}
    rate_yourself_blind(rep, note_id, own)
    expect(rep.get_by_role("heading", name="Talking points")).to_be_visible()
    expect(rep.locator(".gap-big")).to_have_count(len(own))
    looks_right(rep)
    shown = rep.evaluate(
        "id => fetch(`/api/v1/coaching-sessions/${id}`).then(r => r.json())", note_id
    )
    assert shown["ratings_hidden"] is False
    assert {r["score"] for r in shown["ratings"] if r["score"] is not None} == set(scores.values())
    acknowledge(rep, note_id)
    with live_app.app_context():
        note = get_session().get(Note, note_id)
        assert note is not None and note.status == NoteStatus.ACKNOWLEDGED
        assert note.self_rated_at is not None

    # The director sees the manager's coaching-quality figures move.
    quality_after = quality_row(director, manager_name)
    assert quality_after != quality_before, (quality_before, quality_after)
    looks_right(director)
