"""Response times, bytes and SQL statements of the main pages as the organisation grows, on
the production stack: `python -m bench.perf` (`make bench-perf`), results in
docs/performance.md.

Two stacks side by side (bench/stack.py), each a fresh PostgreSQL database with gunicorn on
config/gunicorn.conf.py and the background worker: one seeded with `seed-demo --scale 1` (the
demo) and one with `--scale 50` (director@example.com over 49 more regions, each a regional
director over four teams). For every page, at each scale:

- bytes: the answer's body uncompressed (`Accept-Encoding: identity`, the HTML the server
  renders, the same at any screen width) and as sent with `br` and with `gzip`;
- SQL statements per request, counted in-process on the same database;
- 1 client: rounds of three requests in a shuffled order, the page, the signed-in floor
  (GET /api/v1/me with the same credentials) and GET /healthz, so page and floor see the same
  machine; the page's p50 and p95 and its p95 as a ratio of the floor's. The two scales of a
  page are measured one right after the other.

At the largest scale, 10 and 50 closed-loop clients per page as well (the load phases).

Gates (`evaluate`): every page's 1-client p95 within 3x the floor's at every scale; the
national director's dashboard at most 100 KB uncompressed at every scale and its 1-client
p50 at the largest scale within 1.5x its p50 at the smallest; the manager's pages run the
same statements and send the same bytes at every scale; no request failed. The run exits
non-zero when one fails.
"""

from __future__ import annotations

import argparse
import contextlib
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
import subprocess  # nosec B404 - git facts for the report
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from bench.cadence import BASE_URL, signed_in
from bench.pages import counting_statements
from bench.stack import ROOT, ApiClient, Stack, WebClient, timed_flask_command
from coachapp import create_app

FLOOR_PATH = "/api/v1/me"
HEALTH_PATH = "/healthz"
FLOOR_LIMIT = 3.0  # a page's 1-client p95 against the floor's
GROWTH_LIMIT = 1.5  # the national dashboard's p50 at the largest scale against the smallest
MAX_DASHBOARD_BYTES = 100_000  # the national dashboard, uncompressed
LOAD_RATIO = 5.0  # reported at 10 clients, no longer a gate
LOAD_RATIO_CLIENTS = 10
DEFAULT_SCALES = (1, 50)
DEFAULT_LOAD_LEVELS = (10, 50)
NATIONAL = "director@example.com"
REGIONAL = "r2.director@example.com"  # region 2's director, from --scale 2
HOME_MANAGER = "manager@example.com"
# Writers of the log-coaching phase: each may make WRITE_BURST (60) writes at once and
# WRITE_RATE_PER_MINUTE (120) a minute after that; 60 of them are plenty for any phase.
MAX_WRITERS = 60
REPORT = ROOT / "docs" / "performance.md"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
ENCODINGS = ("identity", "br", "gzip")
Client = WebClient | ApiClient


