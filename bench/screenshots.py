"""Screenshots of every role's home on a phone (390x844), for the README and reviews.

    python -m bench.screenshots [--out docs/screenshots]

Self-contained: a temporary SQLite database, migrated and seeded with the demo organisation,
served on a free port of 127.0.0.1 in a thread, and Debian's Chromium (never a downloaded one).
Images are at device scale factor 2. Long pages are taken "tall": the viewport grows to the
page's height, at most TALL_MAX_HEIGHT CSS px, so the fixed bottom navigation sits at the
bottom of the image (a full-page capture would leave it floating over the content) and each
file stays around 400 KB at most.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from sqlalchemy import select

from bench import account_review, blind_rating, debrief, observations, offline, ride_along
from bench.live import serving
from coachapp import create_app, migrate
from coachapp.db import get_session
from coachapp.demo import DEMO_PASSWORD, seed_demo
from coachapp.models import User
from coachapp.nudges.rules import evaluate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "screenshots"
PHONE: ViewportSize = {"width": 390, "height": 844}
TALL_MAX_HEIGHT = 1500
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


@dataclass(frozen=True)
class Shot:
    file: str
    email: str | None  # None: signed out
    path: str  # "{manager}" stands for a demo user's id, found by email (DEMO_USERS)
    tall: bool = False
    tall_max: int = 0  # CSS px, instead of TALL_MAX_HEIGHT
    color_scheme: Literal["light", "dark"] = "light"


# Demo users whose id a path names: ids are not stable as the demo grows.
DEMO_USERS = {"manager": "manager@example.com", "rep1": "rep1@example.com"}

SHOTS = (
    Shot("login.png", None, "/login"),
    # Shown in the README: one screen (counts that open their lists, tomorrow's ride-along).
    Shot("manager-today.png", "manager@example.com", "/today"),
    Shot("manager-today-dark.png", "manager@example.com", "/today", color_scheme="dark"),
    Shot("manager-team.png", "manager@example.com", "/team", tall=True),
    # Shown as the first screen: rep4 has a note shared in the last days, to rate and acknowledge.
    Shot("rep-home.png", "rep4@example.com", "/my"),
    Shot("director-teams.png", "director@example.com", "/org", tall=True),
    Shot("director-teams-dark.png", "director@example.com", "/org", color_scheme="dark"),
    # The account teams across lines: the 3C's from their reviews, cross-functional or not.
    Shot("director-account-teams.png", "director@example.com", "/org#account-teams"),
    Shot("director-team.png", "director@example.com", "/org/teams/{manager}", tall=True),
    # Goal attainment beside coaching over four quarters: per team, and per account for a manager.
    Shot("director-impact.png", "director@example.com", "/org/impact", tall=True, tall_max=2400),
    Shot(
        "manager-impact-accounts.png",
        "manager@example.com",
        "/org/impact?group_by=account",
        tall=True,
        tall_max=2400,
    ),
    Shot("team-summary.png", "director@example.com", "/org/teams/{manager}/summary", tall=True),
    # The regional QBR: the summary of the director's subtree, then the first plans' cards.
    Shot("regional-qbr.png", "director@example.com", "/plans/qbr", tall=True, tall_max=2400),
    Shot("admin-people.png", "admin@example.com", "/admin/users", tall=True),
    # rep1 owns plan 1 (the demo seeds plans first).
    Shot("manager-rep-page.png", "manager@example.com", "/people/{rep1}", tall=True),
    Shot("rep-plan.png", "rep1@example.com", "/plans/1", tall=True),
    # Plan 1's account (Granite Coast, account 1): its team across the lines, as rep1's manager,
    # down to when each function last met the customer.
    Shot("account-team.png", "manager@example.com", "/accounts/1/team", tall=True, tall_max=2100),
    Shot("director-plans.png", "director@example.com", "/plans", tall=True),
    Shot("rep-notes.png", "rep1@example.com", "/notes", tall=True),
    Shot("manager-inbox.png", "manager@example.com", "/inbox", tall=True),
    Shot(
        "manager-notification-settings.png", "manager@example.com", "/me/notifications", tall=True
    ),
)


@contextmanager
def demo_server() -> Iterator[tuple[str, dict[str, int]]]:
    """The app with the demo organisation on a temporary SQLite file; yields its base URL and
    the ids of DEMO_USERS."""
    with tempfile.TemporaryDirectory(prefix="coachapp-screenshots-") as directory:
        app = create_app(
            {
                "ENV": "development",
                "DATABASE_URL": f"sqlite:///{Path(directory) / 'demo.sqlite3'}",
                "SECRET_KEY": secrets.token_urlsafe(32),
            }
        )
        migrate.upgrade(app)
        with app.app_context():
            seed_demo(get_session())
            evaluate(get_session())  # the nudges a running worker would have written
            emails = {email: name for name, email in DEMO_USERS.items()}
            rows = get_session().execute(select(User.email, User.id).where(User.email.in_(emails)))
            ids = {emails[email]: user_id for email, user_id in rows}
        try:
            with serving(app, "screenshots") as url:
                yield url, ids
        finally:
            app.extensions["coachapp.db"].engine.dispose()


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def take(browser: Browser, base_url: str, shot: Shot, out: Path, ids: dict[str, int]) -> Path:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        color_scheme=shot.color_scheme,
        base_url=base_url,
    )
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        if shot.email:
            sign_in(page, shot.email)
        page.goto(shot.path.format_map(ids))
        page.wait_for_load_state("networkidle")
        if shot.tall:
            height = page.evaluate("document.documentElement.scrollHeight")
            page.set_viewport_size(
                {"width": PHONE["width"], "height": min(height, shot.tall_max or TALL_MAX_HEIGHT)}
            )
        if errors:
            raise RuntimeError(f"{shot.file}: the page reported errors: {errors}")
        target = out / shot.file
        page.screenshot(path=str(target), animations="disabled")
        return target
    finally:
        context.close()


def take_steps(
    browser: Browser,
    base_url: str,
    out: Path,
    only: str,
    steps: Callable[[Callable[[str], Page], Callable[[Page, str], None]], None],
) -> list[Path]:
    """Screenshots along a story of steps (bench.ride_along, ...): steps(new_page, shot) signs
    people in, each on a phone of their own, and calls shot(page, file) after each step; a
    file is written when it matches --only."""
    contexts = []
    taken: list[Path] = []

    def new_page(email: str) -> Page:
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, base_url=base_url
        )
        contexts.append(context)
        page = context.new_page()
        sign_in(page, email)
        return page

    def shot(page: Page, name: str) -> None:
        if not only or re.search(only, name):
            page.screenshot(path=str(out / name), animations="disabled")
            taken.append(out / name)

    try:
        steps(new_page, shot)
    finally:
        for context in contexts:
            context.close()
    return taken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNG files")
    parser.add_argument(
        "--only", default="", help="regular expression: only the screenshots whose file matches"
    )
    args = parser.parse_args(argv)
    executable = shutil.which("chromium")
    if executable is None:
        print("chromium is not installed: apt-get install chromium (or make chromium)")
        return 1
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with demo_server() as (base_url, ids), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for shot in SHOTS:
                if args.only and not re.search(args.only, shot.file):
                    continue
                target = take(browser, base_url, shot, out, ids)
                print(f"{target}  {target.stat().st_size // 1024} KB")
            if not args.only or re.search(args.only, "ride-along-"):
                day = dt.date.today()
                for target in take_steps(
                    browser,
                    base_url,
                    out,
                    args.only,
                    lambda new_page, shot: ride_along.take_screenshots(new_page, shot, day),
                ):
                    print(f"{target}  {target.stat().st_size // 1024} KB")
            if not args.only or any(re.search(args.only, f) for f in blind_rating.FILES):
                for target in take_steps(
                    browser, base_url, out, args.only, blind_rating.take_screenshots
                ):
                    print(f"{target}  {target.stat().st_size // 1024} KB")
            if not args.only or any(re.search(args.only, f) for f in account_review.FILES):
                for target in take_steps(
                    browser, base_url, out, args.only, account_review.take_screenshots
                ):
                    print(f"{target}  {target.stat().st_size // 1024} KB")
            # Last: its note changes what Today counts.
            if not args.only or any(re.search(args.only, f) for f in offline.FILES):
                for target in take_steps(
                    browser, base_url, out, args.only, offline.take_screenshots
                ):
                    print(f"{target}  {target.stat().st_size // 1024} KB")
            # After everything: the draft it leaves open is in no screenshot above.
            if not args.only or any(re.search(args.only, f) for f in debrief.FILES):
                for target in take_steps(
                    browser, base_url, out, args.only, debrief.take_screenshots
                ):
                    print(f"{target}  {target.stat().st_size // 1024} KB")
            # After the debrief: its note (to a market access colleague) is in no other shot.
            if not args.only or any(re.search(args.only, f) for f in observations.FILES):
                for target in take_steps(
                    browser, base_url, out, args.only, observations.take_screenshots
                ):
                    print(f"{target}  {target.stat().st_size // 1024} KB")
        finally:
            browser.close()
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
