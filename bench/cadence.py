"""Server time of the director's dashboard and the cadence endpoint on seeded data, next to a
trivial endpoint measured in the same run: `python -m bench.cadence [--scale 20] [--rounds 40]`.

The demo organisation is seeded with `--scale` regions (at least 2): region 1 is
director@example.com's own teams (22 reps), each further region a regional director
(r2.director@example.com, ...) over 5 first-line managers and 51 reps, all under
director@example.com, with six months of coaching. r2.director@example.com sees one region;
director@example.com sees every region, so the same pages are timed on a small and on a
large subtree. Requests are interleaved round by round, /healthz included, so every path sees
the same machine load. Each request's SQL statements are counted; the run fails unless a
path runs the same number for the small and the large subtree and in every round.
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.pages import counting_statements
from coachapp import create_app, migrate
from coachapp.db import get_session
from coachapp.demo import seed_demo
from coachapp.models import User
from coachapp.policy import subtree_ids

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
BASE_URL = "https://localhost"
REGIONAL_DIRECTOR = "r2.director@example.com"
NATIONAL_DIRECTOR = "director@example.com"
PATHS = {
    REGIONAL_DIRECTOR: ["/healthz", "/org", "/api/v1/cadence", "/org/cadence.csv"],
    NATIONAL_DIRECTOR: ["/org", "/api/v1/cadence", "/api/v1/cadence/teams", "/org/cadence.csv"],
    "manager@example.com": ["/team", "/api/v1/cadence"],
}


@dataclass
class Timing:
    who: str
    path: str
    millis: list[float] = field(default_factory=list)
    statements: set[int] = field(default_factory=set)
    size: int = 0

    @property
    def p50(self) -> float:
        return statistics.median(self.millis)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.millis, n=20)[-1] if len(self.millis) > 1 else 0.0


def people_under(app: Any, email: str) -> int:
    """How many people are in the person's subtree."""
    with app.app_context():
        db = get_session()
        person = db.scalars(select(User).where(User.email == email)).one()
        return len(db.scalars(select(User.id).where(User.id.in_(subtree_ids(person)))).all())


def signed_in(app: Any, email: str) -> Any:
    client = app.test_client()
    page = client.get("/login", base_url=BASE_URL)
    token = CSRF_META.search(page.get_data(as_text=True))
    assert token
    response = client.post(
        "/login",
        data={"email": email, "password": "demo-password", "csrf_token": token.group(1)},
        base_url=BASE_URL,
    )
    assert response.status_code == 302, (email, response.status_code)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=20, help="regions, at least 2")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40})
        migrate.upgrade(app)
        started = time.perf_counter()
        with app.app_context():
            seed_demo(get_session(), scale=max(2, args.scale))
        elapsed = time.perf_counter() - started
        small, large = (people_under(app, who) for who in (REGIONAL_DIRECTOR, NATIONAL_DIRECTOR))
        print(
            f"seeded scale={max(2, args.scale)} in {elapsed:.1f} s ({url.split(':')[0]}): "
            f"{small} people under {REGIONAL_DIRECTOR}, {large} under {NATIONAL_DIRECTOR}"
        )

        engine = app.extensions["coachapp.db"].engine
        logging.getLogger("coachapp.request").setLevel(logging.WARNING)
        clients = {email: signed_in(app, email) for email in PATHS}
        timings = [Timing(who, path) for who, paths in PATHS.items() for path in paths]
        for client in clients.values():  # warm up templates and connections
            client.get("/healthz", base_url=BASE_URL)
        for round_number in range(args.rounds + 1):
            for timing in timings:
                client = clients[timing.who]
                with counting_statements(engine) as statements:
                    begin = time.perf_counter()
                    response = client.get(timing.path, base_url=BASE_URL)
                    millis = (time.perf_counter() - begin) * 1000
                assert response.status_code == 200, (timing.path, response.status_code)
                if round_number == 0:
                    continue  # the first round warms caches
                timing.millis.append(millis)
                timing.statements.add(len(statements))
                timing.size = len(response.get_data())

        print(f"{'who':24} {'path':24} {'p50 ms':>8} {'p95 ms':>8} {'SQL':>4} {'bytes':>9}")
        for t in timings:
            statements = ",".join(str(n) for n in sorted(t.statements))
            print(f"{t.who:24} {t.path:24} {t.p50:8.1f} {t.p95:8.1f} {statements:>4} {t.size:9d}")

        problems = [
            f"{t.who} {t.path}: statements vary between rounds: {sorted(t.statements)}"
            for t in timings
            if len(t.statements) != 1
        ]
        one = {t.path: t.statements for t in timings if t.who == REGIONAL_DIRECTOR}
        for t in timings:
            if t.who == NATIONAL_DIRECTOR and t.path in one and t.statements != one[t.path]:
                problems.append(
                    f"{t.path}: {sorted(one[t.path])} statements for one region, "
                    f"{sorted(t.statements)} for {max(2, args.scale)} regions"
                )
        if problems:
            print("\n".join(problems), file=sys.stderr)
            sys.exit(1)
        print("SQL statements per request are the same for one region and for all: constant.")


if __name__ == "__main__":
    main()
