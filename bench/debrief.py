"""The quick debrief in a car park, at phone size: "Log coaching" after a 1:1, the rep's two
focus competencies rated with a line of what was seen, one marked a strength and the other
the focus, "Share with rep" in reach, all on the first screen (python -m bench.screenshots).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from bench.blind_rating import Shot, choose

MANAGER = "manager@example.com"
# rep2@example.com (user 7): two development focus competencies and no draft in the demo.
REP_ID = 7
FOCUS = {
    "Maps stakeholders and the decision process": (
        "Proficient",
        "Named the CFO as the budget holder before the P&T meeting",
        "Strength",
    ),
    "Leads the account team without formal authority": (
        "Building",
        "Let the MSL's objection stand; no ask of the team",
        "Focus",
    ),
}
FILES = ("manager-quick-debrief.png",)


def take_screenshots(new_page: Callable[[str], Page], shot: Shot) -> None:
    manager = new_page(MANAGER)
    manager.goto(f"/people/{REP_ID}")
    manager.get_by_role("button", name="Log coaching").click()
    manager.wait_for_url("**/edit")
    choose(manager, "1:1")
    for name, (label, evidence, chip) in FOCUS.items():
        choose(manager, f"{name}: {label}")
        manager.get_by_label(f"Evidence for {name.lower()}").fill(evidence)
        rating = manager.locator("fieldset.rating").filter(
            has=manager.get_by_text(name, exact=True)
        )
        rating.locator(".point-chips label", has_text=chip).click()
    expect(manager.locator(".save-state")).to_contain_text("Draft saved")
    expect(manager.locator("#debrief")).not_to_have_class(re.compile("htmx-request"))
    manager.evaluate("window.scrollTo(0, 0)")
    shot(manager, "manager-quick-debrief.png")
