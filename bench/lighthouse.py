"""Lighthouse on the manager's home (/today) at mobile settings: `python -m bench.lighthouse`.

Self-contained like bench.screenshots: the demo organisation on a temporary SQLite database,
served on a free port of 127.0.0.1, signed in as manager@example.com with Playwright; the
session cookie goes to Lighthouse in --extra-headers. Lighthouse is the npm package pinned in
bench/package.json (`npm ci --prefix bench`), driving Debian's Chromium through CHROME_PATH;
nothing downloads a browser. The HTML and JSON reports go to docs/lighthouse/ with the cookie
taken out. Targets (issue 8): performance >= 95, accessibility 100.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.screenshots import CHROMIUM_ARGS, PHONE, demo_server, sign_in

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
DEFAULT_OUT = ROOT / "docs" / "lighthouse"
REPORT_NAME = "manager-today"
WANTED_CATEGORIES = ("performance", "accessibility", "best-practices", "pwa")
TARGETS = {"performance": 95, "accessibility": 100}
# Lighthouse's chrome-launcher adds its own quiet defaults; these keep Debian's Chromium
# headless, unsandboxed (containers) and off the network beyond 127.0.0.1.
LIGHTHOUSE_CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REDACTED = "<session cookie removed>"


def available_categories() -> list[str]:
    """The categories this Lighthouse version knows (the PWA one was dropped in 12.0)."""
    script = (
        "import('lighthouse/core/config/default-config.js')"
        ".then((m) => console.log(JSON.stringify(Object.keys(m.default.categories))))"
    )
    node = shutil.which("node") or "node"
    found = subprocess.run(  # noqa: S603 - node with our own script
        [node, "--input-type=module", "-e", script],
        cwd=BENCH,
        check=True,
        capture_output=True,
        text=True,
    )
    known = set(json.loads(found.stdout))
    return [name for name in WANTED_CATEGORIES if name in known]


def session_cookie(base_url: str, executable: str, email: str) -> str:
    """A Cookie header for a fresh sign-in, as the browser would send it."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=PHONE, is_mobile=True, base_url=base_url)
            page = context.new_page()
            sign_in(page, email)
            cookies = context.cookies(base_url)
        finally:
            browser.close()
    return "; ".join(f"{cookie['name']}={cookie['value']}" for cookie in cookies)


def run_lighthouse(url: str, cookie: str, categories: list[str], out: Path, chrome: str) -> Path:
    """Runs the Lighthouse CLI; returns the path of the JSON report."""
    stem = out / REPORT_NAME
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output=html",
        f"--output-path={stem}",
        f"--only-categories={','.join(categories)}",
        f"--chrome-flags={' '.join(LIGHTHOUSE_CHROME_FLAGS)}",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
        # The page as a tall image would add about 300 KB to each report in docs/.
        "--disable-full-page-screenshot",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": chrome}
    subprocess.run(command, cwd=BENCH, env=env, check=True)  # noqa: S603 - the pinned CLI
    return stem.with_name(f"{REPORT_NAME}.report.json")


def remove_cookie(out: Path, cookie: str) -> None:
    """The reports repeat the settings, extra headers included: keep the cookie out of docs/."""
    for report in out.glob(f"{REPORT_NAME}.report.*"):
        text = report.read_text(encoding="utf-8")
        for secret in {cookie, json.dumps(cookie)[1:-1]} | set(cookie.split("; ")):
            text = text.replace(secret, REDACTED)
        report.write_text(text, encoding="utf-8")


def print_scores(report: dict) -> bool:
    """Prints each category's score and the audits that cost points; True when targets are met."""
    met = True
    print(f"Lighthouse {report['lighthouseVersion']} on {report['finalDisplayedUrl']}")
    print(
        f"form factor {report['configSettings']['formFactor']}, "
        f"throttling {report['configSettings']['throttlingMethod']}"
    )
    for name, category in report["categories"].items():
        score = round((category["score"] or 0) * 100)
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"  (target {target}: {'met' if score >= target else 'MISSED'})"
            met = met and score >= target
        print(f"  {category['title']:16} {score:4}{verdict}")
    for key in (
        "first-contentful-paint",
        "largest-contentful-paint",
        "total-blocking-time",
        "cumulative-layout-shift",
        "speed-index",
    ):
        audit = report["audits"].get(key)
        if audit:
            print(f"  {audit['title']:28} {audit.get('displayValue', '')}")
    failing = [
        audit
        for category in report["categories"].values()
        for ref in category["auditRefs"]
        if ref["weight"] > 0
        for audit in [report["audits"][ref["id"]]]
        if audit["score"] is not None and audit["score"] < 0.9
    ]
    if failing:
        print("Audits below 90:")
        for audit in failing:
            print(f"  {audit['id']:32} {round(audit['score'] * 100):4}  {audit['title']}")
    # Opportunities carry no weight in the score but say where bytes or time could go.
    opportunities = [
        audit
        for audit in report["audits"].values()
        if audit["scoreDisplayMode"] == "metricSavings" and (audit["score"] or 0) < 1
    ]
    if opportunities:
        print("Opportunities (no weight in the score):")
        for audit in opportunities:
            print(f"  {audit['id']:32} {audit.get('displayValue', '')}")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the reports")
    parser.add_argument("--path", default="/today", help="page to audit (signed in)")
    parser.add_argument("--email", default="manager@example.com", help="who signs in")
    args = parser.parse_args(argv)
    chrome = shutil.which("chromium")
    if chrome is None:
        print("chromium is not installed: apt-get install chromium (or make chromium)")
        return 1
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: npm ci --prefix bench")
        return 1
    categories = available_categories()
    if "pwa" not in categories:
        print(
            "(this Lighthouse has no PWA category; installability is covered by the browser tests)"
        )
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with demo_server() as base_url:
        cookie = session_cookie(base_url, chrome, args.email)
        json_report = run_lighthouse(base_url + args.path, cookie, categories, out, chrome)
    remove_cookie(out, cookie)
    met = print_scores(json.loads(json_report.read_text(encoding="utf-8")))
    print(f"reports: {json_report.with_suffix('.html')}, {json_report}")
    return 0 if met else 2


if __name__ == "__main__":
    sys.exit(main())
