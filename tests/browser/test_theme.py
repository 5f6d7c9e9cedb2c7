"""Light and dark themes follow the system setting; text keeps WCAG AA contrast in both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

# Colour helpers shared by the scripts below (sRGB, WCAG 2 relative luminance).
COLOUR_JS = """
const parse = (text) => {
  let m = text.match(/^rgba?\\(([^)]+)\\)$/);
  if (m) {
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  m = text.match(/^color\\(srgb ([^)]+)\\)$/);
  if (m) {
    const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
    return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
  }
  throw new Error("unparsed colour " + text);
};
const over = (top, bottom) =>
  [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
const luminance = ([r, g, b]) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const ratio = (a, b) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
const backdrop = (el) => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const colour = parse(getComputedStyle(e).backgroundColor);
    if (colour[3] > 0) layers.push(colour);
    if (colour[3] >= 1) break;
  }
  return layers.reduceRight((below, layer) => over(layer, below), [255, 255, 255, 1]);
};
"""

PAGE_COLOURS = (
    "() => {"
    + COLOUR_JS
    + """
  const body = getComputedStyle(document.body);
  return {background: luminance(backdrop(document.body)), text: luminance(parse(body.color))};
}"""
)

# Every element with text of its own: its colour against what is painted behind it.
LOW_CONTRAST = (
    "() => {"
    + COLOUR_JS
    + """
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const text = [...el.childNodes]
      .filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("").trim();
    if (!text || el.closest(".visually-hidden, .skip-link, [hidden]")) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    let colour = parse(style.color);
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const behind = backdrop(el);
    colour = over([colour[0], colour[1], colour[2], colour[3] * opacity], behind);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    const got = ratio(colour, behind);
    if (got < needed) found.push(`"${text.slice(0, 40)}" ${got.toFixed(2)}:1 < ${needed}:1`);
  }
  return found;
}"""
)


def low_contrast(page: Page) -> list[str]:
    """Text on the current page below WCAG AA contrast (4.5:1, or 3:1 for large text)."""
    found: list[str] = page.evaluate(LOW_CONTRAST)
    return found


def test_dark_theme_has_a_dark_background(signed_in_phone: Callable[..., Page]) -> None:
    page = signed_in_phone("manager@example.com", color_scheme="dark")
    colours: dict[str, Any] = page.evaluate(PAGE_COLOURS)
    assert colours["background"] < 0.05, colours
    assert colours["text"] > 0.6, colours
    nav = page.get_by_role("navigation", name="Main")
    nav_colour = nav.evaluate("(nav) => getComputedStyle(nav).backgroundColor")
    assert nav_colour != "rgb(255, 255, 255)"
    assert not low_contrast(page)


def test_light_theme_has_a_light_background(signed_in_phone: Callable[..., Page]) -> None:
    page = signed_in_phone("manager@example.com", color_scheme="light")
    colours: dict[str, Any] = page.evaluate(PAGE_COLOURS)
    assert colours["background"] > 0.8, colours
    assert colours["text"] < 0.05, colours
    assert not low_contrast(page)


def test_the_contrast_check_flags_grey_on_white(phone: Page) -> None:
    """The check used on every page (test_layout) does notice faint text."""
    phone.emulate_media(color_scheme="light")
    phone.goto("/login")
    assert not low_contrast(phone)
    phone.locator(".login-tagline").evaluate("(p) => { p.style.color = '#aaa'; }")
    found = low_contrast(phone)
    assert len(found) == 1 and found[0].startswith('"Coach your account teams'), found