@dataclass(frozen=True)
class Endpoint:
    """One measured request: who makes it, how, and what a correct answer is."""

    key: str
    title: str
    who: str
    method: str
    # May hold {rep}, the first rep of whoever makes the request, and {id}, the id of
    # `target` (an email).
    path: str
    api: bool = False  # Bearer token (as an API client) instead of the browser session
    expect: int = 200
    target: str = ""
    min_scale: int = 1  # measured at this scale and above (n/a below)
    # "Manager pages unchanged": the same statements, and for a GET the same bytes, at
    # every scale (the manager's team does not grow with the organisation).
    manager_page: bool = False
    # Made in turn by many managers (`who` in the SQL count and the byte count): the write
    # limit lets one person make only so many writes a minute, and many managers logging
    # coaching at once is what the server sees anyway.
    every_manager: bool = False

    def url(self, people: Directory, who: str | None = None) -> str:
        return self.path.format(
            rep=people.first_rep.get(who or self.who, 0), id=people.ids.get(self.target, 0)
        )

    def shown_path(self) -> str:
        return self.path.replace("{rep}", "<first rep>").replace("{id}", f"<{self.target}>")


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("org", "National director's dashboard", NATIONAL, "GET", "/org"),
    Endpoint("org-regional", "Regional director's dashboard", REGIONAL, "GET", "/org", min_scale=2),
    Endpoint(
        "org-region",
        "A region from above",
        NATIONAL,
        "GET",
        "/org/regions/{id}",
        target=REGIONAL,
        min_scale=2,
    ),
    Endpoint("team", "Team page", NATIONAL, "GET", "/org/teams/{id}", target=HOME_MANAGER),
    Endpoint("impact", "Impact page", NATIONAL, "GET", "/org/impact"),
    Endpoint("cadence", "Cadence API (first page)", NATIONAL, "GET", "/api/v1/cadence", api=True),
    Endpoint("today", "Manager home", HOME_MANAGER, "GET", "/today", manager_page=True),
    Endpoint("rep", "Rep page", HOME_MANAGER, "GET", "/people/{rep}", manager_page=True),
    # What a tap on "Start another note" sends (another=1): the page's form with a fresh
    # client_uuid; it makes a draft and answers with a redirect to its form. Not made by
    # manager@, so the drafts it leaves do not lengthen the Today page measured in the same
    # run.
    Endpoint(
        "log",
        "Log coaching (POST)",
        "manager2@example.com",
        "POST",
        "/people/{rep}/coaching",
        expect=302,
        manager_page=True,
        every_manager=True,
    ),
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


# The seeded organisation ---------------------------------------------------------------


@dataclass(frozen=True)
class Directory:
    """What a run needs of a seeded database: everyone's id by email, each manager's first
    rep (rep1@example.com for manager@example.com), and the active users of each role."""

    ids: Mapping[str, int]
    first_rep: Mapping[str, int]
    roles: Mapping[str, int]

    @classmethod
    def read(cls, database_url: str) -> Directory:
        engine = create_engine(database_url)
        try:
            with engine.connect() as connection:
                ids = connection.execute(text("SELECT email, id FROM users")).all()
                reps = connection.execute(
                    text(
                        "SELECT m.email, min(r.id) FROM users r"
                        " JOIN users m ON r.manager_id = m.id"
                        " WHERE m.role = 'manager' AND m.active AND r.active GROUP BY m.email"
                    )
                ).all()
                roles = connection.execute(
                    text("SELECT role, count(*) FROM users WHERE active GROUP BY role")
                ).all()
        finally:
            engine.dispose()
        return cls(
            ids={email: id_ for email, id_ in ids},
            first_rep={email: rep_id for email, rep_id in reps},
            roles={str(role): int(n) for role, n in roles},
        )


# SQL statements per request, in-process ------------------------------------------------


