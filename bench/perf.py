"""Response times of the main pages on the production stack, against the framework floor:
`python -m bench.perf` (`make bench-perf`), results in docs/performance.md.

One run: a PostgreSQL database seeded with `seed-demo --scale 20`, gunicorn with
config/gunicorn.conf.py and the background worker (bench/stack.py). At 1, 10 and 50
closed-loop clients, each measured endpoint runs in a phase of its own in which every client
repeats rounds of three requests in a shuffled order: the endpoint, the framework floor
(GET /api/v1/me with the same credentials: the cheapest signed-in request, session or token
plus loading the user) and GET /healthz (no session, no database). Floor and page thus see
the same load. Each page's p95 is reported as a ratio to the floor's p95 of its own phase.

SQL statements per request are counted in-process (a SQLAlchemy event listener, as
bench.pages does) on a database seeded with --scale 1 and on the run's --scale 20 database.

Exits non-zero when a page's p95 exceeds 5x the floor's at 10 clients, when a page runs a
different number of statements at the two scales, or when any request fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import logging
import os
import platform
import random
import re
import runpy
import shutil
import signal
import statistics
import subprocess  # nosec B404 - git and nproc-like facts for the report
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from bench.cadence import BASE_URL, signed_in
from bench.pages import counting_statements
from bench.stack import ROOT, ApiClient, SharedDatabase, Stack, WebClient, prepare_database
from coachapp import create_app

FLOOR_PATH = "/api/v1/me"
HEALTH_PATH = "/healthz"
RATIO_LIMIT = 5.0
GATE_CLIENTS = 10
DEFAULT_LEVELS = (1, 10, 50)
REPORT = ROOT / "docs" / "performance.md"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
Client = WebClient | ApiClient


@dataclass(frozen=True)
class Endpoint:
    """One measured request: who makes it, how, and what a correct answer is."""

    key: str
    title: str
    who: str
    method: str
    path: str  # may hold {rep}, the id of the first rep of whoever makes the request
    api: bool = False  # Bearer token (as an API client) instead of the browser session
    expect: int = 200
    # Made in turn by every manager but the one whose home is measured (`who` in the SQL
    # count): the write limit lets one person make WRITE_RATE_PER_MINUTE writes a minute,
    # and many managers logging coaching at once is what the server sees anyway.
    every_manager: bool = False

    def url(self, reps: dict[str, int], who: str | None = None) -> str:
        return self.path.format(rep=reps.get(who or self.who, 0))


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("today", "Manager home", "manager@example.com", "GET", "/today"),
    Endpoint("rep", "Rep page", "manager@example.com", "GET", "/people/{rep}"),
    # What a tap on "Start another note" sends (another=1): the page's form with a fresh
    # client_uuid; it makes a draft and answers with a redirect to its form ("Log coaching"
    # itself opens the manager's draft about the rep once there is one). Not made by
    # manager@, so the drafts it leaves do not lengthen the Today page measured in the same
    # run.
    Endpoint(
        "log",
        "Log coaching (POST)",
        "manager2@example.com",
        "POST",
        "/people/{rep}/coaching",
        expect=302,
        every_manager=True,
    ),
    Endpoint("org", "Director dashboard", "director@example.com", "GET", "/org"),
    Endpoint("impact", "Impact page", "director@example.com", "GET", "/org/impact"),
    Endpoint("cadence", "Cadence API", "director@example.com", "GET", "/api/v1/cadence", api=True),
)


# Machine facts ------------------------------------------------------------------------


def _first_line(path: str, prefix: str) -> str:
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def gunicorn_settings() -> tuple[int, int]:
    """Workers and threads as config/gunicorn.conf.py computes them in this environment."""
    settings = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    return int(settings["workers"]), int(settings["threads"])


def git_revision() -> str:
    """The commit measured, marked when the working tree differs from it."""
    git = shutil.which("git")
    if git is None:
        return "unknown"

    def run(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed command  # nosec B603
            [git, *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = run("status", "--porcelain", "--untracked-files=no", "--", "coachapp", "config")
    return (run("rev-parse", "--short", "HEAD") or "unknown") + (" (+ changes)" if dirty else "")


@dataclass
class Machine:
    cpus: int
    memory: str
    cpu_model: str
    load_at_start: str
    postgres: str = ""
    workers: int = 0
    threads: int = 0
    python: str = platform.python_version()
    load_at_end: str = ""

    @classmethod
    def now(cls) -> Machine:
        kib = _first_line("/proc/meminfo", "MemTotal").split()[0]
        memory = f"{int(kib) / 1024 / 1024:.1f} GiB" if kib.isdigit() else "unknown"
        workers, threads = gunicorn_settings()
        return cls(
            cpus=os.cpu_count() or 0,
            memory=memory,
            cpu_model=_first_line("/proc/cpuinfo", "model name"),
            load_at_start=load_average(),
            workers=workers,
            threads=threads,
        )


# SQL statements per request, in-process ------------------------------------------------


def rep_ids(database_url: str) -> dict[str, int]:
    """Each manager's first rep (rep1@example.com for manager@example.com), by email."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT m.email, min(r.id) FROM users r JOIN users m ON r.manager_id = m.id"
                    " WHERE m.role = 'manager' AND m.active AND r.active GROUP BY m.email"
                )
            ).all()
    finally:
        engine.dispose()
    return {email: rep_id for email, rep_id in rows}


