"""What every response and every page must satisfy (SECURITY.md "Headers"; ASVS V3.4,
V3.7): security headers, cookie flags, a strict CSP, and no inline code a strict CSP would
block. The access matrix runs these on every page it renders, for every actor
(tests/test_access_matrix.py); tests/test_security_headers.py tests the checks themselves.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from werkzeug.test import TestResponse

from tests.access_matrix import Row

REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


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


def main_of(page: str) -> str:
    """A page's main landmark, without the navigation around it."""
    return page[page.index("<main") : page.index("</main>")]


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


# A CSRF token's value, in the meta tag or a form's hidden field: pages that differ only there
# are parsed once (the access matrix renders the same page for many actors).
CSRF_VALUE = re.compile(r'(csrf[-_]token"[^>]*?(?:content|value)=")[^"]+"')
_parsed: dict[str, tuple[tuple[str, ...], bool]] = {}


def inline_code(page: str) -> tuple[tuple[str, ...], bool]:
    """What InlineCode finds in the page, and whether it carries a CSRF token meta tag."""
    key = CSRF_VALUE.sub(r'\1TOKEN"', page)
    if key not in _parsed:
        parser = InlineCode()
        parser.feed(page)
        _parsed[key] = (tuple(parser.problems), parser.csrf_meta)
    return _parsed[key]


def check_page(response: TestResponse, item: Row, where: str) -> list[str]:
    if not is_page(response):
        return []
    found, csrf_meta = inline_code(response.get_data(as_text=True))
    problems = list(found)
    if not item.fragment and not csrf_meta:
        problems.append('no <meta name="csrf-token">')
    return [f"{where}: {problem}" for problem in problems]
