"""axe-core on every page of every role, with zero violations.

What is checked, each page view in a fresh load:
- every HTML page each role sees (tests/browser/pages.py: the access matrix played by the
  demo organisation, plus forms POSTed with errors and note states no GET row reaches), on a
  phone (390 x 844, touch): every rule axe-core runs by default but the two that read colours
  (color-contrast, link-in-text-block) in the light theme; those two on one view of each
  endpoint and note state, dealt in turn over the roles that see it (`colour_views`), in the
  light theme and in the dark one, which changes colours and nothing else;
- the main pages (DESKTOP_ENDPOINTS, once per role) at 1280 x 800: every default rule but the
  colour ones, light; those on one role's view of each, dealt in turn.
The colour rules are nine tenths of axe-core's time on a page (the manager's own printable
export alone took 17 s of them); an endpoint draws its text with the same components, and so
the same colours, whoever reads it.
Collapsed sections are opened first. Answers that are not HTML (CSV exports, the service
worker, the manifest, the probes) are counted and left out. axe-core's default rules are
those of WCAG 2.0, 2.1 and 2.2 A and AA and its best practices (experimental ones aside).

No page is left out for looking like one already checked: with the words, numbers and ids
taken out of the markup, 148 of the 151 phone pages and all 47 desktop ones still differed
(measured on the demo), and telling pages apart costs about what the three saved checks do.

axe-core is the copy bundled in the PyPI package axe-playwright-python, loaded into each page
as an init script through the DevTools protocol, which the pages' Content-Security-Policy does
not govern. Two things make it cheaper and change nothing it finds: static files are cached
by the browser, and colours axe-core has parsed are remembered for the page (a test compares
its findings node for node with and without).

The markup does not depend on the database backend, so this runs on one SQLite copy of the
demo organisation of its own, which it may change freely (it adds a shared note and the
nudges a running worker would have written, so inboxes are not empty).

`make axe` runs this file alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import pytest
from axe_playwright_python.base import AXE_FILE_PATH
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize

from bench.live import serving
from coachapp import create_app, migrate
from coachapp.db import get_session
from coachapp.demo import seed_demo
from coachapp.nudges.rules import evaluate
from tests.access_matrix import ANONYMOUS
from tests.browser.conftest import PHONE, PageProblems, sign_in
from tests.browser.pages import ROLES, Cast, PageView, demo_cast, page_views, uncovered
from tests.conftest import settings_for

pytestmark = pytest.mark.browser

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
Scheme = Literal["light", "dark"]
SCHEMES: tuple[Scheme, ...] = ("light", "dark")
COLOUR_RULES = ("color-contrast", "link-in-text-block")
# Every rule axe-core runs by default (experimental ones aside), violations only.
AXE_ALL_RULES: dict[str, Any] = {"resultTypes": ["violations"]}
# The rules that read colours, most of the time a pass takes: in the dark theme (which changes
# colours and nothing else, app.css) and on one view of each endpoint (`colour_views`).
AXE_COLOUR_RULES: dict[str, Any] = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "rule", "values": list(COLOUR_RULES)},
}
# Every default rule but those.
AXE_ALL_BUT_COLOUR_RULES: dict[str, Any] = {
    "resultTypes": ["violations"],
    "rules": {rule: {"enabled": False} for rule in COLOUR_RULES},
}
# Pages whose main landmark is what a person lands on from the bottom navigation or a list:
# checked at desktop width too.
DESKTOP_ENDPOINTS = frozenset(
    {
        "auth.login",
        "team.today",
        "team.team",
        "team.person",
        "team.my_page",
        "dashboard.index",
        "dashboard.team",
        "dashboard.team_summary",
        "plans.index",
        "plans.show",
        "plans.team_qbr",
        "coaching.edit",
        "coaching.show",
        "coaching.index",
        "coaching.follow_ups",
        "coaching.rate_yourself",
        "inbox.index",
        "me.index",
        "admin.users",
        "admin.guide",
        "admin.org_import_page",
    }
)


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo organisation on a SQLite file of this module's own."""
    path = tmp_path_factory.mktemp("axe") / "coachapp.sqlite3"
    # Static files may be cached for an hour, as the service worker's cache serves them in
    # use (workers are blocked here): otherwise each page load asks again for each of them.
    app = create_app(settings_for(f"sqlite:///{path}", SEND_FILE_MAX_AGE_DEFAULT=3600))
    migrate.upgrade(app)
    with app.app_context():
        seed_demo(get_session())
    yield app
    app.extensions["coachapp.db"].engine.dispose()


