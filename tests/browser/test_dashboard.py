"""The director's pages in Chromium: the team summary prints on one page, the trends are
drawn without breaking the Content-Security-Policy, the drill-down reaches a note, and the
search finds a rep."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def printed_pages(page: Page) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4")))


def test_the_team_summary_prints_on_one_page(signed_in_phone: Callable[..., Page]) -> None:
    page = signed_in_phone("director@example.com")
    page.goto("/org")
    page.get_by_role("link", name=re.compile(r"^Printable summary")).first.click()
    expect(page.get_by_role("heading", name=re.compile(r"'s team$"), level=2)).to_be_visible()
    page.emulate_media(media="print")
    assert printed_pages(page) == 1
    # The navigation is not printed.
    assert page.locator("nav.bottom-nav").is_hidden()
    # The count is real: the whole dashboard takes several pages.
    page.goto("/org")
    assert printed_pages(page) > 1


def test_trends_draw_as_svg_and_the_drill_down_reaches_a_note(
    signed_in_phone: Callable[..., Page],
) -> None:
    page = signed_in_phone("director@example.com")
    page.goto("/org")
    chart = page.get_by_role("img", name=re.compile(r"^Conversations per week, weeks ending"))
    expect(chart.first).to_be_visible()
    box = chart.first.bounding_box()
    assert box and box["width"] > 200 and box["height"] >= 30
    page.locator("main h2 a").first.click()
    expect(page.get_by_role("heading", name="Reps", level=2)).to_be_visible()
    page.locator("#reps-heading ~ ul a.list-row").first.click()
    page.wait_for_url(re.compile(r"/people/\d+$"))
    note = page.locator("a.list-row[href^='/notes/']").first
    note.click()
    page.wait_for_url(re.compile(r"/notes/\d+$"))
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Teams")
    ).to_have_attribute("aria-current", "page")


def test_find_a_rep_from_the_dashboard_as_one_types(signed_in_phone: Callable[..., Page]) -> None:
    """The search box lists the people found under it as one types (htmx), and the list
    leads to the rep's page; the form's own page (its GET, as sent without scripts) lists
    managers with their teams."""
    page = signed_in_phone("director@example.com")
    page.goto("/org")
    page.wait_for_function("typeof window.htmx === 'object'")
    search = page.get_by_role("search", name="Find a manager or rep")
    search.get_by_label("Name or email").fill("rep1@")
    found = page.locator("#people-found").get_by_role("link")
    expect(found).to_have_count(1)
    assert page.url.endswith("/org")  # the dashboard stayed
    found.click()
    page.wait_for_url(re.compile(r"/people/\d+$"))
    page.goto("/org/people?q=manager")
    expect(page.get_by_role("heading", name="People found", level=2)).to_be_visible()
    expect(page.locator("ul.people-found a[href^='/org/teams/']").first).to_be_visible()
