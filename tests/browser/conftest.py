"""Live server, Chromium and phone pages for the browser tests.

The live server runs the real app, migrated and seeded with the demo organisation, once per
database backend; every test shares it, so tests here read data and never change it (the one
wrong-password attempt uses a user no other test signs in as).

Each page records console errors, uncaught exceptions and Content-Security-Policy violations;
a test fails when any occurred that it did not declare as expected.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)
from sqlalchemy import select

from bench.live import serving
from coachapp import create_app, migrate
from coachapp.db import get_session
from coachapp.demo import DEMO_PASSWORD, seed_demo
from coachapp.models import User
from coachapp.nudges.vapid import generate_vapid_keys
from tests.conftest import BACKENDS, new_database_url, settings_for

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
# The whole suite runs three xdist workers, three Chromiums and PostgreSQL on two cores: a page
# that answers in 200 ms alone can take several seconds then. Waits are generous so that load
# is not a failure; what must happen within a given time says so with its own timeout.
ACTION_TIMEOUT_MS = 20_000
expect.set_options(timeout=15_000)

# The page reports CSP violations to the test through a binding; test init scripts are not
# subject to the app's policy, the app's own scripts are.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__coachappCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || event.documentURI}:${event.lineNumber}`
  );
});
"""

HOME_PATHS = {
    "manager@example.com": "/today",
    "rep1@example.com": "/my",
    "director@example.com": "/org",
    "admin@example.com": "/admin/users",
}


@pytest.fixture(scope="session", params=BACKENDS[:1])
def live_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """The app on a fresh database of the first backend (SQLite), migrated, with the demo
    organisation.

    The browser tests test the phone's side: its caches and outbox, whose session sends what,
    the form a refusal comes back to, a double tap arriving as two requests. Where the
    database's unique indexes and row locks decide the outcome, the same requests run on every
    backend over HTTP, at once from several threads: tests/test_replay.py (one note sent from
    six threads), tests/test_write_limit.py (eight threads against one allowance),
    tests/test_lost_update.py, tests/auth/test_sessions.py and the feature packages' tests."""
    private_key, public_key = generate_vapid_keys()
    for url in new_database_url(request.param, tmp_path_factory):
        # Push endpoints of the tests' own push service are on 127.0.0.1.
        app = create_app(
            settings_for(
                url,
                VAPID_PRIVATE_KEY=private_key,
                VAPID_PUBLIC_KEY=public_key,
                PUSH_ALLOW_PRIVATE_ENDPOINTS=True,
            )
        )
        migrate.upgrade(app)
        with app.app_context():
            seed_demo(get_session())
        try:
            yield app
        finally:
            app.extensions["coachapp.db"].engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The base URL of the app served on a free port of 127.0.0.1, in a daemon thread."""
    with serving(live_app) as url:
        yield url


@dataclass(frozen=True)
class DemoTeam:
    manager: str
    reps: tuple[str, ...]


@pytest.fixture(scope="session")
def demo_team(live_app: Flask) -> DemoTeam:
    """manager@example.com and the names of their direct reports, from the database."""
    with live_app.app_context():
        db = get_session()
        manager = db.scalars(select(User).where(User.email == "manager@example.com")).one()
        reps = db.scalars(select(User.name).where(User.manager_id == manager.id)).all()
        return DemoTeam(manager=manager.name, reps=tuple(sorted(reps)))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright per process: its sync API runs one driver at a time."""
    with sync_playwright() as started:
        yield started


def launched_chromium(playwright: Playwright, *names: str) -> Iterator[Browser]:
    """The first of these Debian Chromium builds that is installed, launched headless."""
    executable = next(filter(None, map(shutil.which, names)), None)
    if executable is None:
        pytest.skip(f"{' or '.join(names)} is not installed (`make chromium` installs it)")
    launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's build of Chromium's headless shell, which is what Playwright itself runs for
    headless Chromium: the same Blink, V8 and network stack as the browser, without its
    windows, and about half the CPU time per page of the full browser in headless mode (the
    browser tests on SQLite: 148 s of Chromium CPU against 288 s). The full `chromium` when the
    shell is not installed; tests/browser/test_push.py uses it always (the shell denies
    notifications whatever permission is granted)."""
    yield from launched_chromium(playwright, "chromium-headless-shell", "chromium")


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen by a test's pages."""

    seen: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def expect(self, pattern: str) -> None:
        """Declares a problem the test provokes on purpose (e.g. a 401 page load)."""
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [p for p in self.seen if not any(e.search(p) for e in self.expected)]

    def watch(self, context: BrowserContext) -> None:
        context.expose_function(
            "__coachappCspViolation", lambda text: self.seen.append(f"CSP violation: {text}")
        )
        context.add_init_script(CSP_LISTENER)
        context.on("page", self._watch_page)

    def _watch_page(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.seen.append(f"uncaught {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.seen.append(f"console error: {message.text} ({message.location.get('url')})")


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def new_phone(
    browser: Browser, live_server: str, page_problems: PageProblems
) -> Iterator[Callable[..., Page]]:
    """new_phone(**context_options) opens a page in a fresh phone context (390x844, touch)."""
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        settings: dict[str, Any] = {
            "viewport": PHONE,
            "is_mobile": True,
            "has_touch": True,
            "base_url": live_server,
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        page_problems.watch(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    problems = page_problems.unexpected()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def phone(new_phone: Callable[..., Page]) -> Page:
    return new_phone()


@pytest.fixture(scope="session")
def saved_sign_ins(live_server: str) -> dict[str, Any]:
    """Storage states (cookies) of users signed in earlier against this live server."""
    return {}


@pytest.fixture
def signed_in_phone(
    new_phone: Callable[..., Page], saved_sign_ins: dict[str, Any]
) -> Callable[..., Page]:
    """signed_in_phone(email, **context_options): a phone page signed in as that user, on
    their home page. The sign-in cookie is reused across tests; the form is used again when
    it no longer works (e.g. signed out elsewhere)."""

    def open_page(email: str, **options: Any) -> Page:
        page = new_phone(storage_state=saved_sign_ins.get(email), **options)
        page.goto(HOME_PATHS.get(email, "/"))
        if "/login" in page.url:
            sign_in(page, email)
            saved_sign_ins[email] = page.context.storage_state()
        return page

    return open_page


def wait_until(page: Page, expression: str, seconds: float = 10) -> Any:
    """Polls a page expression until it is truthy and returns it (wait_for_function would
    evaluate inside the page, where the strict CSP forbids eval)."""
    deadline = time.monotonic() + seconds
    while not (value := page.evaluate(expression)):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)
    return value


def open_sign_in(page: Page) -> None:
    """Opens the sign-in page. Just after a test turns the connection back on, the service
    worker may not have heard of it yet: its fetch fails and it answers with the offline page
    (as it should without a connection). Then the page is opened again, as a person would."""
    for _ in range(3):
        page.goto("/login")
        if page.title() != "Offline · Coachapp":
            return
        page.wait_for_timeout(500)
    raise AssertionError("the sign-in page stayed the offline page with the connection back")


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Signs in through the login form, by accessible names, and waits for the home page."""
    open_sign_in(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if password == DEMO_PASSWORD:
        home = HOME_PATHS.get(email)
        page.wait_for_url(
            re.compile(re.escape(home) + "$") if home else lambda url: "/login" not in url
        )
