"""Every role's pages on a phone: at 360 and 390 px no horizontal scroll, nothing sticking out
of the viewport (but a wide table, which scrolls sideways in its own box by one screen at
most) and tap targets of at least 44x44 CSS px; in the light and the dark theme, text
contrast of at least WCAG AA."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.test_theme import low_contrast

pytestmark = pytest.mark.browser

WIDTHS = (360, 390)
HEIGHT = 780
MIN_TARGET = 44

# Returns what breaks the layout rules on the current page.
LAYOUT_PROBLEMS = """
(viewportWidth) => {
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden";
  };
  const describe = (el) => {
    const classes = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    const id = el.id ? "#" + el.id : "";
    return `${el.tagName.toLowerCase()}${id}${classes} "${text.slice(0, 40)}"`;
  };

  const outside = [];
  for (const el of document.body.querySelectorAll("*")) {
    // Visually hidden text and the skip link are deliberately off-screen or 1 px.
    if (el.closest(".visually-hidden, .skip-link") || !shown(el)) continue;
    const scroller = el.closest(".table-scroll");
    if (scroller && scroller !== el) {
      // A wide table scrolls in its own box, the page does not: one more screen at most.
      if (scroller.scrollWidth > 2 * viewportWidth && el.parentElement === scroller) {
        outside.push(`${describe(el)} scrolls ${scroller.scrollWidth} px sideways`);
      }
      continue;
    }
    const box = el.getBoundingClientRect();
    if (box.right > viewportWidth + 1 || box.left < -1) {
      outside.push(`${describe(el)} spans ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }

  const small = [];
  const targets = document.querySelectorAll(":is(main, nav, header) :is(a[href], button,"
    + " input:not([type=hidden]), select, textarea, summary)");
  for (const el of targets) {
    if (!shown(el)) continue;
    // A link inside a sentence is text, not a tap target of its own (WCAG 2.5.8 exception).
    const inline = getComputedStyle(el).display === "inline";
    if (el.tagName === "A" && inline && el.closest("p")) continue;
    let box = el.getBoundingClientRect();
    let [left, top, right, bottom] = [box.left, box.top, box.right, box.bottom];
    if (el.type === "checkbox" || el.type === "radio") {
      // Its label toggles it too: the target is the control and its label together.
      for (const label of el.labels) {
        const l = label.getBoundingClientRect();
        [left, top] = [Math.min(left, l.left), Math.min(top, l.top)];
        [right, bottom] = [Math.max(right, l.right), Math.max(bottom, l.bottom)];
      }
    }
    const [width, height] = [right - left, bottom - top];
    if (width < MIN - 0.5 || height < MIN - 0.5) {
      small.push(`${describe(el)} is ${Math.round(width)}x${Math.round(height)}`);
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    outside,
    small,
  };
}
""".replace("MIN", str(MIN_TARGET))


def layout_problems(page: Page, width: int) -> list[str]:
    found: dict[str, Any] = page.evaluate(LAYOUT_PROBLEMS, width)
    problems = [f"{page.url} at {width} px: {p}" for p in found["outside"] + found["small"]]
    if found["scrollWidth"] > width or found["innerWidth"] != width:
        problems.append(
            f"{page.url} at {width} px scrolls sideways: scrollWidth {found['scrollWidth']},"
            f" innerWidth {found['innerWidth']}"
        )
    return problems


def looks_right(page: Page, width: int = 390) -> None:
    """No sideways scroll, nothing off screen, 44 px targets, readable contrast at `width`."""
    problems = layout_problems(page, width) + low_contrast(page)
    assert not problems, "\n".join(problems)


def check_pages(page: Page, paths: list[str]) -> None:
    """Checks these pages and every page the bottom navigation leads to."""
    nav_links = page.locator("nav.bottom-nav a[href]")
    for href in [nav_links.nth(i).get_attribute("href") for i in range(nav_links.count())]:
        if href and href not in paths:
            paths = [*paths, href]
    problems: list[str] = []
    for path in paths:
        page.goto(path)
        for width in WIDTHS:
            # Layout follows the viewport at once; no reload needed.
            page.set_viewport_size({"width": width, "height": HEIGHT})
            problems += layout_problems(page, width)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            problems += [f"{path} ({scheme}): {p}" for p in low_contrast(page)]
        page.emulate_media(color_scheme="null")
    assert not problems, "\n".join(problems)


def first_href(page: Page, selector: str) -> str:
    href = page.locator(selector).first.get_attribute("href")
    assert href, f"no link matches {selector} on {page.url}"
    return href


def test_sign_in_page(phone: Page) -> None:
    check_pages(phone, ["/login"])
    # The sign-in page has no title bar: its header is empty and hidden.
    assert phone.locator("header.topbar").is_hidden()


def test_manager_pages(signed_in_phone: Callable[..., Page]) -> None:
    page = signed_in_phone("manager@example.com")
    page.goto("/team")
    rep_page = first_href(page, "#team-list a.list-row")
    page.goto("/today")
    ride_page = first_href(page, "#rides-heading ~ ul a")
    check_pages(
        page, ["/today", "/team", "/team?due=1", "/notes?status=draft", rep_page, ride_page]
    )


def test_rep_pages(signed_in_phone: Callable[..., Page]) -> None:
    check_pages(signed_in_phone("rep1@example.com"), ["/my", "/notes", "/self-assessment"])


def test_director_pages(signed_in_phone: Callable[..., Page]) -> None:
    page = signed_in_phone("director@example.com")
    manager_page = first_href(page, "main h2 a")
    rep_page = first_href(page, "main a.list-row")
    check_pages(page, ["/org", manager_page, f"{manager_page}/summary", rep_page])


def test_admin_pages(signed_in_phone: Callable[..., Page]) -> None:
    page = signed_in_phone("admin@example.com")
    person_form = first_href(page, "main a.list-row")
    check_pages(page, ["/admin/users", "/admin/users/new", person_form])


def test_not_found_page(signed_in_phone: Callable[..., Page], page_problems: Any) -> None:
    page_problems.expect(r"status of 404")
    page = signed_in_phone("rep1@example.com")
    check_pages(page, ["/people/999999"])


def test_the_layout_check_flags_overflow_and_small_targets(phone: Page) -> None:
    """The checks above do notice a too-wide element and a too-small button, and a table that
    scrolls in its own box by more than one screen (one screen is allowed)."""
    phone.goto("/login")
    assert not layout_problems(phone, 390)
    phone.locator(".login-tagline").evaluate("(p) => { p.style.width = '480px'; }")
    phone.get_by_role("button", name="Sign in").evaluate(
        "(b) => { b.style.minHeight = '0'; b.style.padding = '2px'; }"
    )
    found = layout_problems(phone, 390)
    assert any(re.search(r'p\.login-tagline ".*" spans 16\.\.496$', p) for p in found), found
    assert any('button.button.button-primary.button-block "Sign in" is' in p for p in found), found
    wide_table = """(width) => {
      const box = document.createElement("div");
      box.className = "table-scroll";
      box.innerHTML = `<table id="wide"><tr><td>wide</td></tr></table>`;
      document.querySelector("main").append(box);
      box.querySelector("table").style.width = width + "px";
    }"""
    phone.evaluate(wide_table, 700)
    assert not any("#wide" in p for p in layout_problems(phone, 390))
    phone.evaluate(
        "(width) => { document.querySelector('#wide').style.width = width + 'px'; }", 900
    )
    found = layout_problems(phone, 390)
    assert any('table#wide "wide" scrolls' in p for p in found), found