def count_statements(
    database_url: str, endpoints: Sequence[Endpoint], rounds: int = 3
) -> dict[str, set[int]]:
    """Statements each endpoint (and the floor) runs per request, over a few requests."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench-" + "x" * 40})
    logging.getLogger("coachapp.request").setLevel(logging.WARNING)
    engine = app.extensions["coachapp.db"].engine
    reps = rep_ids(database_url)
    counts: dict[str, set[int]] = {}
    browsers: dict[str, Any] = {}
    tokens: dict[str, str] = {}

    def browser(email: str) -> Any:
        if email not in browsers:
            browsers[email] = signed_in(app, email)
        return browsers[email]

    def bearer(email: str) -> dict[str, str]:
        if email not in tokens:
            answer = app.test_client().post(
                "/api/v1/tokens",
                json={"email": email, "password": "demo-password", "name": "bench"},
                base_url=BASE_URL,
            )
            assert answer.status_code == 201, (email, answer.status_code)
            tokens[email] = answer.get_json()["token"]
        return {"Authorization": f"Bearer {tokens[email]}"}

    def measure(key: str, call: Callable[[], Any], expect: int) -> None:
        call()  # the first request warms caches and connections
        for _ in range(rounds):
            with counting_statements(engine) as statements:
                response = call()
            assert response.status_code == expect, (key, response.status_code)
            counts.setdefault(key, set()).add(len(statements))

    def calls(endpoint: Endpoint) -> tuple[Callable[[], Any], Callable[[], Any]]:
        """The endpoint's request and the floor, made as the load test makes them."""
        path = endpoint.url(reps)
        if endpoint.api:
            api = app.test_client()  # the token alone, no browser session
            headers = bearer(endpoint.who)
            return (
                lambda: api.get(path, base_url=BASE_URL, headers=headers),
                lambda: api.get(FLOOR_PATH, base_url=BASE_URL, headers=headers),
            )
        client = browser(endpoint.who)

        def floor() -> Any:
            return client.get(FLOOR_PATH, base_url=BASE_URL)

        if endpoint.method != "POST":
            return lambda: client.get(path, base_url=BASE_URL), floor
        page = client.get(f"/people/{reps[endpoint.who]}", base_url=BASE_URL)
        found = CSRF_META.search(page.get_data(as_text=True))
        assert found, "no CSRF token on the rep page"
        form = {"csrf_token": found.group(1)}

        def post() -> Any:
            data = {**form, "client_uuid": str(uuid.uuid4()), "another": "1"}
            return client.post(path, data=data, base_url=BASE_URL)

        return post, floor

    for endpoint in endpoints:
        page_call, floor_call = calls(endpoint)
        measure(endpoint.key, page_call, endpoint.expect)
        measure(f"floor:{endpoint.key}", floor_call, 200)
    measure("healthz", lambda: app.test_client().get(HEALTH_PATH, base_url=BASE_URL), 200)
    app.extensions["coachapp.db"].engine.dispose()
    return counts


# Load ------------------------------------------------------------------------------------


