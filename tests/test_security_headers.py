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

from tests.access_matrix import ACTORS, FORM_POST_ROWS, GET_ROWS, Row, World, open_world
from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient

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


# Sources that let a page run or style itself from inline code, eval, or anywhere at all.
UNSAFE_SOURCES = {
    "'unsafe-inline'",
    "'unsafe-eval'",
    "'unsafe-hashes'",
    "'wasm-unsafe-eval'",
    "*",
    "data:",
    "blob:",
    "http:",
    "https:",
}
# Each directive falls back to the next one named, then to default-src (CSP Level 3).
SCRIPT_AND_STYLE_DIRECTIVES = {
    "script-src": (),
    "script-src-elem": ("script-src",),
    "script-src-attr": ("script-src",),
    "style-src": (),
    "style-src-elem": ("style-src",),
    "style-src-attr": ("style-src",),
}


def effective_sources(csp: dict[str, list[str]], directive: str) -> list[str] | None:
    for name in (directive, *SCRIPT_AND_STYLE_DIRECTIVES[directive], "default-src"):
        if name in csp:
            return csp[name]
    return None


def csp_problems(header: str) -> list[str]:
    """What makes a policy weaker than "scripts and styles from this origin's files only"."""
    csp = csp_directives(header)
    problems = []
    for directive in SCRIPT_AND_STYLE_DIRECTIVES:
        sources = effective_sources(csp, directive)
        if sources is None:
            problems.append(f"{directive} is unrestricted")
        elif unsafe := sorted(UNSAFE_SOURCES & {s.lower() for s in sources}):
            problems.append(f"{directive} allows {' '.join(unsafe)}")
    for name in ("object-src", "base-uri", "frame-ancestors"):
        if csp.get(name) != ["'none'"]:
            problems.append(f"{name} is {csp.get(name)}")
    return problems


def cookie_problems(response: TestResponse) -> list[str]:
    """Every cookie the app sets is Secure, HttpOnly and SameSite (deletions excepted)."""
    problems = []
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        attributes = {part.strip().split("=")[0].lower() for part in rest.split(";")[1:]}
        deleted = "max-age=0" in header.lower().replace(" ", "") or "1970" in header
        if deleted:
            continue
        for flag in ("secure", "httponly", "samesite"):
            if flag not in attributes:
                problems.append(f"cookie {name} without {flag}")
    return problems


def check_headers(response: TestResponse, where: str, path: str = "") -> list[str]:
    problems = []
    headers = response.headers
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if headers.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy is {headers.get('Referrer-Policy')!r}")
    # Static files (versioned CSS, JS, icons) may be cached; nothing else may.
    if not path.startswith("/static/") and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control is {headers.get('Cache-Control')!r}")
    if "Strict-Transport-Security" not in headers:
        problems.append("no Strict-Transport-Security over https")
    if is_page(response):
        problems += csp_problems(headers.get("Content-Security-Policy", ""))
    problems += cookie_problems(response)
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
            path = item.fill(world.org, world.user(actor), world.items)[0]
            problems += check_headers(response, where, path)
            if not item.api:
                problems += check_page(response, item, where)
                pages += is_page(response)
        assert not problems, "\n".join(problems)
        assert pages >= (2 if actor == "anonymous" else 5), "too few pages checked"

    @pytest.mark.parametrize("actor", ACTORS)
    def test_pages_answering_a_form_post_are_as_strict(self, world: World, actor: str) -> None:
        """Forms shown again with their errors, refusals and sign-in are pages too."""
        problems: list[str] = []
        pages = 0
        for item in FORM_POST_ROWS:
            with world.savepoint():
                response = world.call(item, actor)
            where = f"{item.label} as {actor} ({response.status_code})"
            problems += check_headers(response, where)
            problems += check_page(response, item, where)
            pages += is_page(response)
        assert not problems, "\n".join(problems)
        assert pages >= (1 if actor == "anonymous" else 3), "too few pages checked"


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
    header = response.headers["Content-Security-Policy"]
    assert csp_problems(header) == []
    csp = csp_directives(header)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert response.headers["X-Frame-Options"] == "DENY"


STRICT = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        (f"{STRICT}; script-src 'self' 'unsafe-eval'", "script-src allows 'unsafe-eval'"),
        (f"{STRICT}; style-src 'self' 'unsafe-inline'", "style-src allows 'unsafe-inline'"),
        (STRICT.replace("'self'", "'self' 'unsafe-inline'", 1), "script-src allows"),
        (f"{STRICT}; script-src-attr 'unsafe-hashes'", "script-src-attr allows"),
        (f"{STRICT}; style-src-elem 'self' *", "style-src-elem allows *"),
        ("script-src 'self'; object-src 'none'", "style-src is unrestricted"),
        ("default-src 'self'", "frame-ancestors is None"),
    ],
)
def test_the_csp_check_catches_weak_policies(policy: str, problem: str) -> None:
    assert csp_problems(STRICT) == []
    found = csp_problems(policy)
    assert any(p.startswith(problem) for p in found), found


def test_the_cookie_check_catches_a_missing_flag() -> None:
    response = TestResponse(
        [],
        "200 OK",
        [
            ("Set-Cookie", "a=1; Secure; HttpOnly; Path=/; SameSite=Lax"),
            ("Set-Cookie", "b=2; Secure; Path=/; SameSite=Lax"),
            ("Set-Cookie", "c=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"),
        ],
        request=None,  # type: ignore[arg-type]
    )
    assert cookie_problems(response) == ["cookie b without httponly"]


def test_sign_in_with_remember_me_and_sign_out_set_only_flagged_cookies(
    client: HttpsClient, org: Org
) -> None:
    """The session cookie, the remember-me cookie and whatever else the app sets."""
    token = client.csrf_token()
    signed_in = client.post(
        "/login",
        data={
            "email": org.people["rep"].email,
            "password": PASSWORD,
            "remember": "true",
            "csrf_token": token,
        },
    )
    names = {h.partition("=")[0] for h in signed_in.headers.getlist("Set-Cookie")}
    assert {"coachapp_session", "coachapp_remember"} <= names
    assert cookie_problems(signed_in) == []
    assert "SameSite=Lax" in signed_in.headers["Set-Cookie"]
    signed_out = client.post_form("/logout")
    assert cookie_problems(signed_out) == []


def test_hsts_only_over_tls(app: Flask) -> None:
    client = app.test_client()
    assert "Strict-Transport-Security" in client.get("/healthz").headers
    plain = client.get("/healthz", base_url="http://localhost")
    assert "Strict-Transport-Security" not in plain.headers


def test_a_forwarded_proto_header_alone_does_not_turn_on_hsts(app: Flask) -> None:
    """The app trusts no X-Forwarded-Proto itself: gunicorn sets the scheme, and only for the
    proxy named in FORWARDED_ALLOW_IPS (tests/test_behind_proxy.py runs it)."""
    for name, value in [
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Ssl", "on"),
        ("Forwarded", "proto=https"),
    ]:
        plain = app.test_client().get("/login", base_url="http://localhost", headers={name: value})
        assert "Strict-Transport-Security" not in plain.headers, name


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