@pytest.fixture(scope="module")
def cast(demo_app: Flask) -> Cast:
    with demo_app.app_context():
        db = get_session()
        found = demo_cast(db)
        evaluate(db)  # the nudges a running worker would have written: inboxes with items
        return found


@pytest.fixture(scope="module")
def demo_server(demo_app: Flask) -> Iterator[str]:
    with serving(demo_app, "axe-server") as url:
        yield url


@pytest.fixture(scope="module")
def sign_ins() -> dict[str, Any]:
    """Storage states of the roles signed in once in this module."""
    return {}


@pytest.fixture(scope="module")
def kinds() -> dict[str, str]:
    """The content type each endpoint answers, learnt once in this module."""
    return {}


# axe-core turns every colour it reads into numbers with a full CSS colour parser, the same
# few computed colours thousands of times a page (a fifth of its time). The numbers a text
# gives are remembered for the page; what fails to parse still goes to the parser each time.
REMEMBER_PARSED_COLOURS = """
(() => {
  const color = axe.commons.color.Color.prototype;
  const parse = color.parseString;
  const parsed = new Map();
  function remembering(text) {
    const known = parsed.get(text);
    if (known === undefined) {
      parse.call(this, text);
      parsed.set(text, [this.r, this.g, this.b, this.alpha]);
    } else {
      [this.r, this.g, this.b, this.alpha] = known;
    }
    return this;
  }
  color.parseString = Object.assign(remembering, { parser: parse });
})();
"""


def open_role(
    browser: Browser,
    base_url: str,
    role: str,
    sign_ins: dict[str, Any],
    problems: PageProblems,
    *,
    desktop: bool = False,
) -> Page:
    """A page signed in as the role (once per module), with axe-core in every document."""
    size: dict[str, Any] = (
        {"viewport": DESKTOP}
        if desktop
        else {"viewport": PHONE, "is_mobile": True, "has_touch": True}
    )
    context: BrowserContext = browser.new_context(
        base_url=base_url,
        service_workers="block",
        color_scheme="light",
        storage_state=sign_ins.get(role),
        **size,
    )
    context.set_default_timeout(15_000)
    problems.watch(context)
    context.add_init_script(path=Path(AXE_FILE_PATH))
    context.add_init_script(REMEMBER_PARSED_COLOURS)
    page = context.new_page()
    email = ROLES[role]
    if email is not None and role not in sign_ins:
        sign_in(page, email)
        sign_ins[role] = context.storage_state()
    return page


def post_form(page: Page, url: str, form: dict[str, Any], csrf_token: str) -> Any:
    """Navigates to the answer of the form POSTed as the browser would send it."""
    body = urlencode({**form, "csrf_token": csrf_token}, doseq=True)

    def as_post(route: Route) -> None:
        headers = {**route.request.headers, "content-type": "application/x-www-form-urlencoded"}
        route.continue_(method="POST", post_data=body, headers=headers)

    def matches(candidate: str) -> bool:
        return candidate == url

    page.route(matches, as_post)
    try:
        return page.goto(url)
    finally:
        page.unroute(matches, as_post)


# Runs axe-core with the options given and describes each node it flags by its selector and
# by what a reader finds on the page: tag, id, classes and the start of its text.
AXE_RUN = """
async (options) => {
  const describe = (el) => {
    const id = el.id ? "#" + el.id : "";
    const classes = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    return `${el.tagName.toLowerCase()}${id}${classes} "${text.slice(0, 40)}"`;
  };
  const results = await axe.run(document, options);
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((node) => {
      const selector = node.target.join(" ");
      const found = typeof node.target[0] === "string" ? document.querySelector(selector) : null;
      return `${selector} = ${found ? describe(found) : node.html}`;
    }),
  }));
}
"""


def axe_violations(page: Page, where: str, options: dict[str, Any] = AXE_ALL_RULES) -> list[str]:
    """One line per violation: the page, the rule, its impact and the nodes it flags."""
    lines = []
    for violation in page.evaluate(AXE_RUN, options):
        nodes = violation["nodes"]
        more = f" and {len(nodes) - 5} more" if len(nodes) > 5 else ""
        lines.append(
            f"{where}: {violation['id']} ({violation['impact']}) {violation['help']}"
            f" at {'; '.join(nodes[:5])}{more}"
        )
    return lines


