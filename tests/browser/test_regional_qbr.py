"""The regional QBR in Chromium: on a phone (390x844) the summary comes first, nothing scrolls
sideways and each plan's card fits one screen; printed on A4, no table is wider than the
page's content box, no cell or line is cut, and no plan's card is split across pages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

# A4 (210 x 297 mm) less the 12 mm margins of the print style sheet's @page, in CSS px.
MM = 96 / 25.4
A4_CONTENT = {"width": round((210 - 24) * MM), "height": round((297 - 24) * MM)}

# Every box of the printed QBR that could be cut: tables against the content box, cells and
# lines against their own width, and the plan cards with how they break.
BOXES = """() => {
  const qbr = document.querySelector(".qbr-regional");
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {tag: el.tagName, text: el.textContent.trim().slice(0, 60), left: r.left,
            right: r.right, width: r.width, height: r.height,
            overflow: el.scrollWidth - el.clientWidth};
  };
  return {
    tables: [...qbr.querySelectorAll("table")].map(box),
    cells: [...qbr.querySelectorAll("th, td, li, p, dd, h2, h3")].map(box),
    cards: [...qbr.querySelectorAll(".qbr-card")].map((el) => ({
      ...box(el), breakInside: getComputedStyle(el).breakInside})),
    hidden: [...document.querySelectorAll(".bottom-nav, .qbr-regional form")].map(
      (el) => getComputedStyle(el).display),
  };
}"""


# The height a page shows between the fixed top bar and the bottom navigation.
SCREEN = """window.innerHeight
  - document.querySelector(".topbar").getBoundingClientRect().height
  - document.querySelector(".bottom-nav").getBoundingClientRect().height"""


def printed_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_the_regional_qbr_reads_on_a_phone_and_prints_on_a4_without_cut_tables(
    signed_in_phone: Callable[..., Page],
) -> None:
    page = signed_in_phone("director@example.com")
    page.goto("/plans/qbr")
    glance = page.get_by_role("heading", name="At a glance")
    expect(glance).to_be_visible()
    plans = page.get_by_role("heading", name="The plans")
    assert glance.bounding_box()["y"] < plans.bounding_box()["y"]  # type: ignore[index]

    # The phone: nothing wider than the screen, each plan's card within one screen, between
    # the top bar and the bottom navigation.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screen = page.evaluate(SCREEN)
    cards = page.locator(".qbr-card")
    heights = cards.evaluate_all("cards => cards.map((c) => c.getBoundingClientRect().height)")
    assert len(heights) >= 5, "the demo director's QBR shows several plans"
    assert max(heights) <= screen < PHONE["height"], (heights, screen)

    # Printed: laid out at the A4 content box's width, in print media.
    page.set_viewport_size(A4_CONTENT)
    page.emulate_media(media="print")
    boxes = page.evaluate(BOXES)
    assert boxes["tables"], "the QBR prints tables"
    for table in boxes["tables"]:
        assert table["left"] >= 0 and table["right"] <= A4_CONTENT["width"] + 0.5, table
        assert table["overflow"] <= 0, table
    cut = [cell for cell in boxes["cells"] if cell["overflow"] > 0]
    assert not cut, cut
    for card in boxes["cards"]:
        assert card["breakInside"] == "avoid", card
        assert card["height"] <= A4_CONTENT["height"], card
    assert boxes["hidden"] and set(boxes["hidden"]) == {"none"}  # navigation and the picker
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert 1 < printed_pages(pdf) < len(heights) + 2  # cards share pages, none has its own


def test_a_managers_team_qbr_names_the_team(signed_in_phone: Callable[..., Page]) -> None:
    page = signed_in_phone("manager@example.com")
    page.goto("/plans/qbr")
    page.get_by_label("Team").select_option(index=1)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=re.compile(r"'s team$"), level=2)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
