"""axe-core on the pages of every role, at phone size, light and dark.

    python -m bench.axe            (make axe)

Self-contained like bench.screenshots: the demo organisation on a temporary SQLite
database, Debian's Chromium. axe-core comes with the Lighthouse package under
bench/node_modules (`npm ci --prefix bench`); it is evaluated through the DevTools
protocol, which the page's Content-Security-Policy does not govern. Prints every violation
with the page it is on and exits 1 when there is any.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from bench.screenshots import CHROMIUM_ARGS, PHONE, demo_server, sign_in

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

# Demo ids are stable: rep1 is user 6 and owns plan 1.
PAGES: dict[str | None, tuple[str, ...]] = {
    None: ("/login", "/offline"),
    "manager@example.com": (
        "/today", "/team", "/people/6", "/plans", "/plans/1", "/notes", "/follow-ups",
        "/inbox", "/me", "/me/notifications", "/notes/offline",
    ),
    "rep1@example.com": (
        "/my", "/plans", "/plans/1", "/notes", "/follow-ups", "/self-assessment", "/inbox",
        "/me",
    ),
    "director@example.com": ("/org", "/plans", "/plans/qbr", "/inbox", "/me"),
    "admin@example.com": (
        "/admin/users", "/admin/guides", "/admin/import", "/admin/cadence-targets",
        "/admin/worker", "/me",
    ),
}  # fmt: skip


def scan(browser: Browser, base_url: str, email: str | None, scheme: str) -> list[str]:
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, base_url=base_url, color_scheme=scheme
    )
    page = context.new_page()
    if email:
        sign_in(page, email)
    source = AXE.read_text("utf-8")
    found: list[str] = []
    for path in PAGES[email]:
        response = page.goto(path)
        status = response.status if response else 0
        if status != 200:
            found.append(f"{scheme} {email or 'signed out'} {path}: HTTP {status}")
            continue
        page.evaluate(source)
        violations: list[dict[str, Any]] = page.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then((r) => r.violations)"
        )
        for violation in violations:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            found.append(
                f"{scheme} {email or 'signed out'} {path}: {violation['id']} "
                f"({violation['impact']}) {violation['help']} at {targets}"
            )
    context.close()
    return found


def main() -> int:
    if not AXE.exists():
        print("axe-core is missing: run `npm ci --prefix bench`", file=sys.stderr)
        return 2
    executable = shutil.which("chromium")
    if executable is None:
        print("Chromium is missing: apt-get install chromium", file=sys.stderr)
        return 2
    problems: list[str] = []
    pages = 0
    with demo_server() as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for scheme in ("light", "dark"):
            for email in PAGES:
                problems += scan(browser, base_url, email, scheme)
                pages += len(PAGES[email])
        browser.close()
    for line in problems:
        print(line)
    print(f"axe-core: {pages} page views, {len(problems)} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