def clone(client: Client) -> Client:
    """Another connection of the same signed-in browser or token (one sign-in per user:
    argon2 is deliberately slow, and a person may hold only so many API tokens)."""
    copy: Client
    if isinstance(client, WebClient):
        copy = WebClient(client.base_url)
        copy.http.cookies.update(client.http.cookies)
        copy.csrf = client.csrf
    else:
        copy = ApiClient(client.base_url)
        copy.http.headers["Authorization"] = client.http.headers["Authorization"]
    copy.email = client.email
    return copy


@dataclass
class Series:
    """Response times of one kind of request in one phase, in milliseconds."""

    millis: list[float] = field(default_factory=list)

    def percentile(self, p: int) -> float:
        if len(self.millis) < 2:
            return self.millis[0] if self.millis else float("nan")
        return statistics.quantiles(self.millis, n=100, method="inclusive")[p - 1]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p95(self) -> float:
        return self.percentile(95)

    @property
    def p99(self) -> float:
        return self.percentile(99)


@dataclass
class Phase:
    endpoint: Endpoint
    clients: int
    page: Series = field(default_factory=Series)
    floor: Series = field(default_factory=Series)
    health: Series = field(default_factory=Series)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    load: str = ""

    @property
    def page_rate(self) -> float:
        return len(self.page.millis) / self.seconds if self.seconds else 0.0

    @property
    def total_rate(self) -> float:
        total = len(self.page.millis) + len(self.floor.millis) + len(self.health.millis)
        return total / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.page.p95 / self.floor.p95

    @property
    def health_ratio(self) -> float:
        return self.page.p95 / self.health.p95


def _timed(call: Callable[[], requests.Response]) -> tuple[float, int]:
    """Milliseconds and status of one request; a keep-alive connection the server closed
    meanwhile (gunicorn's keepalive, a recycled worker) is reopened once, as a browser
    would, and the time counts both tries."""
    begin = time.perf_counter()
    try:
        response = call()
    except requests.ConnectionError:
        response = call()
    return (time.perf_counter() - begin) * 1000, response.status_code


