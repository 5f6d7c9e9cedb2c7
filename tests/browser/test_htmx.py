"""htmx 4 loads under the Content Security Policy and sends the CSRF token with its requests."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageProblems

pytestmark = pytest.mark.browser


def test_htmx_request_carries_the_csrf_token_and_swaps_the_team_list(
    signed_in_phone: Callable[..., Page],
) -> None:
    page = signed_in_phone("manager@example.com")
    page.goto("/team")
    page.wait_for_function("typeof window.htmx === 'object' && typeof htmx.ajax === 'function'")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    page.locator("#team-list").evaluate("(list) => list.dataset.before = 'swap'")

    with page.expect_request(
        lambda r: r.url.endswith("/team") and r.resource_type == "fetch"
    ) as info:
        page.evaluate('htmx.ajax("GET", "/team", {target: "#team-list", swap: "outerHTML"})')
    request = info.value
    headers = request.all_headers()
    assert headers.get("x-csrftoken") == token
    assert headers.get("hx-request") == "true"
    response = request.response()
    assert response is not None and response.ok
    assert response.text().lstrip().startswith("<ul")  # the fragment, not the whole page

    expect(page.locator("#team-list[data-before]")).to_have_count(0)
    expect(page.locator("#team-list")).to_have_count(1)
    expect(page.locator("#team-list > li")).to_have_count(8)
    expect(page.locator("header.topbar")).to_have_count(1)


def test_pages_load_only_their_own_scripts_and_styles(signed_in_phone: Callable[..., Page]) -> None:
    page = signed_in_phone("manager@example.com")
    loaded: list[str] = []
    page.on("requestfinished", lambda r: loaded.append(r.url))
    page.reload()
    page.wait_for_function("typeof window.htmx === 'object'")
    origin = re.match(r"https?://[^/]+", page.url)
    assert origin
    assert all(url.startswith(origin.group(0)) for url in loaded), loaded
    # By their hashed names (coachapp.static_files).
    for plain in ("vendor/htmx-4.0.1.min.js", "js/app.js", "js/links.js", "css/app.css"):
        stem, extension = plain.rsplit(".", 1)
        hashed = re.compile(rf"/static/{re.escape(stem)}\.[0-9a-f]{{12}}\.{extension}$")
        assert any(hashed.search(url) for url in loaded), (plain, loaded)


def test_chromium_gets_pages_styles_and_scripts_compressed(
    new_phone: Callable[..., Page],
) -> None:
    """Brotli from the app (coachapp.compression), decoded by the browser: the page shows
    styled, htmx and the modules run (the page fixtures fail the test on any script error)."""
    page = new_phone()
    answers = []
    page.on("response", lambda response: answers.append(response))
    page.goto("/login")
    page.wait_for_function("typeof window.htmx === 'object'")
    codings = {
        re.sub(r"\.[0-9a-f]{12}\.", ".", answer.url.split("/", 3)[3]): answer.headers.get(
            "content-encoding"
        )
        for answer in answers
        if answer.request.resource_type in ("document", "stylesheet", "script")
    }
    assert codings == {
        "login": "br",
        "static/css/app.css": "br",
        "static/vendor/htmx-4.0.1.min.js": "br",
        "static/js/app.js": "br",
        "static/js/offline.js": "br",
        "static/js/timezone-picker.js": "br",
        "static/js/messages.js": "br",
        "static/js/links.js": None,  # under 500 bytes
    }, codings
    # The stylesheet applied: the sign-in button is not the browser's default grey.
    background = page.get_by_role("button", name="Sign in").evaluate(
        "(button) => getComputedStyle(button).backgroundColor"
    )
    assert background not in ("rgb(239, 239, 239)", "rgba(0, 0, 0, 0)"), background


def test_the_watch_catches_csp_violations(phone: Page, page_problems: PageProblems) -> None:
    """The page fixtures really see a blocked inline script and a console error (so their
    silence in the other tests means something)."""
    phone.goto("/login")
    phone.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.inlineRan = true";
          document.head.append(script);
          console.error("made by the test");
        }"""
    )

    def seen() -> tuple[bool, bool]:
        csp = any(p.startswith("CSP violation: script-src") for p in page_problems.seen)
        console = any(p.startswith("console error: made by the test") for p in page_problems.seen)
        return csp, console

    for _ in range(50):
        if all(seen()):
            break
        phone.wait_for_timeout(100)
    assert seen() == (True, True), page_problems.seen
    assert phone.evaluate("window.inlineRan") is None
    page_problems.expect(r"Content Security Policy|CSP violation|made by the test")
