"""An account-team review driven through the pages in Chromium at phone size: a manager opens
their rep's account plan, runs a review with the whole team (every line), rates the 3C's for
the team, agrees who does what with owners in other lines, and saves; a colleague of another
line acknowledges it.

The steps by accessible names, for the screenshots (bench.screenshots) and the browser test
(tests/browser/test_account_review.py). Each step waits for what the page shows when it is
done.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from bench.blind_rating import choose

Shot = Callable[[Page, str], None]
FILES = ("account-team-review-form.png", "account-team-review.png")
PLAN_PROGRESS = (
    "P&T moved to 12 March. The chair wants 12-month outcomes data first; the prior-"
    "authorisation route for the infusion centre is still open."
)
# (what, the owner's function as the form names it, days from today)
AGREEMENTS = (
    ("Bring the outcomes summary to the P&T pre-read", "Medical science liaison", 12),
    ("Confirm the prior-authorisation route with the infusion centre", "Market access", 7),
)


def no_shot(_page: Page, _name: str) -> None:
    pass


def run_review(manager: Page, plan_id: int, shot: Shot = no_shot) -> int:
    """From the plan's page: the review with the whole team, saved and shared; its id."""
    manager.goto(f"/plans/{plan_id}")
    manager.get_by_role("link", name="Run an account-team review").click()
    expect(manager.get_by_role("heading", name="The team on the 3C's")).to_be_visible()
    manager.get_by_label("How the plan is going").fill(PLAN_PROGRESS)
    for label, level in (
        ("Collaboration", "Proficient"),
        ("Coordination", "Building"),
        ("Communication", "Proficient"),
    ):
        choose(manager, f"{label}: {level}")
    manager.get_by_label("What shows it, for collaboration").fill(
        "The MSL briefed the team before the pharmacy call."
    )
    manager.get_by_label("What shows it, for coordination").fill(
        "Two visits to the P&T chair in one week, unplanned."
    )
    today = dt.date.today()
    for row, (title, function, days) in enumerate(AGREEMENTS):
        manager.locator(f"#agreement-{row}-title").fill(title)
        owner = manager.locator(f"#agreement-{row}-owner_id option", has_text=f"({function})")
        value = owner.first.get_attribute("value")
        assert value is not None, f"no one of {function} on the team"
        manager.locator(f"#agreement-{row}-owner_id").select_option(value)
        manager.locator(f"#agreement-{row}-due_date").fill((today + dt.timedelta(days)).isoformat())
    shot(manager, "account-team-review-form.png")
    manager.get_by_role("button", name="Save and share").click()
    expect(manager.get_by_text("Review saved and shared")).to_be_visible()
    expect(manager.locator("#agreements-heading")).to_be_visible()
    shot(manager, "account-team-review.png")
    found = re.search(r"/reviews/(\d+)", manager.url)
    assert found is not None, manager.url
    return int(found.group(1))


def acknowledge(person: Page, review_id: int, comment: str = "") -> None:
    """A participant (or their line manager) reads the review and acknowledges it."""
    person.goto(f"/reviews/{review_id}")
    expect(person.get_by_role("heading", name="Acknowledge this review")).to_be_visible()
    if comment:
        person.get_by_label("Your comment (optional)").fill(comment)
    person.get_by_role("button", name="Acknowledge").click()
    expect(person.get_by_text("You acknowledged this review")).to_be_visible()


def take_screenshots(new_page: Callable[[str], Page], shot: Shot) -> None:
    """manager@ reviews rep1@'s account (plan 1) with its whole team."""
    manager = new_page("manager@example.com")

    def tall(page: Page, name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 390, "height": min(height, 1700)})
        shot(page, name)
        page.set_viewport_size({"width": 390, "height": 844})

    run_review(manager, 1, tall)
