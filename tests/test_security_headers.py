"""Response headers and what pages may contain (SECURITY.md "Headers"; ASVS V3.4, V3.7).

Every page the access matrix renders, for every actor, is checked: a strict CSP can only hold
if no page relies on inline script, inline event handlers or inline styles.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.access_matrix import ACTORS, GET_ROWS, Row, World, open_world

VENDOR = Path(__file__).resolve().parent.parent / "coachapp" / "static" / "vendor"
HTMX = "htmx-4.0.1.min.js"
REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


@pytest.fixture(scope="class")
def world(app: Flask) -> Iterator[World]:
    with open_world(app) as opened:
        yield opened


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name.lower()] = values
    return directives


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block or what smuggles script into a page."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.csrf_meta = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value for name, value in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")
        for name, value in names.items():
            if re.fullmatch(r"on\w+", name):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=...>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "meta" and names.get("name") == "csrf-token" and names.get("content"):
            self.csrf_meta = True

    handle_startendtag = handle_starttag


def is_page(response: TestResponse) -> bool:
    return response.mimetype == "text/html" and not 300 <= response.status_code < 400


def check_headers(response: TestResponse, where: str) -> list[str]:
    problems = []
    headers = response.headers
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if headers.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy is {headers.get('Referrer-Policy')!r}")
    if "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control is {headers.get('Cache-Control')!r}")
    if "Strict-Transport-Security" not in headers:
        problems.append("no Strict-Transport-Security over https")
    if is_page(response):
        csp = csp_directives(headers.get("Content-Security-Policy", ""))
        script_src = csp.get("script-src", csp.get("default-src", []))
        if "'self'" not in script_src or "'unsafe-inline'" in script_src:
            problems.append(f"script-src is {script_src}")
        for name in ("object-src", "base-uri", "frame-ancestors"):
            if csp.get(name) != ["'none'"]:
                problems.append(f"{name} is {csp.get(name)}")
    return [f"{where}: {problem}" for problem in problems]


def check_page(response: TestResponse, item: Row, where: str) -> list[str]:
    if not is_page(response):
        return []
    parser = InlineCode()
    parser.feed(response.get_data(as_text=True))
    problems = list(parser.problems)
    if not item.fragment and not parser.csrf_meta:
        problems.append('no <meta name="csrf-token">')
    return [f"{where}: {problem}" for problem in problems]


class TestEveryRenderedPage:
    @pytest.mark.parametrize("actor", ACTORS)
    def test_headers_and_no_inline_code(self, world: World, actor: str) -> None:
        problems: list[str] = []
        pages = 0
        for item in GET_ROWS:
            with world.savepoint():
                response = world.call(item, actor)
            where = f"{item.label} as {actor} ({response.status_code})"
            problems += check_headers(response, where)
            if not item.api:
                problems += check_page(response, item, where)
                pages += is_page(response)
        assert not problems, "\n".join(problems)
        assert pages >= (2 if actor == "anonymous" else 5), "too few pages checked"


def test_the_page_checks_catch_inline_code() -> None:
    parser = InlineCode()
    parser.feed(
        '<meta name="csrf-token" content="x"><script>alert(1)</script>'
        '<script src="/static/js/app.js"></script><button onclick="go()">Go</button>'
        '<p style="color:red">Hi</p><style>p{}</style><a href="JavaScript:go()">x</a>'
        '<img src="/x.png" onerror="go()"/>'
    )
    assert parser.csrf_meta
    assert parser.problems == [
        "inline <script>",
        "<button onclick=...> event handler",
        "<p style=...>",
        "inline <style>",
        "<a href=javascript:...>",
        "<img onerror=...> event handler",
    ]


def test_csp_is_strict(client: object) -> None:
    response = client.get("/login")  # type: ignore[attr-defined]
    csp = csp_directives(response.headers["Content-Security-Policy"])
    assert "'self'" in csp["script-src"]
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(csp["script-src"])
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_only_over_tls(app: Flask) -> None:
    client = app.test_client()
    assert "Strict-Transport-Security" in client.get("/healthz").headers
    plain = client.get("/healthz", base_url="http://localhost")
    assert "Strict-Transport-Security" not in plain.headers


def test_static_files_carry_nosniff_and_may_be_cached(app: Flask) -> None:
    response = app.test_client().get(f"/static/vendor/{HTMX}")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_vendored_htmx_matches_the_recorded_sha256() -> None:
    readme = (VENDOR / "README.md").read_text()
    line = next(line for line in readme.splitlines() if f"`{HTMX}`" in line)
    recorded = re.search(r"`([0-9a-f]{64})`", line)
    assert recorded, f"no sha256 for {HTMX} in vendor/README.md"
    actual = hashlib.sha256((VENDOR / HTMX).read_bytes()).hexdigest()
    assert actual == recorded.group(1)