def run_phase(
    endpoint: Endpoint,
    clients: Sequence[Sequence[tuple[Client, str]]],
    requests_wanted: int,
    warmup_rounds: int,
) -> Phase:
    """`len(clients)` closed-loop clients, each repeating rounds of (page, floor, /healthz)
    in a shuffled order, until `requests_wanted` rounds are done after the warm-up. Each
    client is one or more signed-in people with the page's path for them, taken in turn
    round by round."""
    phase = Phase(endpoint, len(clients), load=load_average())
    lock = threading.Lock()
    remaining = [requests_wanted]
    started = threading.Barrier(len(clients) + 1)
    finished = threading.Barrier(len(clients) + 1)

    def page_request(client: Client, path: str) -> requests.Response:
        if endpoint.method == "POST":
            assert isinstance(client, WebClient)
            data = {"client_uuid": str(uuid.uuid4()), "another": "1"}
            return client.post(path, data, allow_redirects=False)
        return client.get(path, allow_redirects=False)

    def loop(number: int, people: Sequence[tuple[Client, str]]) -> None:
        shuffle = random.Random(number).shuffle
        kinds = ["page", "floor", "health"]
        turn = [0]

        def call(kind: str) -> requests.Response:
            client, path = people[turn[0] % len(people)]
            if kind == "page":
                return page_request(client, path)
            return client.get(FLOOR_PATH if kind == "floor" else HEALTH_PATH)

        expected = {"page": endpoint.expect, "floor": 200, "health": 200}

        def measured_rounds() -> None:
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                turn[0] += 1
                shuffle(kinds)
                for kind in kinds:
                    try:
                        millis, status = _timed(functools.partial(call, kind))
                    except requests.RequestException as exc:
                        with lock:
                            phase.errors.append(f"{kind}: {exc.__class__.__name__}: {exc}")
                        continue
                    with lock:
                        getattr(phase, kind).millis.append(millis)
                        if status != expected[kind]:
                            phase.errors.append(f"{kind}: HTTP {status}")

        try:
            try:
                for _ in range(warmup_rounds):
                    turn[0] += 1
                    for kind in kinds:
                        _timed(functools.partial(call, kind))
            finally:
                started.wait()  # every client starts measuring at once
            measured_rounds()
        except Exception as exc:  # reported; the run fails on it
            with lock:
                phase.errors.append(f"client {number}: {exc.__class__.__name__}: {exc}")
        finally:
            finished.wait()

    threads = [
        threading.Thread(target=loop, args=(n, people), name=f"client-{n}", daemon=True)
        for n, people in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    started.wait()
    begin = time.perf_counter()
    finished.wait()
    phase.seconds = time.perf_counter() - begin
    for thread in threads:
        thread.join()
    return phase


# Report ----------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f}"


def verdicts(phases: list[Phase], counts: dict[int, dict[str, set[int]]]) -> list[str]:
    """Everything that fails the run, one line each (none: it passes)."""
    problems = []
    for phase in phases:
        if phase.errors:
            sample = "; ".join(sorted(set(phase.errors))[:3])
            problems.append(
                f"{phase.endpoint.title} at {phase.clients} clients: "
                f"{len(phase.errors)} failed requests ({sample})"
            )
        if phase.clients == GATE_CLIENTS and not phase.ratio <= RATIO_LIMIT:
            problems.append(
                f"{phase.endpoint.title}: p95 {_ms(phase.page.p95)} ms is "
                f"{phase.ratio:.1f}x the floor's {_ms(phase.floor.p95)} ms at "
                f"{GATE_CLIENTS} clients (limit {RATIO_LIMIT:.0f}x)"
            )
    small, large = (counts[scale] for scale in sorted(counts))
    for key in sorted(set(small) | set(large)):
        if len(small.get(key, set())) != 1 or small.get(key) != large.get(key):
            problems.append(
                f"{key}: SQL statements per request {sorted(small.get(key, set()))} at the "
                f"small scale, {sorted(large.get(key, set()))} at the large one"
            )
    return problems


def report(
    machine: Machine,
    phases: list[Phase],
    counts: dict[int, dict[str, set[int]]],
    problems: list[str],
    args: argparse.Namespace,
    reps: dict[str, int],
) -> str:
    small_scale, large_scale = sorted(counts)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Performance on the production stack",
        "",
        f"Generated by `make bench-perf` (`python -m bench.perf`) on {when}, "
        f"revision `{git_revision()}`. Do not edit by hand: run it again.",
        "",
        "## Verdict",
        "",
    ]
    if problems:
        lines += [f"**FAILED** ({len(problems)}):", ""] + [f"- {p}" for p in problems]
    else:
        lines.append(
            f"**Passed**: at {GATE_CLIENTS} concurrent clients every page's p95 is within "
            f"{RATIO_LIMIT:.0f}x the framework floor's p95 measured in the same phase, every "
            "request answered as expected, and every page runs the same number of SQL "
            f"statements at `--scale {small_scale}` and `--scale {large_scale}`."
        )
    lines += [
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPUs (`nproc`) | {machine.cpus} |",
        f"| CPU model | {machine.cpu_model} |",
        f"| RAM | {machine.memory} |",
        f"| load average (1 / 5 / 15 min) at start | {machine.load_at_start} |",
        f"| load average at end | {machine.load_at_end} |",
        f"| PostgreSQL | {machine.postgres} |",
        f"| gunicorn | {machine.workers} workers x {machine.threads} threads (gthread), "
        "`config/gunicorn.conf.py` unchanged |",
        f"| Python | {machine.python} |",
        "",
        "The load generator (Python threads with `requests`), gunicorn, the worker and "
        "PostgreSQL share these CPUs, and other people's jobs may run on the machine too: "
        "the load average at the start of each phase is in the tables below.",
        "",
        "## Method",
        "",
        f"- Data: `flask --app coachapp seed-demo --scale {large_scale}` on a fresh PostgreSQL "
        "database (20 copies of the demo organisation: 360 reps, six months of coaching). "
        "gunicorn runs `config/gunicorn.conf.py` with `COACHAPP_ENV=production`, and "
        "`flask --app coachapp worker` runs beside it (bench/stack.py). Requests go to "
        "127.0.0.1 with `X-Forwarded-Proto: https`, as from the TLS proxy. The database is "
        "`ANALYZE`d after seeding, as autovacuum would have done in service.",
        "- Measured, each as its demo user: "
        + "; ".join(
            f"{e.title}: `{e.method} {e.path.replace('{rep}', '<first rep>')}` as each of "
            f"the other {args.writers} managers in turn, for their first rep"
            if e.every_manager
            else f"{e.title}: `{e.method} {e.url(reps)}` as {e.who}"
            + (" (Bearer token)" if e.api else "")
            for e in args.endpoints
        )
        + ". Log coaching is the form a tap on **Start another note** posts (a fresh "
        "`client_uuid`, another=1; **Log coaching** opens the draft about the rep once there is"
        " one); it makes a draft and answers 302 to its form, which is not followed. It is made by "
        "many managers because one person may make only `WRITE_RATE_PER_MINUTE` writes a "
        "minute (and manager@example.com's drafts would lengthen the Today page measured).",
        f"- The framework floor is `GET {FLOOR_PATH}` with the page's own credentials (the "
        "browser's session cookie, or the API's Bearer token): the cheapest signed-in request "
        "(the session or token looked up, the user loaded, a small JSON answer). Every page "
        f"pays that much. `GET {HEALTH_PATH}` (no session, no database) is shown too.",
        f"- Clients: {', '.join(str(n) for n in args.levels)} closed-loop clients (no think "
        "time). For every endpoint and level there is a phase of its own: each client "
        "repeats rounds of three requests, the page, the floor and /healthz, in a shuffled "
        f"order, so the floor sees the same load as the page. {args.warmup} warm-up rounds "
        f"per client are not counted; then {args.requests} rounds per phase are measured "
        "(as many of each request). Times are taken by the client: from sending the request "
        "to the last byte of the answer. Each client keeps its keep-alive connection for the "
        "phase, as a browser does, so gunicorn serves it in the worker that accepted it.",
        f"- Ratio: the page's p95 divided by the floor's p95 of the same phase. The gate is "
        f"{RATIO_LIMIT:.0f}x at {GATE_CLIENTS} clients.",
        "- SQL statements per request: counted in-process with a SQLAlchemy "
        "`before_cursor_execute` listener (as bench/pages.py), "
        f"{args.count_rounds} requests each after a warm-up, on a database seeded with "
        f"`--scale {small_scale}` and on this run's `--scale {large_scale}` database. The "
        "demo users' own teams are the same size at both scales, so this catches queries "
        "that grow with the tables; growth of a team or a subtree is covered by "
        "tests/test_query_counts.py, tests/dashboard/test_query_counts.py and bench/cadence.py.",
        "",
        "## Response times",
        "",
    ]
    for clients in args.levels:
        lines += [
            f"### {clients} concurrent client{'s' if clients != 1 else ''}",
            "",
            "| endpoint | p50 ms | p95 ms | p99 ms | page req/s | all req/s "
            "| floor p50 / p95 / p99 ms | p95 / floor p95 | /healthz p95 ms "
            "| p95 / /healthz p95 | load avg |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for phase in (p for p in phases if p.clients == clients):
            gate = clients == GATE_CLIENTS and not phase.ratio <= RATIO_LIMIT
            ratio = f"{phase.ratio:.1f}x" + (" **over**" if gate else "")
            lines.append(
                f"| {phase.endpoint.title} | {_ms(phase.page.p50)} | {_ms(phase.page.p95)} "
                f"| {_ms(phase.page.p99)} | {phase.page_rate:.0f} | {phase.total_rate:.0f} "
                f"| {_ms(phase.floor.p50)} / {_ms(phase.floor.p95)} / {_ms(phase.floor.p99)} "
                f"| {ratio} | {_ms(phase.health.p95)} | {phase.health_ratio:.1f}x "
                f"| {phase.load.split(' / ')[0]} |"
            )
        lines.append("")
    small, large = (counts[scale] for scale in (small_scale, large_scale))

    def shown(values: set[int] | None) -> str:
        return ", ".join(str(v) for v in sorted(values or ())) or "-"

    lines += [
        "## SQL statements per request",
        "",
        f"| request | `--scale {small_scale}` | `--scale {large_scale}` | |",
        "|---|--:|--:|---|",
    ]
    rows = [(e.title, e.key) for e in args.endpoints]
    rows += [(f"floor (as for {e.title})", f"floor:{e.key}") for e in args.endpoints]
    rows.append(("/healthz", "healthz"))
    for title, key in rows:
        same = len(small.get(key, ())) == 1 and small.get(key) == large.get(key)
        lines.append(
            f"| {title} | {shown(small.get(key))} | {shown(large.get(key))} "
            f"| {'constant' if same else '**changes**'} |"
        )
    lines.append("")
    return "\n".join(lines)


# The run ---------------------------------------------------------------------------------


def parse_levels(text_value: str) -> tuple[int, ...]:
    levels = tuple(int(part) for part in text_value.split(",") if part.strip())
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("levels are positive integers, e.g. 1,10,50")
    return levels


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=20, help="seed-demo --scale of the run")
    parser.add_argument("--small-scale", type=int, default=1, help="scale compared for SQL")
    parser.add_argument("--levels", type=parse_levels, default=DEFAULT_LEVELS)
    parser.add_argument("--requests", type=int, default=1000, help="rounds measured per phase")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up rounds per client")
    parser.add_argument("--count-rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated endpoint keys")
    parser.add_argument("--output", type=Path, default=REPORT, help="'-' prints the report")
    args = parser.parse_args(argv)
    if GATE_CLIENTS not in args.levels:
        print(f"note: the gate is at {GATE_CLIENTS} clients, not among --levels", file=sys.stderr)
    if args.only:
        wanted = set(args.only.split(","))
        args.endpoints = tuple(e for e in ENDPOINTS if e.key in wanted)
    else:
        args.endpoints = ENDPOINTS

    # Stopped with SIGTERM, the run still stops gunicorn and the worker and drops its databases.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    machine = Machine.now()
    print(f"load average at start: {machine.load_at_start}", flush=True)
    counts: dict[int, dict[str, set[int]]] = {}
    with SharedDatabase() as small:
        prepare_database(small.url, args.small_scale)
        counts[args.small_scale] = count_statements(small.url, args.endpoints, args.count_rounds)
    print(f"SQL statements counted at --scale {args.small_scale}", flush=True)

    started = time.perf_counter()
    with Stack(scale=args.scale) as stack:
        print(f"stack up at --scale {args.scale} in {time.perf_counter() - started:.0f} s")
        # A database in service has planner statistics (autovacuum keeps them); one loaded a
        # moment ago has none until analysed, and the test server runs without autovacuum.
        with stack.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        machine.postgres = str(stack.query("SHOW server_version")[0][0])
        counts[args.scale] = count_statements(stack.database_url, args.endpoints, args.count_rounds)
        reps = rep_ids(stack.database_url)
        home_manager = next(e.who for e in ENDPOINTS if e.key == "today")
        managers = [m for m in stack.users("manager") if m != home_manager and m in reps]
        args.writers = len(managers)
        signed: dict[tuple[str, bool], Client] = {}

        def signed_in_as(email: str, api: bool) -> Client:
            """One sign-in per person (argon2 is slow on purpose, API tokens are capped)."""
            if (email, api) not in signed:
                signed[(email, api)] = stack.api_client(email) if api else stack.web_client(email)
            return signed[(email, api)]

        phases = []
        for clients in args.levels:
            for endpoint in args.endpoints:
                people = managers if endpoint.every_manager else [endpoint.who]
                pool = [
                    [
                        (clone(signed_in_as(person, endpoint.api)), endpoint.url(reps, person))
                        for person in (people[n::clients] or [people[n % len(people)]])
                    ]
                    for n in range(clients)
                ]
                phase = run_phase(endpoint, pool, args.requests, args.warmup)
                for client, _ in (pair for thread in pool for pair in thread):
                    client.close()
                phases.append(phase)
                print(
                    f"{clients:3d} clients  {endpoint.title:22} p50 {phase.page.p50:7.1f}  "
                    f"p95 {phase.page.p95:7.1f}  p99 {phase.page.p99:7.1f} ms  "
                    f"floor p95 {phase.floor.p95:6.1f} ms  ratio {phase.ratio:5.1f}x  "
                    f"{phase.page_rate:5.0f} req/s  load {phase.load.split(' / ')[0]}"
                    + (f"  ERRORS {len(phase.errors)}" if phase.errors else ""),
                    flush=True,
                )
        for client in signed.values():
            client.close()
    machine.load_at_end = load_average()
    problems = verdicts(phases, counts)
    text_report = report(machine, phases, counts, problems, args, reps)
    if str(args.output) == "-":
        print(text_report)
    else:
        args.output.write_text(text_report, encoding="utf-8")
        print(f"wrote {args.output}")
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