class Scan:
    """Visits page views in one signed-in page and collects what axe-core finds.

    kinds: the content type of each endpoint's answer, learnt once for all roles (a CSV
    export is CSV whoever asks), so a page is fetched once more only the first time.
    """

    def __init__(
        self, page: Page, base_url: str, problems: PageProblems, kinds: dict[str, str]
    ) -> None:
        self.page = page
        self.base_url = base_url
        self.problems = problems
        self.kinds = kinds
        self.pages = 0
        self.runs = 0
        self.skipped: list[str] = []
        self.found: list[str] = []
        self.csrf_token = ""
        self.scheme: Scheme = "light"  # the context's, until another is emulated
        self.axe_seconds = 0.0

    def visit(self, view: PageView, colours: tuple[Scheme, ...], label: str = "") -> None:
        """Every rule but the colour ones in the light theme, and those in each scheme of
        `colours`."""
        page = self.page
        if view.form is None:
            # CSV exports, the service worker, the manifest and the probes are not pages.
            if view.endpoint not in self.kinds:
                head = page.context.request.get(view.path, max_redirects=0)
                if head.status == view.status:
                    self.kinds[view.endpoint] = head.headers.get("content-type", "")
                head.dispose()
            kind = self.kinds.get(view.endpoint, "text/html")
            if not kind.startswith("text/html"):
                self.skipped.append(f"{view.name}: {kind}")
                return
            response = page.goto(view.path)
        else:
            if not self.csrf_token:
                self.csrf_token = self._csrf_token()
            url = self.base_url + view.path
            response = post_form(page, url, dict(view.form), self.csrf_token)
        status = response.status if response else 0
        if status != view.status:
            self.found.append(f"{view.name}{label}: HTTP {status}, expected {view.status}")
            return
        if status >= 400:
            self.problems.expect(f"status of {status}")
        # What collapsed sections hold (the plan's item forms, the guides' help) is checked
        # too: axe-core passes over what is hidden.
        page.evaluate(
            "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"
        )
        # One pass per scheme: the light one with every other rule. The scheme emulated stays
        # for the next page, which is checked in it first.
        schemes = {*colours, "light"}
        for scheme in sorted(schemes, key=lambda scheme: scheme != self.scheme):
            if scheme != self.scheme:
                page.emulate_media(color_scheme=scheme)
                self.scheme = scheme
            if scheme == "light":
                options = AXE_ALL_RULES if "light" in colours else AXE_ALL_BUT_COLOUR_RULES
            else:
                options = AXE_COLOUR_RULES
            started = time.monotonic()
            self.found += axe_violations(page, f"{view.name}{label} [{scheme}]", options)
            self.axe_seconds += time.monotonic() - started
            self.runs += 1
        self.pages += 1

    def _csrf_token(self) -> str:
        # Any page of the session carries its token; the page shown is one.
        token = self.page.locator('meta[name="csrf-token"]').get_attribute("content")
        assert token, f"no CSRF token on {self.page.url}"
        return token


def report(scan: Scan, started: float, what: str) -> str:
    summary = (
        f"axe-core ({what}): {scan.pages} pages, {scan.runs} runs"
        f" in {time.monotonic() - started:.1f} s ({scan.axe_seconds:.1f} s in axe),"
        f" {len(scan.found)} violations; {len(scan.skipped)} answers not HTML"
    )
    print(summary)
    return summary + "\n" + "\n".join(scan.found)


def test_every_page_of_the_matrix_is_reached(cast: Cast) -> None:
    """Each page the access matrix lets one of the roles see has a view with demo ids."""
    missing = uncovered(page_views(cast))
    assert not missing, (
        "pages the access matrix lets a role see that tests/browser/pages.py cannot fill with"
        f" the demo's ids (give demo_cast what their rows name): {missing}"
    )


def colour_views(views: list[PageView]) -> set[str]:
    """The page views whose colours are checked: one view of each endpoint (GET or form) and
    note state, the endpoints dealt in turn over the roles that see them. An endpoint draws its
    text with the same components, and so the same colours, for every role; every view is
    checked with all the other rules."""
    seen: dict[tuple[str, str, bool], list[PageView]] = {}
    for view in views:
        kind = view.label if view.endpoint == "(state)" else ""  # a note state, each its own
        seen.setdefault((view.endpoint, kind, view.form is not None), []).append(view)
    return {views[number % len(views)].name for number, views in enumerate(seen.values())}


