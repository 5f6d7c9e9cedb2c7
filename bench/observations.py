"""Observations across reporting lines, driven through the pages in Chromium at phone size: a
sales manager who rode with their rep at Granite Coast records what the market access
colleague did there; it goes to that colleague's own manager, who attaches it to a coaching
note and shares it; the colleague reads it on the note.

The steps people take, by accessible names, for the browser test
(tests/browser/test_observations.py) and the screenshots of each step (bench.screenshots).
Each step waits for what the page shows when it is done.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from bench.blind_rating import Shot, choose, no_shot

AUTHOR = "manager@example.com"  # rep1's manager; rep1 owns the Granite Coast plan
SUBJECT = "access1@example.com"  # Noah Feldman, market access, on that plan's team
LINE_MANAGER = "access-manager@example.com"
ACCOUNT = "Granite Coast Health System"
SUBJECT_NAME = "Noah Feldman"
BEHAVIOUR = "Works as one account team across functions"
SEEN = (
    "At the Granite Coast pharmacy meeting Noah laid out the prior-authorisation steps for the "
    "new indication before the committee asked, then handed the clinical questions to the MSL."
)
FILES = (
    "observation-write.png",
    "observation-routed.png",
    "observation-attached.png",
    "observation-on-note.png",
)


def from_the_account_team(author: Page, plan_id: int) -> None:
    """The author opens the plan, its whole account team, and the form for the colleague."""
    author.goto(f"/plans/{plan_id}")
    author.get_by_role("link", name="Whole account team").click()
    author.get_by_role("link", name=f"Record an observation of {SUBJECT_NAME}").click()


def from_observations(author: Page) -> None:
    """The author opens Observations, picks the account, then the colleague."""
    author.goto("/observations")
    author.get_by_role("link", name=ACCOUNT).click()
    author.get_by_role("link", name=re.compile(SUBJECT_NAME)).click()


def record(author: Page, shot: Shot = no_shot) -> int:
    """On the form for the colleague: the behaviour, what was seen, sent; the observation's
    id."""
    expect(author.get_by_role("heading", name="Record an observation")).to_be_visible()
    expect(author.locator("main")).to_contain_text(SUBJECT_NAME)
    choose(author, BEHAVIOUR)
    author.get_by_label("What you saw").fill(SEEN)
    shot(author, "observation-write.png")
    author.get_by_role("button", name=re.compile("^Send to ")).click()
    author.wait_for_url(re.compile(r"/observations/\d+$"))
    expect(author.get_by_text(re.compile(r"Sent to .+, Noah's line manager\."))).to_be_visible()
    return int(author.url.rsplit("/", 1)[1])


def receive(line_manager: Page, observation_id: int, shot: Shot = no_shot) -> None:
    """The colleague's line manager opens it from the Inbox."""
    line_manager.goto("/inbox")
    line_manager.get_by_role("button", name=re.compile(r"observed Noah at Granite Coast")).click()
    line_manager.wait_for_url(re.compile(rf"/observations/{observation_id}$"))
    expect(line_manager.get_by_role("heading", name=BEHAVIOUR)).to_be_visible()
    expect(line_manager.get_by_text(SEEN)).to_be_visible()
    shot(line_manager, "observation-routed.png")


def attach_and_share(line_manager: Page, shot: Shot = no_shot) -> int:
    """From the observation to a note to the colleague: log coaching, attach it, rate, give a
    focus, share. The note's id."""
    line_manager.get_by_role("button", name="Log coaching").click()
    line_manager.wait_for_url("**/edit")
    section = line_manager.locator("#observations")
    section.get_by_role("button", name=re.compile("^Attach")).click()
    expect(section.get_by_role("button", name=re.compile("^Detach"))).to_be_visible()
    section.scroll_into_view_if_needed()
    shot(line_manager, "observation-attached.png")
    choose(line_manager, "1:1")
    rating = line_manager.locator(".rating-group fieldset.rating").first
    rating.locator(".segmented-scale label").nth(2).click()
    line_manager.get_by_label("Development focus in your words").fill(
        "Agree with the sales lead who answers which payer question before the next meeting."
    )
    expect(line_manager.locator(".save-state")).to_contain_text("Draft saved")
    line_manager.get_by_role("button", name="Share with rep").click()
    line_manager.wait_for_url(re.compile(r"/notes/\d+$"))
    return int(line_manager.url.rsplit("/", 1)[1])


def read_on_the_note(subject: Page, note_id: int, shot: Shot = no_shot) -> None:
    subject.goto(f"/notes/{note_id}")
    heading = subject.get_by_role("heading", name="Observations from the account team")
    expect(heading).to_be_visible()
    expect(subject.get_by_text(SEEN)).to_be_visible()
    heading.scroll_into_view_if_needed()
    shot(subject, "observation-on-note.png")


def take_screenshots(new_page: Callable[[str], Page], shot: Shot) -> None:
    author = new_page(AUTHOR)
    from_observations(author)
    observation_id = record(author, shot)
    line_manager = new_page(LINE_MANAGER)
    receive(line_manager, observation_id, shot)
    note_id = attach_and_share(line_manager, shot)
    read_on_the_note(new_page(SUBJECT), note_id, shot)