def count_statements(
    database_url: str, endpoints: Sequence[Endpoint], people: Directory, rounds: int = 3
) -> dict[str, set[int]]:
    """Statements each endpoint (and the floor) runs per request, over a few requests."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench-" + "x" * 40})
    logging.getLogger("coachapp.request").setLevel(logging.WARNING)
    engine = app.extensions["coachapp.db"].engine
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
        path = endpoint.url(people)
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
        page = client.get(f"/people/{people.first_rep[endpoint.who]}", base_url=BASE_URL)
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
    engine.dispose()
    return counts


# Bytes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """An answer's body: uncompressed, and as sent to a client taking only br, only gzip
    (with the Content-Encoding the app chose; "" when it sent the body as it is)."""

    raw: int
    br: int
    gzip: int
    br_coding: str = "br"
    gzip_coding: str = "gzip"


def _request(client: Client, endpoint: Endpoint, path: str, **kwargs: Any) -> requests.Response:
    if endpoint.method == "POST":
        assert isinstance(client, WebClient)
        data = {"client_uuid": str(uuid.uuid4()), "another": "1"}
        return client.post(path, data, allow_redirects=False, **kwargs)
    return client.get(path, allow_redirects=False, **kwargs)


def measure_sizes(person: Client, endpoint: Endpoint, path: str) -> Sizes:
    """One request per coding; the body's bytes as they crossed the wire."""
    client = clone(person)
    # Without the web client's hook, which reads (and decodes) every page for its CSRF token
    # before the raw bytes could be counted.
    client.http.hooks["response"].clear()
    found: dict[str, tuple[int, str]] = {}
    for coding in ENCODINGS:
        response = _request(
            client, endpoint, path, headers={"Accept-Encoding": coding}, stream=True
        )
        with contextlib.closing(response):
            body = response.raw.read(decode_content=False)
        if response.status_code != endpoint.expect:
            raise RuntimeError(f"{endpoint.title} ({path}) answered {response.status_code}")
        found[coding] = (len(body), response.headers.get("Content-Encoding", ""))
    raw, raw_coding = found["identity"]
    if raw_coding:
        raise RuntimeError(f"{endpoint.title}: {raw_coding} for Accept-Encoding: identity")
    client.close()
    return Sizes(
        raw=raw,
        br=found["br"][0],
        gzip=found["gzip"][0],
        br_coding=found["br"][1],
        gzip_coding=found["gzip"][1],
    )


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
    scale: int = 0
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
    scale: int = 0,
) -> Phase:
    """`len(clients)` closed-loop clients, each repeating rounds of (page, floor, /healthz)
    in a shuffled order, until `requests_wanted` rounds are done after the warm-up. Each
    client is one or more signed-in people with the page's path for them, taken in turn
    round by round."""
    phase = Phase(endpoint, len(clients), scale=scale, load=load_average())
    lock = threading.Lock()
    remaining = [requests_wanted]
    started = threading.Barrier(len(clients) + 1)
    finished = threading.Barrier(len(clients) + 1)

    def loop(number: int, people: Sequence[tuple[Client, str]]) -> None:
        shuffle = random.Random(number).shuffle
        kinds = ["page", "floor", "health"]
        turn = [0]

        def call(kind: str) -> requests.Response:
            client, path = people[turn[0] % len(people)]
            if kind == "page":
                return _request(client, endpoint, path)
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


# What one scale measured ------------------------------------------------------------------


@dataclass
class ScaleResult:
    """One scale's figures: per endpoint key, statements, sizes and the 1-client phase."""

    scale: int
    statements: dict[str, set[int]] = field(default_factory=dict)
    sizes: dict[str, Sizes] = field(default_factory=dict)
    phases: dict[str, Phase] = field(default_factory=dict)
    roles: Mapping[str, int] = field(default_factory=dict)
    seed_wall: float = 0.0
    seed_cpu: float = 0.0
    figures_cpu: float = 0.0


# Gates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """One acceptance check: what it requires, what was checked, and what failed."""

    name: str
    rule: str
    checked: int
    problems: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.checked > 0 and not self.problems

    @property
    def verdict(self) -> str:
        if self.checked == 0:
            return "not measured"
        return "passed" if not self.problems else "**FAILED**"


def _ms(value: float) -> str:
    return f"{value:.1f}"


def _kb(value: int) -> str:
    """Kilobytes (1,000 bytes) to a tenth; under one, the bytes."""
    return f"{value / 1000:.1f}" if value >= 1000 else f"{value} B"


def floor_gate(results: Mapping[int, ScaleResult]) -> Gate:
    problems, checked = [], 0
    for scale, result in sorted(results.items()):
        for phase in result.phases.values():
            checked += 1
            if not phase.ratio <= FLOOR_LIMIT:
                problems.append(
                    f"{phase.endpoint.title} at --scale {scale}: p95 {_ms(phase.page.p95)} ms "
                    f"is {phase.ratio:.1f}x the floor's {_ms(phase.floor.p95)} ms"
                )
    rule = f"every page's 1-client p95 <= {FLOOR_LIMIT:g}x the floor's p95, at every scale"
    return Gate("Pages against the floor", rule, checked, tuple(problems))


def dashboard_size_gate(results: Mapping[int, ScaleResult], key: str = "org") -> Gate:
    problems, checked = [], 0
    for scale, result in sorted(results.items()):
        if key in result.sizes:
            checked += 1
            raw = result.sizes[key].raw
            if raw > MAX_DASHBOARD_BYTES:
                problems.append(
                    f"--scale {scale}: {raw:,} bytes uncompressed (limit {MAX_DASHBOARD_BYTES:,})"
                )
    rule = f"the national director's dashboard <= {MAX_DASHBOARD_BYTES // 1000} KB uncompressed"
    return Gate("National dashboard's size", rule, checked, tuple(problems))


