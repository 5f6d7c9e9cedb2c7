"""Bytes the app sends with and without compression: `python -m bench.compression [--scale N]`.

The demo organisation on a temporary SQLite database (`seed-demo --scale N`, 1 by default);
each page, API answer and static file is fetched through the app three times: without
Accept-Encoding (what it sent before compression), with `gzip` and with `br`, and the body
as sent is counted (headers left out). The CPU time of compressing each body once more, at
the app's settings, is measured beside it (process time, the median of --rounds).
"""

from __future__ import annotations

import argparse
import gzip
import logging
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import brotli
from flask import Flask, url_for

from coachapp import create_app, migrate
from coachapp.db import get_session
from coachapp.demo import seed_demo

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
BASE = "https://localhost"
KB = 1024
PAGES = {
    "director@example.com": ["/org", "/api/v1/cadence", "/org/sessions.csv"],
    "manager@example.com": ["/today"],
}
STATIC = ["css/app.css", "js/app.js", "js/offline.js", "vendor/htmx-4.0.1.min.js"]


def signed_in(app: Flask, email: str) -> object:
    client = app.test_client()
    page = client.get("/login", base_url=BASE)
    token = CSRF_META.search(page.get_data(as_text=True))
    assert token
    answer = client.post(
        "/login",
        data={"email": email, "password": "demo-password", "csrf_token": token.group(1)},
        base_url=BASE,
    )
    assert answer.status_code == 302, answer.status_code
    return client


def cpu_ms(compress: Callable[[], bytes], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.process_time()
        compress()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    logging.getLogger("coachapp.request").disabled = True  # one line per request otherwise
    with tempfile.TemporaryDirectory(prefix="coachapp-compression-") as tmp:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "SECRET_KEY": "bench-" + "x" * 40,
            }
        )
        migrate.upgrade(app)
        with app.app_context():
            seed_demo(get_session(), scale=args.scale)
        with app.test_request_context(base_url=BASE):
            static = [url_for("static", filename=name) for name in STATIC]
        fetches = [(who, path) for who, paths in PAGES.items() for path in paths]
        fetches += [(None, path) for path in static]
        level, quality = app.config["COMPRESS_LEVEL"], app.config["COMPRESS_BR_LEVEL"]
        print(f"Demo organisation, seed-demo --scale {args.scale}; bytes as sent (body only)\n")
        header = (
            f"{'answer':34} {'raw KB':>8} {'gzip KB':>8} {'br KB':>8} {'gzip ms':>8} {'br ms':>7}"
        )
        print(header)
        print("-" * len(header))
        clients: dict[str | None, object] = {}
        for who, path in fetches:
            if who not in clients:
                clients[who] = signed_in(app, who) if who else app.test_client()
            client = clients[who]
            sizes = {}
            body = b""
            for coding in ("", "gzip", "br"):
                headers = {"Accept-Encoding": coding} if coding else {}
                answer = client.get(path, base_url=BASE, headers=headers)  # type: ignore[attr-defined]
                assert answer.status_code == 200, (path, answer.status_code)
                assert answer.headers.get("Content-Encoding", "") == coding, (path, coding)
                sizes[coding] = len(answer.get_data())
                body = body or answer.get_data()
            gzip_ms = cpu_ms(lambda b=body: gzip.compress(b, compresslevel=level), args.rounds)
            br_ms = cpu_ms(lambda b=body: brotli.compress(b, quality=quality), args.rounds)
            name = re.sub(r"\.[0-9a-f]{12}\.", ".", path)
            label = f"{name} ({who.split('@')[0]})" if who else name
            print(
                f"{label[:34]:34} {sizes[''] / KB:8.1f} {sizes['gzip'] / KB:8.1f} "
                f"{sizes['br'] / KB:8.1f} {gzip_ms:8.2f} {br_ms:7.2f}"
            )
        app.extensions["coachapp.db"].engine.dispose()


if __name__ == "__main__":
    main()