def desktop_views(cast: Cast, role: str) -> list[PageView]:
    """The role's first view of each main page (DESKTOP_ENDPOINTS)."""
    first: dict[str, PageView] = {}
    for view in page_views(cast, roles=[role]):
        if view.form is None and view.endpoint in DESKTOP_ENDPOINTS:
            first.setdefault(view.endpoint, view)
    return list(first.values())


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_has_no_axe_violations_on_a_phone(
    role: str,
    browser: Browser,
    demo_server: str,
    cast: Cast,
    sign_ins: dict[str, Any],
    kinds: dict[str, str],
    page_problems: PageProblems,
) -> None:
    started = time.monotonic()
    page = open_role(browser, demo_server, role, sign_ins, page_problems)
    scan = Scan(page, demo_server, page_problems, kinds)
    views = page_views(cast, roles=[role])
    assert views, f"no pages for {role}"
    if role == ANONYMOUS:
        page.goto("/login")
    colours = colour_views(page_views(cast))
    for view in views:
        scan.visit(view, SCHEMES if view.name in colours else ())
    page.context.close()
    what = f"{role}, phone; colours once per endpoint, light and dark"
    assert not scan.found, report(scan, started, what)
    assert not page_problems.unexpected(), page_problems.unexpected()
    report(scan, started, what)


@pytest.mark.parametrize("role", list(ROLES))
def test_main_pages_have_no_axe_violations_on_a_desktop(
    role: str,
    browser: Browser,
    demo_server: str,
    cast: Cast,
    sign_ins: dict[str, Any],
    kinds: dict[str, str],
    page_problems: PageProblems,
) -> None:
    started = time.monotonic()
    page = open_role(browser, demo_server, role, sign_ins, page_problems, desktop=True)
    scan = Scan(page, demo_server, page_problems, kinds)
    colours = colour_views([view for other in ROLES for view in desktop_views(cast, other)])
    for view in desktop_views(cast, role):
        scan.visit(view, ("light",) if view.name in colours else (), label=" at 1280 px")
    page.context.close()
    what = f"{role}, desktop; colours once per endpoint"
    assert not scan.found, report(scan, started, what)
    report(scan, started, what)


# Runs the colour rules twice, with parsed colours remembered and with the parser alone, and
# gives what each run found: per result type, each rule's nodes with the data of their checks
# (the colours, font and contrast ratio computed).
AXE_RUN_BOTH_PARSERS = """
async (options) => {
  const color = axe.commons.color.Color.prototype;
  const remembering = color.parseString;
  const found = (results) => ["violations", "passes", "incomplete"].map((type) =>
    results[type].map((rule) => [rule.id, rule.nodes.map((node) =>
      [node.target, [...node.any, ...node.all, ...node.none].map((check) => check.data)])]));
  const remembered = found(await axe.run(document, options));
  color.parseString = remembering.parser;
  try {
    return [remembered, found(await axe.run(document, options))];
  } finally {
    color.parseString = remembering;
  }
}
"""


def test_remembered_colours_change_nothing_axe_finds(
    browser: Browser, demo_server: str, sign_ins: dict[str, Any], page_problems: PageProblems
) -> None:
    """The colour rules find the same on a full page, light and dark, node for node with the
    colours and ratios computed, whether parsed colours are remembered or not."""
    page = open_role(browser, demo_server, "manager", sign_ins, page_problems)
    page.goto("/today")
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        colour_rules = {"runOnly": AXE_COLOUR_RULES["runOnly"]}  # passes too, node by node
        remembered, parsed = page.evaluate(AXE_RUN_BOTH_PARSERS, colour_rules)
        assert remembered == parsed, scheme
        _violations, passes, _incomplete = remembered
        assert sum(len(nodes) for _rule, nodes in passes) > 20, passes
    page.context.close()


def test_the_axe_check_names_page_rule_and_target(
    browser: Browser, demo_server: str, sign_ins: dict[str, Any], page_problems: PageProblems
) -> None:
    """The check does see a violation (so its silence elsewhere means something)."""
    page = open_role(browser, demo_server, ANONYMOUS, sign_ins, page_problems)
    page.goto("/login")
    assert axe_violations(page, "signed out /login") == []
    page.locator(".login-tagline").evaluate(
        "(p) => { p.style.color = '#ccc'; p.insertAdjacentHTML('beforeend', '<img src=x.png>'); }"
    )
    page_problems.expect(r"x\.png")
    found = axe_violations(page, "signed out /login")
    assert any(
        line.startswith("signed out /login: color-contrast (serious)")
        and 'p.login-tagline "Coach your' in line
        for line in found
    ), found
    assert any(
        line.startswith("signed out /login: image-alt (critical)") and "= img" in line
        for line in found
    ), found
    print("\n".join(found))
    page.context.close()
