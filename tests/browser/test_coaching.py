"""The quick debrief on a phone: log, share, read, acknowledge — counting the manager's taps."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from coachapp.db import get_session
from coachapp.models import User

pytestmark = pytest.mark.browser

MAX_TAPS = 15


class Taps:
    """Counts every tap the user makes, including the tap into a field before typing."""

    def __init__(self) -> None:
        self.count = 0

    def tap(self, target: Locator) -> None:
        self.count += 1
        target.click()

    def type_into(self, target: Locator, text: str) -> None:
        self.count += 1
        target.fill(text)


def person_id(app: Flask, email: str) -> tuple[int, str]:
    with app.app_context():
        user = get_session().scalars(select(User).where(User.email == email)).one()
        return user.id, user.name


def test_quick_debrief_is_shared_read_and_acknowledged(
    live_app: Flask, signed_in_phone: Callable[..., Page]
) -> None:
    rep_id, rep_name = person_id(live_app, "rep1@example.com")
    manager = signed_in_phone("manager@example.com")
    manager.goto(f"/people/{rep_id}")
    expect(manager.get_by_text("What to coach on")).to_be_visible()

    taps = Taps()
    taps.tap(manager.get_by_role("button", name="Log coaching"))
    expect(manager.get_by_role("button", name="Share with rep")).to_be_visible()
    ratings = manager.locator("fieldset.rating")
    for index, score in ((0, 3), (1, 2), (2, 4)):
        taps.tap(ratings.nth(index).locator(".segmented-scale label").nth(score - 1))
    taps.tap(manager.get_by_text("Strong open questions", exact=True))
    taps.tap(manager.get_by_text("Use the profiling guide", exact=True))
    taps.type_into(manager.get_by_label("New follow-up"), "Send the formulary dossier to pharmacy")
    taps.tap(manager.get_by_role("button", name="Add follow-up"))
    expect(manager.locator("#follow-ups").get_by_text("Send the formulary dossier")).to_be_visible()
    taps.tap(manager.get_by_role("button", name="Share with rep"))
    expect(manager.get_by_text(f"Shared with {rep_name}.")).to_be_visible()
    assert taps.count <= MAX_TAPS, f"the quick path took {taps.count} taps"
    note_url = manager.url
    assert re.search(r"/notes/\d+$", note_url)

    rep = signed_in_phone("rep1@example.com")
    rep.get_by_role("navigation", name="Main").get_by_role("link", name="Notes").click()
    unread = rep.locator("a.list-row.unread").first
    expect(unread).to_be_visible()
    unread.click()
    expect(rep.get_by_text("Strong open questions")).to_be_visible()
    expect(rep.get_by_text("Send the formulary dossier to pharmacy")).to_be_visible()
    rep.get_by_label("Your comment (optional)").fill("Agreed. I'll book the MSL for the P&T prep.")
    rep.get_by_role("button", name="Acknowledge").click()
    expect(rep.get_by_text("Acknowledged. Your manager can see your comment.")).to_be_visible()

    manager.goto(note_url)
    expect(manager.get_by_role("heading", name=re.compile(r"^Acknowledged"))).to_be_visible()
    expect(manager.get_by_text("Agreed. I'll book the MSL for the P&T prep.")).to_be_visible()
