"""Server time of the director's dashboard and the cadence endpoint on seeded data, next to a
trivial endpoint measured in the same run: `python -m bench.cadence [--scale 20] [--rounds 40]`.

The demo organisation is seeded `--scale` times (18 reps, 3 managers and a director per
copy, six months of coaching). `director@example.com` sees one copy; a vice-president added
above every copy's director (`vp@example.com`) sees all of them, so the same pages are timed
on a small and on a large subtree. Requests are interleaved round by round, /healthz
included, so every path sees the same machine load. Each request's SQL statements are
counted; the run fails unless a path runs the same number for the small and the large
subtree and in every round.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bench.pages import counting_statements
from coachapp import create_app, migrate
from coachapp.db import get_session
from coachapp.demo import seed_demo
from coachapp.models import Function, Role, User

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
BASE_URL = "https://localhost"
VP_EMAIL = "vp@example.com"
PATHS = {
    "director@example.com": ["/healthz", "/org", "/api/v1/cadence", "/org/cadence.csv"],
    VP_EMAIL: ["/org", "/api/v1/cadence", "/api/v1/cadence/teams", "/org/cadence.csv"],
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


def add_vice_president(app: Any) -> int:
    """A director over every copy's director; returns how many reps they oversee."""
    with app.app_context():
        db = get_session()
        if db.scalar(select(User.id).where(User.email == VP_EMAIL)) is None:
            director = db.scalars(select(User).where(User.email == "director@example.com")).one()
            vp = User(
                email=VP_EMAIL,
                name="Victoria Price",
                password_hash=director.password_hash,
                role=Role.DIRECTOR,
                function=Function.SALES,
                timezone="America/Chicago",
                region="National",
            )
            db.add(vp)
            db.flush()
            db.execute(
                update(User)
                .where(User.role == Role.DIRECTOR, User.id != vp.id)
                .values(manager_id=vp.id)
            )
            db.commit()
        return len(db.scalars(select(User.id).where(User.role == Role.REP)).all())


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
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40})
        migrate.upgrade(app)
        started = time.perf_counter()
        with app.app_context():
            seed_demo(get_session(), scale=args.scale)
        reps = add_vice_president(app)
        elapsed = time.perf_counter() - started
        print(f"seeded scale={args.scale} ({reps} reps) in {elapsed:.1f} s ({url.split(':')[0]})")

        engine = app.extensions["coachapp.db"].engine
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

        print(f"{'who':22} {'path':24} {'p50 ms':>8} {'p95 ms':>8} {'SQL':>4} {'bytes':>9}")
        for t in timings:
            statements = ",".join(str(n) for n in sorted(t.statements))
            print(f"{t.who:22} {t.path:24} {t.p50:8.1f} {t.p95:8.1f} {statements:>4} {t.size:9d}")

        problems = [
            f"{t.who} {t.path}: statements vary between rounds: {sorted(t.statements)}"
            for t in timings
            if len(t.statements) != 1
        ]
        small = {t.path: t.statements for t in timings if t.who == "director@example.com"}
        for t in timings:
            if t.who == VP_EMAIL and t.path in small and t.statements != small[t.path]:
                problems.append(
                    f"{t.path}: {sorted(small[t.path])} statements for one copy, "
                    f"{sorted(t.statements)} for {args.scale} copies"
                )
        if problems:
            print("\n".join(problems), file=sys.stderr)
            sys.exit(1)
        print("SQL statements per request are the same for 18 and for all reps: constant.")


if __name__ == "__main__":
    main()