def dashboard_growth_gate(results: Mapping[int, ScaleResult], key: str = "org") -> Gate:
    rule = (
        f"the national director's dashboard's 1-client p50 at the largest scale <= "
        f"{GROWTH_LIMIT:g}x its p50 at the smallest"
    )
    scales = sorted(s for s, r in results.items() if key in r.phases)
    if len(scales) < 2:
        return Gate("National dashboard's growth", rule, 0)
    small, large = results[scales[0]].phases[key], results[scales[-1]].phases[key]
    ratio = large.page.p50 / small.page.p50
    problems = []
    if not ratio <= GROWTH_LIMIT:
        problems.append(
            f"p50 {_ms(large.page.p50)} ms at --scale {scales[-1]} is {ratio:.2f}x the "
            f"{_ms(small.page.p50)} ms at --scale {scales[0]}"
        )
    return Gate("National dashboard's growth", rule, 1, tuple(problems))


def manager_pages_gate(
    results: Mapping[int, ScaleResult], endpoints: Iterable[Endpoint] = ENDPOINTS
) -> Gate:
    problems, checked = [], 0
    scales = sorted(results)
    if len(scales) < 2:
        endpoints = ()  # nothing to compare
    for endpoint in (e for e in endpoints if e.manager_page):
        counted = [results[s].statements.get(endpoint.key) for s in scales]
        if any(c is None for c in counted):
            continue
        checked += 1
        shown = ", ".join(
            f"{','.join(str(n) for n in sorted(c or ()))} at --scale {s}"
            for s, c in zip(scales, counted, strict=True)
        )
        if (
            any(len(c or ()) != 1 for c in counted)
            or len({frozenset(c or ()) for c in counted}) > 1
        ):
            problems.append(f"{endpoint.title}: SQL statements {shown}")
        sizes = [results[s].sizes.get(endpoint.key) for s in scales]
        if endpoint.method == "GET" and all(sizes):
            checked += 1
            if len({size.raw for size in sizes if size}) > 1:
                problems.append(
                    f"{endpoint.title}: "
                    + ", ".join(
                        f"{size.raw} bytes at --scale {s}"
                        for s, size in zip(scales, sizes, strict=True)
                        if size
                    )
                )
    rule = (
        "the manager's pages run the same SQL statements (every request alike) and a GET sends "
        "the same uncompressed bytes at every scale"
    )
    return Gate("Manager pages unchanged", rule, checked, tuple(problems))


def errors_gate(phases: Iterable[Phase]) -> Gate:
    problems, checked = [], 0
    for phase in phases:
        checked += 1
        if phase.errors:
            sample = "; ".join(sorted(set(phase.errors))[:3])
            problems.append(
                f"{phase.endpoint.title} at --scale {phase.scale}, {phase.clients} "
                f"client{'s' if phase.clients != 1 else ''}: {len(phase.errors)} failed "
                f"({sample})"
            )
    return Gate(
        "Every request answered", "every request answered as expected", checked, tuple(problems)
    )


def evaluate(
    results: Mapping[int, ScaleResult],
    load_phases: Sequence[Phase] = (),
    endpoints: Iterable[Endpoint] = ENDPOINTS,
) -> list[Gate]:
    """Every gate of the run, in the report's order; the run passes when all pass (a gate
    with nothing to check, e.g. after --only, does not fail it)."""
    one_client = [p for result in results.values() for p in result.phases.values()]
    return [
        floor_gate(results),
        dashboard_size_gate(results),
        dashboard_growth_gate(results),
        manager_pages_gate(results, endpoints),
        errors_gate([*one_client, *load_phases]),
    ]


def failed(gates: Iterable[Gate]) -> list[str]:
    return [f"{gate.name}: {problem}" for gate in gates for problem in gate.problems]


# Report ----------------------------------------------------------------------------------


def _people(roles: Mapping[str, int]) -> str:
    return (
        f"{roles.get('rep', 0):,} reps, {roles.get('manager', 0)} managers, "
        f"{roles.get('director', 0)} directors"
    )


