"""Response headers and what pages may contain (SECURITY.md "Headers"; ASVS V3.4, V3.7).

The checks live in tests/page_checks.py and the access matrix runs them on every page it
renders, for every actor (a strict CSP can only hold if no page relies on inline script,
inline event handlers or inline styles); here, the checks themselves, and the headers of
sign-in, cookies, HSTS and static files.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.builders import PASSWORD, Org
from tests.conftest import HttpsClient
from tests.page_checks import (
    InlineCode,
    cookie_problems,
    csp_directives,
    csp_problems,
    inline_code,
)

VENDOR = Path(__file__).resolve().parent.parent / "coachapp" / "static" / "vendor"
HTMX = "htmx-4.0.1.min.js"


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


def test_pages_that_differ_only_in_their_csrf_token_are_parsed_once() -> None:
    """The matrix parses a page once per text once tokens are set aside: the same page with
    another token gives the same answer, an empty token or a changed page do not."""

    def page(token: str, extra: str = "") -> str:
        return (
            f'<meta name="csrf-token" content="{token}"><form>'
            f'<input type="hidden" name="csrf_token" value="{token}">{extra}</form>'
        )

    assert inline_code(page("first.token")) == ((), True)
    assert inline_code(page("second.token")) == ((), True)
    assert inline_code(page("")) == ((), False)
    assert inline_code(page("third", '<b onclick="x()">')) == (
        ("<b onclick=...> event handler",),
        True,
    )


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
