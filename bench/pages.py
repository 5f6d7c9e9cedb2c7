"""Page and API timings on a seeded database: `python -m bench.pages [--scale N] [--rounds R]`.

Prints the median and 95th percentile per page and the SQL statements each
request runs, so a change that adds a query per rep shows up here.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from coachapp import create_app, migrate
from coachapp.db import get_session
from coachapp.demo import seed_demo

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PAGES = {
    "manager@example.com": ["/today", "/team", "/inbox", "/plans", "/org/impact", "/api/v1/reps"],
    "rep1@example.com": ["/my", "/plans", "/plans/1"],
    "director@example.com": [
        "/org",
        "/org/impact",
        "/org/impact?group_by=account",
        "/plans",
        "/plans.csv",
        "/plans/qbr",
        "/api/v1/reps",
    ],
    "admin@example.com": ["/admin/users"],
}


@contextmanager
def counting_statements(engine: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


TRANSACTION_CONTROL = re.compile(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)\b", re.IGNORECASE)


def queries_among(statements: list[str]) -> list[str]:
    """The statements that read or write, on one line each (transaction control left out)."""
    return [" ".join(s.split()) for s in statements if not TRANSACTION_CONTROL.match(s)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40})
        migrate.upgrade(app)
        started = time.perf_counter()
        with app.app_context():
            seed_demo(get_session(), scale=args.scale)
        elapsed = time.perf_counter() - started
        print(f"seeded scale={args.scale} in {elapsed:.1f} s ({url.split(':')[0]})")
        engine = app.extensions["coachapp.db"].engine
        print(f"{'who':24} {'path':16} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
        for email, paths in PAGES.items():
            client = app.test_client()
            page = client.get("/login", base_url="https://localhost")
            token = CSRF_META.search(page.get_data(as_text=True))
            assert token
            client.post(
                "/login",
                data={"email": email, "password": "demo-password", "csrf_token": token.group(1)},
                base_url="https://localhost",
            )
            for path in paths:
                timings = []
                queries = 0
                for _ in range(args.rounds):
                    with counting_statements(engine) as statements:
                        begin = time.perf_counter()
                        response = client.get(path, base_url="https://localhost")
                        timings.append((time.perf_counter() - begin) * 1000)
                    assert response.status_code == 200, (path, response.status_code)
                    queries = len(statements)
                p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
                p50 = statistics.median(timings)
                print(f"{email:24} {path:16} {p50:8.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
