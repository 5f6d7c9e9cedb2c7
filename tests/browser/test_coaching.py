"""The quick debrief on a phone: log, share, read, acknowledge — counting the manager's taps."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from coachapp.coaching import service as coaching
from coachapp.db import get_session
from coachapp.models import DevelopmentFocus, Note, NoteStatus, User
from tests.browser.test_layout import looks_right

pytestmark = pytest.mark.browser

MAX_TAPS = 15
PHONE_HEIGHT = 844
BOXES = "(elements) => elements.map((e) => e.getBoundingClientRect().toJSON())"


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
    taps.tap(manager.locator("label[for='type-one_on_one']"))
    ratings = manager.locator(".rating-group fieldset.rating")
    for index, score in ((0, 3), (1, 2), (2, 4)):
        taps.tap(ratings.nth(index).locator(".segmented-scale label").nth(score - 1))
    # The third, rated 4, is a strength; the second, rated 2, the focus.
    strength = ratings.nth(2).locator("legend").inner_text()
    focus = ratings.nth(1).locator("legend").inner_text()
    taps.tap(ratings.nth(2).locator(".point-chips label").first)
    taps.tap(ratings.nth(1).locator(".point-chips label").last)
    taps.type_into(manager.get_by_label("New follow-up"), "Send the formulary dossier to pharmacy")
    taps.tap(manager.get_by_role("button", name="Add follow-up"))
    expect(
        manager.locator("#follow-ups").get_by_text("Send the formulary dossier", exact=False).first
    ).to_be_visible()
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
    expect(rep.get_by_text(strength).first).to_be_visible()
    expect(rep.get_by_text(focus).first).to_be_visible()
    expect(rep.get_by_text("Send the formulary dossier to pharmacy")).to_be_visible()
    rep.get_by_label("Your comment (optional)").fill("Agreed. I'll book the MSL for the P&T prep.")
    rep.get_by_role("button", name="Acknowledge").click()
    expect(rep.get_by_text("Acknowledged. Your manager can see your comment.")).to_be_visible()

    manager.goto(note_url)
    expect(manager.get_by_role("heading", name=re.compile(r"^Acknowledged"))).to_be_visible()
    expect(manager.get_by_text("Agreed. I'll book the MSL for the P&T prep.")).to_be_visible()


def rep_with_focus(app: Flask) -> tuple[int, str, list[str]]:
    """One of manager@example.com's reps with development focus competencies and no draft
    (rep1 is left to the story above): their id, name and focus competency names."""
    with app.app_context():
        db = get_session()
        manager = db.scalars(select(User).where(User.email == "manager@example.com")).one()
        drafted = set(
            db.scalars(
                select(Note.rep_id).where(
                    Note.manager_id == manager.id,
                    Note.status == NoteStatus.DRAFT,
                )
            )
        )
        for rep in db.scalars(
            select(User).where(User.manager_id == manager.id).order_by(User.email.desc())
        ):
            keys = set(
                db.scalars(
                    select(DevelopmentFocus.competency_key).where(
                        DevelopmentFocus.rep_id == rep.id, DevelopmentFocus.active.is_(True)
                    )
                )
            )
            if keys and rep.id not in drafted and rep.email != "rep1@example.com":
                guide = coaching.guide_for(db, rep)
                names = [c.name for s in guide.sections for c in s.competencies if c.key in keys]
                return rep.id, rep.name, names
    raise AssertionError("the demo has no rep with a development focus and no draft")


def test_the_quick_debrief_fits_one_phone_screen(
    live_app: Flask, signed_in_phone: Callable[..., Page]
) -> None:
    """At 390x844, before any scrolling: the kind of conversation, the rep's focus
    competencies rated with their Strength and Focus chips, and "Share with rep" on a one-row
    bar above the navigation."""
    rep_id, rep_name, focus = rep_with_focus(live_app)
    manager = signed_in_phone("manager@example.com")
    manager.goto(f"/people/{rep_id}")
    manager.get_by_role("button", name="Log coaching").click()
    manager.wait_for_url(re.compile(r"/notes/\d+/edit$"))
    assert manager.locator("#type input:checked").count() == 0  # no kind assumed

    def tap(role: str, name: str) -> None:
        control = manager.get_by_role(role, name=name, exact=True)  # type: ignore[arg-type]
        manager.locator(f"label[for='{control.get_attribute('id')}']").click()

    tap("radio", "1:1")
    focus = focus[:2]  # a rep has one or two
    for name, label in zip(focus, ("Proficient", "Building"), strict=False):
        tap("radio", f"{name}: {label}")

    def rating_of(name: str) -> Locator:
        return manager.locator("fieldset.rating").filter(has=manager.get_by_text(name, exact=True))

    rating_of(focus[-1]).locator(".point-chips label", has_text="Focus").click()
    if len(focus) > 1:
        rating_of(focus[0]).locator(".point-chips label", has_text="Strength").click()
    assert manager.evaluate("window.scrollY") == 0, "the taps scrolled the page"

    bar = manager.locator(".sticky-actions")
    bar_box = bar.bounding_box()
    top_bar = manager.locator("header.topbar").bounding_box()
    assert bar_box and top_bar
    for name in focus:
        box = rating_of(name).bounding_box()
        assert box, name
        # Rated, with its evidence line and chips, between the title bar and the share bar.
        assert top_bar["y"] + top_bar["height"] <= box["y"], (name, box)
        assert box["y"] + box["height"] <= bar_box["y"], (name, box, bar_box)
    share = manager.get_by_role("button", name="Share with rep")
    share_box = share.bounding_box()
    assert share_box and share_box["y"] + share_box["height"] <= PHONE_HEIGHT
    # One row: every control of the bar on the same line, the bar no taller than a button.
    tops = {round(b["y"]) for b in bar.locator(".button").evaluate_all(BOXES)}
    assert len(tops) == 1, tops
    assert bar_box["height"] < 2 * share_box["height"], bar_box

    # Once the autosave has answered (the form is dimmed while it is sent): no sideways
    # scroll, 44 px targets, readable contrast.
    expect(manager.locator(".save-state")).to_contain_text("Draft saved")
    expect(manager.locator("#debrief")).not_to_have_class(re.compile(r"htmx-request"))
    looks_right(manager)

    share.click()
    expect(manager.get_by_text(f"Shared with {rep_name}.")).to_be_visible()
    expect(manager.get_by_text(focus[-1]).first).to_be_visible()
