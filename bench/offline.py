"""The manager without signal, driven through the app's pages in Chromium at phone size: pages
opened before show as the phone's saved copy, a note is kept on the phone, and Today catches
up once it is synced.

The steps, by accessible names, for the browser test (tests/browser/test_homes.py) and the
screenshots (bench.screenshots). Each step waits for what the page shows when it is done; it
asserts nothing about the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Page, expect

from bench.blind_rating import Shot

# The files take_screenshots makes, in order.
FILES = ("offline-saved-copy.png", "offline-synced.png")
# The demo's rep overdue for coaching the longest (52 days).
REP = "Jamal Washington"


def keep_pages(page: Page, paths: list[str]) -> None:
    """Installs the service worker and opens these pages, so the phone keeps a copy of each."""
    page.goto(paths[0])
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    deadline = time.monotonic() + 10
    while not page.evaluate("navigator.serviceWorker.controller !== null"):
        assert time.monotonic() < deadline, "the service worker does not control the page"
        page.wait_for_timeout(100)
    for path in paths[1:]:
        page.goto(path)


def write_note_offline(page: Page, rep: str, strengths: str, focus: str) -> None:
    """On the note form that works without signal: a 1:1, one rating, a strength, a focus,
    shared."""
    page.goto("/notes/offline")
    page.get_by_label("Rep").select_option(label=rep)
    page.locator("label[for='type-one_on_one']").click()
    page.locator("fieldset.rating").first.locator(".segmented-scale label").nth(2).click()
    page.get_by_label("Strengths in your words").fill(strengths)
    page.get_by_label("Focus in your words").fill(focus)
    page.get_by_role("button", name="Share with rep").click()
    expect(page.get_by_text(f"Note for {rep} saved on this phone")).to_be_visible()


def back_online(page: Page) -> None:
    """The connection returns; the page hears of it as a phone's would."""
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")


def take_screenshots(new_page: Callable[[str], Page], shot: Shot) -> None:
    page = new_page("manager@example.com")
    keep_pages(page, ["/team", "/today", "/notes/offline"])
    page.context.set_offline(True)
    page.goto("/team")
    expect(page.locator("[data-saved-copy]")).to_contain_text("Saved copy from")
    shot(page, FILES[0])
    write_note_offline(
        page, REP, "Opened with the customer's budget cycle", "Name the next step before leaving"
    )
    page.goto("/today")
    back_online(page)
    expect(page.get_by_text(f"Synced: 1 item sent (Note for {REP}).")).to_be_visible()
    expect(page.locator("[data-saved-copy]")).to_contain_text("Back online")
    shot(page, FILES[1])