def _coded(size: int, coding: str, raw: int) -> str:
    return _kb(size) if coding else f"{_kb(raw)} (as is)"


def _statements(values: set[int] | None) -> str:
    return ", ".join(str(v) for v in sorted(values or ())) or "-"


def report(
    machine: Machine,
    results: Mapping[int, ScaleResult],
    load_phases: Sequence[Phase],
    gates: Sequence[Gate],
    args: argparse.Namespace,
) -> str:
    scales = sorted(results)
    large = scales[-1]
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    endpoints: Sequence[Endpoint] = args.endpoints
    lines = [
        "# Performance on the production stack, as the organisation grows",
        "",
        f"Generated by `{' '.join(['python -m bench.perf', *args.argv])}` on {when}, revision "
        f"`{git_revision()}` (`make bench-perf` runs it with the defaults). Do not edit by hand: "
        "run it again.",
        "",
        "## Verdict",
        "",
        "| gate | rule | verdict |",
        "|---|---|---|",
    ]
    lines += [f"| {g.name} | {g.rule} | {g.verdict} |" for g in gates]
    problems = failed(gates)
    if problems:
        lines += ["", f"Failed ({len(problems)}):", ""] + [f"- {p}" for p in problems]
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
        "The load generator (Python threads with `requests`), both stacks' gunicorn and "
        "worker, and PostgreSQL share these CPUs, and other people's jobs may run on the "
        "machine too: the load average at the start of each phase is in the tables below.",
        "",
        "## The organisations",
        "",
        "| | people | seeding (wall) | seeding (CPU of the command) "
        "| `refresh-figures` (CPU of the command) |",
        "|---|---|--:|--:|--:|",
    ]
    for scale in scales:
        result = results[scale]
        lines.append(
            f"| `seed-demo --scale {scale}` | {_people(result.roles)} "
            f"| {result.seed_wall:.0f} s | {result.seed_cpu:.0f} s | {result.figures_cpu:.1f} s |"
        )
    lines += [
        "",
        "Seeding's CPU is the command's own (building the rows, sending them); PostgreSQL's "
        "work is in the wall time, with whatever else the machine was doing.",
    ]
    lines += [
        "",
        "## Method",
        "",
        "- Two stacks side by side (bench/stack.py), one per scale: a fresh PostgreSQL "
        "database migrated and seeded with `flask --app coachapp seed-demo --scale N`, "
        "`ANALYZE`d as autovacuum would have done in service, its dashboard figures computed "
        "(`flask --app coachapp refresh-figures`, as the worker keeps them), gunicorn on "
        "`config/gunicorn.conf.py` with `COACHAPP_ENV=production`, and `flask --app coachapp "
        "worker` beside it. `--scale 1` is the demo; each scale above adds a region under "
        f"{NATIONAL}: a regional director (rN.director@example.com) over four first-line "
        "managers and their reps, and a market access manager. Requests go to 127.0.0.1 with "
        "`X-Forwarded-Proto: https`, as from the TLS proxy.",
        "- Measured, each as its demo user: "
        + "; ".join(
            f"{e.title}: `{e.method} {e.shown_path()}` as up to {MAX_WRITERS} managers "
            f"other than {HOME_MANAGER} in turn, for their first rep (statements and bytes "
            f"as {e.who})"
            if e.every_manager
            else f"{e.title}: `{e.method} {e.shown_path()}` as {e.who}"
            + (" (Bearer token)" if e.api else "")
            + (f" (from --scale {e.min_scale})" if e.min_scale > 1 else "")
            for e in endpoints
        )
        + ". Log coaching is the form a tap on **Start another note** posts (a fresh "
        "`client_uuid`, another=1); it makes a draft and answers 302 to its form, which is "
        "not followed. It is made by many managers because one person may make only "
        "`WRITE_RATE_PER_MINUTE` writes a minute (and manager@example.com's drafts would "
        "lengthen the Today page measured). The cadence API is measured as served, its first "
        "page.",
        "- Bytes: the answer's body as it crossed the wire, for one request with "
        "`Accept-Encoding: identity` (uncompressed: the HTML the server sends, the same at "
        "390 px as at any width), one with `br` and one with `gzip` (the app's "
        '`coachapp/compression.py`; "as is" where it sends the body uncompressed, e.g. a '
        "redirect). Measured right after the stack came up, before any timed phase. The timed "
        "requests ask as a browser does (`gzip, deflate, br, zstd`), so pages come in brotli.",
        f"- The framework floor is `GET {FLOOR_PATH}` with the page's own credentials (the "
        "browser's session cookie, or the API's Bearer token): the cheapest signed-in request "
        "(the session or token looked up, the user loaded, a small JSON answer). Every page "
        f"pays that much. `GET {HEALTH_PATH}` (no session, no database) is shown too.",
        "- Phases: for every page, scale and number of clients a phase of its own, in which "
        "each closed-loop client (no think time) repeats rounds of three requests, the page, "
        "the floor and /healthz, in a shuffled order, so the floor sees the same load as the "
        f"page. {args.warmup} warm-up rounds per client are not counted. At 1 client, "
        f"{args.requests} rounds are measured per phase, and a page's phases at the "
        "different scales run one right after the other. At the largest scale, "
        + (
            f"{', '.join(str(n) for n in args.load_levels)} clients too, "
            f"{args.load_requests} rounds per phase"
            if args.load_levels
            else "no load phases in this run"
        )
        + ". Times are taken by the client, from sending the request to the last byte of the "
        "answer. Each client keeps its keep-alive connection for the phase, as a browser does.",
        "- SQL statements per request: counted in-process on each scale's database with a "
        "SQLAlchemy `before_cursor_execute` listener (as bench/pages.py), "
        f"{args.count_rounds} requests each after a warm-up.",
        "",
        "## 1 client, per page and scale",
        "",
        "| page | scale | uncompressed KB | br KB | gzip KB | SQL | p50 ms | p95 ms "
        "| floor p50 / p95 ms | p95 / floor p95 | load avg |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for endpoint in endpoints:
        for scale in scales:
            result = results[scale]
            if scale < endpoint.min_scale:
                lines.append(f"| {endpoint.title} | {scale} | n/a |  |  |  |  |  |  |  |  |")
                continue
            size = result.sizes.get(endpoint.key)
            phase = result.phases.get(endpoint.key)
            sized = (
                f"{_kb(size.raw)} | {_coded(size.br, size.br_coding, size.raw)} "
                f"| {_coded(size.gzip, size.gzip_coding, size.raw)}"
                if size
                else "- | - | -"
            )
            over = phase is not None and not phase.ratio <= FLOOR_LIMIT
            timed = (
                f"{_ms(phase.page.p50)} | {_ms(phase.page.p95)} "
                f"| {_ms(phase.floor.p50)} / {_ms(phase.floor.p95)} "
                f"| {phase.ratio:.1f}x{' **over**' if over else ''} "
                f"| {phase.load.split(' / ')[0]}"
                if phase
                else "- | - | - | - | -"
            )
            lines.append(
                f"| {endpoint.title} | {scale} | {sized} "
                f"| {_statements(result.statements.get(endpoint.key))} | {timed} |"
            )
    lines += ["", "## SQL statements per request", ""]
    lines += [
        "| request | " + " | ".join(f"`--scale {s}`" for s in scales) + " | |",
        "|---|" + "--:|" * len(scales) + "---|",
    ]
    rows = [(e.title, e.key) for e in endpoints]
    rows += [(f"floor (as for {e.title})", f"floor:{e.key}") for e in endpoints]
    rows.append(("/healthz", "healthz"))
    for title, key in rows:
        counted = [results[s].statements.get(key) for s in scales]
        present = [c for c in counted if c is not None]
        same = all(len(c) == 1 for c in present) and len({frozenset(c) for c in present}) == 1
        lines.append(
            f"| {title} | "
            + " | ".join(_statements(c) if c is not None else "n/a" for c in counted)
            + f" | {'constant' if same else '**changes**'} |"
        )
    if load_phases:
        lines += [
            "",
            f"## Under load, `--scale {large}`",
            "",
            f"The p95 / floor p95 column is reported, no longer a gate (it was one at "
            f"{LOAD_RATIO_CLIENTS} clients, {LOAD_RATIO:g}x): under load the floor's requests "
            "wait behind pages in the same workers, so the ratio shrinks as the machine "
            "saturates.",
        ]
        for clients in sorted({p.clients for p in load_phases}):
            lines += [
                "",
                f"### {clients} concurrent clients",
                "",
                "| page | p50 ms | p95 ms | p99 ms | page req/s | all req/s "
                "| floor p50 / p95 / p99 ms | p95 / floor p95 | /healthz p95 ms | load avg |",
                "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
            ]
            for phase in (p for p in load_phases if p.clients == clients):
                mark = (
                    " (over 5x)"
                    if clients == LOAD_RATIO_CLIENTS and not phase.ratio <= LOAD_RATIO
                    else ""
                )
                lines.append(
                    f"| {phase.endpoint.title} | {_ms(phase.page.p50)} | {_ms(phase.page.p95)} "
                    f"| {_ms(phase.page.p99)} | {phase.page_rate:.0f} | {phase.total_rate:.0f} "
                    f"| {_ms(phase.floor.p50)} / {_ms(phase.floor.p95)} / "
                    f"{_ms(phase.floor.p99)} | {phase.ratio:.1f}x{mark} "
                    f"| {_ms(phase.health.p95)} | {phase.load.split(' / ')[0]} |"
                )
    lines.append("")
    return "\n".join(lines)


# The run ---------------------------------------------------------------------------------


def parse_numbers(text_value: str) -> tuple[int, ...]:
    """ "1,50" -> (1, 50); "" -> () (e.g. no load phases)."""
    try:
        numbers = tuple(int(part) for part in text_value.split(",") if part.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError("positive integers separated by commas") from exc
    if numbers and min(numbers) < 1:
        raise argparse.ArgumentTypeError("positive integers separated by commas, e.g. 1,50")
    return numbers


class Run:
    """One scale's stack with its signed-in clients (one sign-in per person and kind)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.people = Directory.read(stack.database_url)
        self._signed: dict[tuple[str, bool], Client] = {}
        managers = [m for m in stack.users("manager") if m != HOME_MANAGER]
        self.writers = [m for m in managers if m in self.people.first_rep][:MAX_WRITERS]

    def signed_in(self, email: str, api: bool) -> Client:
        if (email, api) not in self._signed:
            stack = self.stack
            self._signed[(email, api)] = stack.api_client(email) if api else stack.web_client(email)
        return self._signed[(email, api)]

    def pool(self, endpoint: Endpoint, clients: int) -> list[list[tuple[Client, str]]]:
        """Per client, the people it requests as (in turn) with their path."""
        people = self.writers if endpoint.every_manager else [endpoint.who]
        return [
            [
                (clone(self.signed_in(person, endpoint.api)), endpoint.url(self.people, person))
                for person in (people[n::clients] or [people[n % len(people)]])
            ]
            for n in range(clients)
        ]

    def phase(self, endpoint: Endpoint, clients: int, rounds: int, warmup: int) -> Phase:
        pool = self.pool(endpoint, clients)
        try:
            return run_phase(endpoint, pool, rounds, warmup, scale=self.stack.scale)
        finally:
            for client, _ in (pair for thread in pool for pair in thread):
                client.close()

    def close(self) -> None:
        for client in self._signed.values():
            client.close()


def _progress(phase: Phase) -> None:
    print(
        f"--scale {phase.scale:<3d} {phase.clients:3d} clients  {phase.endpoint.title:30} "
        f"p50 {phase.page.p50:7.1f}  p95 {phase.page.p95:7.1f} ms  "
        f"floor p95 {phase.floor.p95:6.1f} ms  ratio {phase.ratio:5.1f}x  "
        f"{phase.page_rate:5.0f} req/s  load {phase.load.split(' / ')[0]}"
        + (f"  ERRORS {len(phase.errors)}" if phase.errors else ""),
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales",
        type=parse_numbers,
        default=DEFAULT_SCALES,
        help="seed-demo --scale of each stack",
    )
    parser.add_argument(
        "--requests", type=int, default=300, help="rounds measured per 1-client phase"
    )
    parser.add_argument(
        "--load-levels",
        type=parse_numbers,
        default=DEFAULT_LOAD_LEVELS,
        help="concurrent clients at the largest scale ('' for none)",
    )
    parser.add_argument(
        "--load-requests", type=int, default=1000, help="rounds measured per load phase"
    )
    parser.add_argument("--warmup", type=int, default=5, help="warm-up rounds per client")
    parser.add_argument("--count-rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated endpoint keys")
    parser.add_argument("--output", type=Path, default=REPORT, help="'-' prints the report")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if not args.scales:
        parser.error("--scales needs at least one scale")
    wanted = set(args.only.split(",")) if args.only else {e.key for e in ENDPOINTS}
    unknown = wanted - {e.key for e in ENDPOINTS}
    if unknown:
        parser.error(f"unknown endpoints {sorted(unknown)}; known: {[e.key for e in ENDPOINTS]}")
    args.endpoints = tuple(e for e in ENDPOINTS if e.key in wanted)
    scales = sorted(set(args.scales))

    # Stopped with SIGTERM, the run still stops gunicorn and the workers and drops its
    # databases.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    machine = Machine.now()
    print(f"load average at start: {machine.load_at_start}", flush=True)
    results: dict[int, ScaleResult] = {}
    runs: dict[int, Run] = {}
    load_phases: list[Phase] = []
    with contextlib.ExitStack() as exit_stack:
        for scale in scales:
            started = time.perf_counter()
            stack = exit_stack.enter_context(Stack(scale=scale))
            seed = stack.preparation["seed"]
            print(
                f"--scale {scale}: seeded in {seed.wall:.0f} s ({seed.cpu:.0f} s CPU), stack up "
                f"in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
            # A database in service has planner statistics (autovacuum keeps them); one
            # loaded a moment ago has none until analysed, and the test server runs without
            # autovacuum.
            with stack.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
            # The dashboard's stored figures as the worker keeps them in service (it computes
            # them within FIGURES_INTERVAL_SECONDS of a change; this does it at once).
            figures = timed_flask_command(
                "refresh-figures", env={"DATABASE_URL": stack.database_url}
            )
            print(f"--scale {scale}: figures computed in {figures.cpu:.1f} s CPU", flush=True)
            machine.postgres = str(stack.query("SHOW server_version")[0][0])
            run = runs[scale] = Run(stack)
            exit_stack.callback(run.close)
            here = [e for e in args.endpoints if scale >= e.min_scale]
            result = results[scale] = ScaleResult(
                scale,
                roles=run.people.roles,
                seed_wall=seed.wall,
                seed_cpu=seed.cpu,
                figures_cpu=figures.cpu,
            )
            result.statements = count_statements(
                stack.database_url, here, run.people, args.count_rounds
            )
            for endpoint in here:
                client = run.signed_in(endpoint.who, endpoint.api)
                result.sizes[endpoint.key] = measure_sizes(
                    client, endpoint, endpoint.url(run.people)
                )
            print(f"--scale {scale}: statements and bytes measured", flush=True)

        for endpoint in args.endpoints:
            for scale in scales:
                if scale >= endpoint.min_scale:
                    phase = runs[scale].phase(endpoint, 1, args.requests, args.warmup)
                    results[scale].phases[endpoint.key] = phase
                    _progress(phase)

        large = scales[-1]
        for clients in args.load_levels:
            for endpoint in (e for e in args.endpoints if large >= e.min_scale):
                phase = runs[large].phase(endpoint, clients, args.load_requests, args.warmup)
                load_phases.append(phase)
                _progress(phase)
    machine.load_at_end = load_average()
    gates = evaluate(results, load_phases, args.endpoints)
    text_report = report(machine, results, load_phases, gates, args)
    if str(args.output) == "-":
        print(text_report)
    else:
        args.output.write_text(text_report, encoding="utf-8")
        print(f"wrote {args.output}")
    for gate in gates:
        print(f"{gate.verdict:>12}  {gate.name}: {gate.rule}")
    for problem in failed(gates):
        print(f"FAIL {problem}", file=sys.stderr)
    return 1 if failed(gates) else 0


if __name__ == "__main__":
    sys.exit(main())
