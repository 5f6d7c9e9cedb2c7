"""Each home on a phone at 390x844: what waits is on the first screen, without scrolling;
and a page shown from the phone's copy says so, turns off what needs the network, and
catches up after the phone has synced what it kept."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from bench import offline
from bench.offline import back_online, keep_pages, write_note_offline
from coachapp.coaching.service import unread_notes_count
from coachapp.db import get_session
from coachapp.models import NoteStatus, User
from tests.browser.test_offline import OFFLINE, notes_with, person

pytestmark = pytest.mark.browser


def on_first_screen(target: Locator) -> None:
    """Visible without scrolling: inside the viewport, above the bottom navigation."""
    page = target.page
    expect(target).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    box = target.bounding_box()
    nav = page.locator("nav.bottom-nav").bounding_box()
    assert box is not None and nav is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= nav["y"], f"{target} is below the fold"


def count_of(page: Page, label: str) -> int:
    tile = page.get_by_role("link", name=re.compile(rf"^\d+ {label}\b"))
    return int(tile.locator(".count-figure").inner_text())


def test_what_waits_is_on_the_first_screen(
    live_app: Flask, signed_in_phone: Callable[..., Page]
) -> None:
    manager = signed_in_phone("manager@example.com")
    for label in ("Coaching due", "Drafts", "Follow-ups overdue", "Follow-ups due"):
        on_first_screen(manager.get_by_role("link", name=re.compile(rf"^\d+ {label}\b")))
    _, rider = person(live_app, "rep3@example.com")  # the demo's ride-along tomorrow
    on_first_screen(manager.get_by_text(f"Tomorrow · {rider}"))
    on_first_screen(
        manager.get_by_role("link", name=f"Prepare the ride-along with {rider} tomorrow")
    )
    # The whole of Today is one screen.
    assert manager.evaluate("document.documentElement.scrollHeight <= window.innerHeight")

    # A rep with a note shared in the last days: it comes first, with its button.
    email = "rep4@example.com"
    with live_app.app_context():
        db = get_session()
        rep = db.scalars(select(User).where(User.email == email)).one()
        unread = unread_notes_count(db, rep)
    assert unread >= 1, "the demo leaves rep4's latest note unread"
    home = signed_in_phone(email)
    card = home.get_by_role("region", name="Needs your action").locator("article").first
    on_first_screen(card)
    on_first_screen(card.get_by_role("link", name=re.compile(r"^(Rate yourself|Read and ack)")))
    nav = home.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name=f"Notes, {unread} unread", exact=True)).to_be_visible()


def test_a_saved_copy_says_so_and_catches_up_after_sync(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: Any
) -> None:
    page_problems.expect(OFFLINE)
    rep_id, rep_name = person(live_app, "rep7@example.com")  # overdue for coaching
    assert rep_name == offline.REP
    marker = f"Saved-copy marker {uuid.uuid4().hex[:8]}"
    page = signed_in_phone("manager@example.com")
    keep_pages(page, ["/team", "/today", "/notes/offline"])

    # Without signal, the team page is the phone's copy: it says so and how old it is, and
    # the filter and the downloads are off.
    page.context.set_offline(True)
    page.goto("/team")
    saved = page.locator("[data-saved-copy]")
    expect(saved).to_contain_text(re.compile(r"Saved copy from \d{1,2}:\d{2}, offline\."))
    expect(page.get_by_role("combobox", name="Period")).to_be_disabled()
    expect(page.get_by_role("button", name="Show")).to_be_disabled()
    for download in ("Cadence CSV", "Notes CSV"):
        expect(page.get_by_role("link", name=download)).to_have_attribute("aria-disabled", "true")
    expect(page.get_by_role("link", name=rep_name)).to_be_visible()  # the rest still works

    # A note written without signal waits on the phone (its form works offline).
    write_note_offline(page, rep_name, marker, "Name the next step before leaving")

    page.goto("/today")
    expect(page.locator("[data-saved-copy]")).to_contain_text("Saved copy from")
    expect(page.get_by_text("Saved on this phone — will sync (1 item waiting).")).to_be_visible()
    due = count_of(page, "Coaching due")

    # Back online: the note is sent, the page says so, and the count follows, no reload.
    back_online(page)
    expect(page.get_by_text(f"Synced: 1 item sent (Note for {rep_name}).")).to_be_visible()
    expect(page.get_by_text("will sync")).to_have_count(0)
    deadline = time.monotonic() + 10
    while count_of(page, "Coaching due") != due - 1:
        assert time.monotonic() < deadline, "the count did not follow the synced note"
        page.wait_for_timeout(100)
    expect(page.locator("[data-saved-copy]")).to_contain_text("Back online")
    [note] = notes_with(live_app, marker)
    assert note.rep_id == rep_id and note.status == NoteStatus.SHARED
