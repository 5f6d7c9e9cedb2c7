"""On a phone at 390x844: finding a time zone by typing a few letters (with the script, the
list filters as typed; without it, the search box itself is sent), and a destructive tap
that asks first, where "Keep it" leaves everything as it was."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from coachapp.db import get_session
from coachapp.models import FollowUp, FollowUpStatus, User
from tests.browser.conftest import PHONE, PageProblems
from tests.browser.test_layout import looks_right

pytestmark = pytest.mark.browser

# Someone whose time zone and follow-ups no other browser test reads.
TIME_ZONE_USER = "rep11@example.com"
FOLLOW_UP_OWNER = "rep9@example.com"


def timezone_of(app: Flask, email: str) -> str:
    with app.app_context():
        return get_session().scalars(select(User.timezone).where(User.email == email)).one()


def test_a_time_zone_is_found_by_typing_a_few_letters(
    live_app: Flask,
    signed_in_phone: Callable[..., Page],
    new_phone: Callable[..., Page],
    page_problems: PageProblems,
) -> None:
    before = timezone_of(live_app, TIME_ZONE_USER)
    page = signed_in_phone(TIME_ZONE_USER)
    page.goto("/me")
    picker = page.get_by_label("Time zone", exact=True)
    search = page.get_by_label("Search time zones")
    groups = picker.locator("optgroup")
    expect(groups.first).to_have_attribute("label", "Common")
    assert groups.count() == 11
    assert picker.input_value() == before

    search.fill("zuri")
    expect(page.get_by_text("1 time zone matches; choose one in the list.")).to_be_visible()
    expect(picker.locator("option")).to_have_count(2)  # Zurich is "Common" and in Europe
    assert picker.input_value() == "Europe/Zurich"
    assert page.viewport_size == PHONE
    looks_right(page)
    search.fill("united states")
    assert picker.locator("option").count() > 20
    picker.select_option("America/Boise")
    search.fill("")
    expect(picker.locator("optgroup")).to_have_count(11)
    assert picker.input_value() == "America/Boise"  # emptying the search keeps the choice
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    assert timezone_of(live_app, TIME_ZONE_USER) == "America/Boise"

    # Before the script runs (here: never), the search box is an input of its own.
    page_problems.expect(r"status of 422 .*/me/profile")  # the refused zone, below
    plain = new_phone(java_script_enabled=False, storage_state=page.context.storage_state())
    plain.goto("/me")
    plain.get_by_label("Search time zones").fill("Atlantis")
    plain.get_by_role("button", name="Save profile").click()
    field = plain.locator(".timezone-picker")
    expect(field.get_by_text("“Atlantis” is not a time zone here")).to_be_visible()
    expect(plain.get_by_label("Search time zones")).to_have_value("Atlantis")
    plain.get_by_label("Search time zones").fill(before)
    plain.get_by_role("button", name="Save profile").click()
    expect(plain.get_by_text("Profile saved.")).to_be_visible()
    assert timezone_of(live_app, TIME_ZONE_USER) == before


def test_done_asks_first_and_keep_it_changes_nothing(
    live_app: Flask, signed_in_phone: Callable[..., Page]
) -> None:
    with live_app.app_context():
        db = get_session()
        owner = db.scalars(select(User.id).where(User.email == FOLLOW_UP_OWNER)).one()
        item = db.scalars(
            select(FollowUp)
            .where(FollowUp.owner_id == owner, FollowUp.status == FollowUpStatus.OPEN)
            .order_by(FollowUp.due_date, FollowUp.id)
        ).first()
        assert item is not None, f"the demo gives {FOLLOW_UP_OWNER} open follow-ups"
        item_id, title = item.id, item.title

    page = signed_in_phone(FOLLOW_UP_OWNER)
    page.goto("/follow-ups")
    done = page.locator("summary", has_text=f"Done: {title}")
    confirm = page.get_by_role("button", name=f"Mark {title} done")
    expect(confirm).to_be_hidden()  # one tap cannot complete it

    done.tap()
    question = page.get_by_role("group", name=f"Done: {title}?").get_by_text(
        "Mark this follow-up done?"
    )
    expect(question).to_be_visible()
    expect(confirm).to_be_visible()
    expect(confirm).to_be_in_viewport()
    looks_right(page)
    keep = page.locator("details.confirm[open] > summary")
    expect(keep).to_have_accessible_name("Keep it")
    keep.tap()
    expect(confirm).to_be_hidden()
    with live_app.app_context():
        assert get_session().get(FollowUp, item_id).status == FollowUpStatus.OPEN  # type: ignore[union-attr]

    done.tap()
    confirm.tap()
    page.wait_for_url(re.compile(r"/follow-ups$"))
    expect(page.get_by_text(title, exact=True)).to_have_count(0)
    with live_app.app_context():
        assert get_session().get(FollowUp, item_id).status == FollowUpStatus.DONE  # type: ignore[union-attr]
