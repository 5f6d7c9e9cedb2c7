"""Fixtures: an app per database backend, a rolled-back transaction per test, builders, login."""

from __future__ import annotations

import gc
import os
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2 import profiles as argon2_profiles
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from coachapp import collector, create_app, migrate
from coachapp.auth import passwords
from coachapp.db import Database
from tests.builders import TIMEZONE, Lines, Org, build_lines, build_org

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The database backends the suite runs on; `make test-fast` narrows it to SQLite.
BACKENDS = tuple(os.environ.get("COACHAPP_TEST_BACKENDS", "sqlite,postgresql").split(","))
# Each database test runs on one of them (its module's tests dealt in turn), except where the
# backend decides the outcome (EVERY_BACKEND_MODULES, `every_backend`); with
# COACHAPP_TEST_EVERY_BACKEND=1 every test runs on each, as before a release.
EVERY_BACKEND = os.environ.get("COACHAPP_TEST_EVERY_BACKEND", "") == "1"
# Only the tests dealt to these backends (`make test-fast`: those dealt to SQLite, half of each
# module's, with no database server).
RUN_ON = tuple(os.environ.get("COACHAPP_TEST_RUN_ON", ",".join(BACKENDS)).split(","))
# How hard the generated tests search (schema fuzzing, the note's state machine): 1 keeps the
# suite within its time; a larger factor multiplies their examples, e.g. 10 before a release.
DEPTH = max(1, int(os.environ.get("COACHAPP_TEST_DEPTH", "1")))
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


# The people the tests build work in New York (tests.builders.TIMEZONE); the app takes every
# person's day in their own time zone and never the machine's. The tests' own
# `dt.date.today()` is New York's too, so a note dated "today" is not in its manager's future
# between midnight UTC and midnight in New York.


def pytest_configure(config: pytest.Config) -> None:
    os.environ["TZ"] = TIMEZONE
    time.tzset()
    _cheap_argon2()
    gc.set_threshold(collector.YOUNG_EVERY, collector.MIDDLE_EVERY, collector.OLD_EVERY)


# Python's cycle collector, set in a test process as in a serving one (coachapp.collector): a
# process of the suite holds a few hundred thousand long-lived objects (the apps, SQLAlchemy's
# mappers and caches, Hypothesis, the collected items) that every full collection walked
# again, and each test makes and drops many more. The youngest generation collected every
# 50,000 allocations instead of 700 from the start, and what exists once the tests are
# collected frozen out of later collections (not earlier, as coachapp.collector says: the apps
# the tests make come after). Cyclic garbage is still freed.
def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()


def _cheap_argon2() -> None:
    """argon2 at the library's cheapest parameters for the hashes tests make: every sign-in
    verifies one, and the production parameters (64 MiB, 3 passes, 4 lanes) cost 0.1-0.7 s a
    time on these 2-core machines. The algorithm and every code path are the same;
    tests/auth/test_password_hashing.py checks what production uses, in a process of its own."""
    passwords._hasher = PasswordHasher.from_parameters(argon2_profiles.CHEAPEST)
    passwords._DUMMY_HASH = passwords._hasher.hash("coachapp-timing-equaliser")


# What `make test-fast` leaves to `make test`: the exhaustive and the slow (every route for
# every actor, generated API requests, the state machine, migrations up and down, the audits,
# gunicorn behind a proxy, the push service and outage drills run as processes, the demo
# seeded whole, every route read again for drafts, blind ratings and team moves). Marked
# here, in one place, as `slow`; every migration test (test_migration*.py) is slow too.
TESTS = Path(__file__).parent
SLOW_MODULES = frozenset(
    {
        "test_access_matrix.py",
        "test_schemathesis.py",
        "test_state_machine.py",
        "test_audits.py",
        "test_behind_proxy.py",
        "test_every_get_route.py",
        "test_migrations.py",
        "test_delivery.py",
        "test_delivery_outage.py",
        "test_database_outage.py",
        "test_demo.py",
        "test_demo_snapshot.py",
        "test_drafts_stay_private.py",
        "test_blind_visibility.py",
        "test_team_move.py",
        "test_rollup_queries.py",
        "test_stored_figures_property.py",
        "test_page_sizes.py",
        "test_account_import_5000.py",
        # Real protocol servers' checks: the SCIM conformance checker's 72 (tests/scim), and
        # signing in through an OpenID provider process (tests/oidc_provider.py).
        "test_conformance.py",
        "test_sso.py",
    }
)


# The modules whose tests run on each backend, where the database decides the outcome: the
# figures computed in SQL (date arithmetic, grouping, rounding differ by dialect), and
# exactly-once under concurrency (row locks, unique inserts, savepoints). Every other
# database test runs on one backend, dealt in turn (pytest_collection_modifyitems), which
# halves the suite's time and still runs every module's SQL on both.
EVERY_BACKEND_MODULES = frozenset(
    {
        "dashboard/test_cadence_figures.py",
        "dashboard/test_stored_figures.py",
        "dashboard/test_impact_stored.py",
        "plans/test_attainment.py",
        "plans/test_snapshots.py",
        "plans/test_rollup_queries.py",
        "reviews/test_figures.py",
        "mail/test_queue.py",
        "test_replay.py",
        "test_lost_update.py",
        "test_write_limit.py",
    }
)


def _runs_on_every_backend(path: Path) -> bool:
    return path.relative_to(TESTS).as_posix() in EVERY_BACKEND_MODULES


def _is_slow_module(path: Path) -> bool:
    return path.name in SLOW_MODULES or path.name.startswith("test_migration")


# Tests that take seconds each: started first, spread over the xdist workers, so that none
# starts last on a worker that is otherwise done (the suite's wall time is its longest worker).
LONG_MODULES = frozenset(
    {
        "test_schemathesis.py",
        "test_state_machine.py",
        "test_delivery.py",
        "test_migrations.py",
        "test_audits.py",
        "test_behind_proxy.py",
        "test_team_move.py",
        "test_drafts_stay_private.py",
        "test_database_outage.py",
        # Two items of 20-120 s each (the check after every step of each drawn sequence).
        "test_stored_figures_property.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _is_slow_module(item.path):
            item.add_marker(pytest.mark.slow)
    spread = _backend_of_each_case(items)
    left_out = [item for item in items if not _runs_on_its_backend(item, spread)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if _runs_on_its_backend(item, spread)]
    items[:] = _long_first_per_worker(items, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def _is_browser_test(item: pytest.Item) -> bool:
    return item.path.parent.name == "browser"


def _case_of(item: pytest.Item) -> tuple[str, tuple[tuple[str, int], ...]]:
    """The test function and its parameters but the database backend."""
    assert isinstance(item, pytest.Function)
    indices = item.callspec.indices
    return item.nodeid.partition("[")[0], tuple(
        sorted((name, at) for name, at in indices.items() if name != "database_url")
    )


def _backend_of_each_case(items: list[pytest.Item]) -> dict[tuple[Any, ...], str]:
    """The backend each database test runs on: the cases of a module (a case is a test and
    its parameters but the backend) dealt round-robin over BACKENDS in the order collected,
    the same on every xdist worker. Not dealt (run on each backend): the tests of
    EVERY_BACKEND_MODULES, those marked `every_backend`, and every test when
    COACHAPP_TEST_EVERY_BACKEND=1."""
    dealt: dict[tuple[Any, ...], str] = {}
    if EVERY_BACKEND:
        return dealt
    counts: dict[Path, int] = {}
    for item in items:
        if not _is_dealt(item):
            continue
        case = _case_of(item)
        if case not in dealt:
            number = counts.get(item.path, 0)
            counts[item.path] = number + 1
            dealt[case] = BACKENDS[number % len(BACKENDS)]
    return dealt


def _is_dealt(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return (
        callspec is not None
        and "database_url" in callspec.params
        and not _runs_on_every_backend(item.path)
        and not any(
            item.get_closest_marker(name)
            for name in ("every_backend", "first_backend", "other_backends")
        )
    )


def _runs_on_its_backend(item: pytest.Item, spread: dict[tuple[Any, ...], str]) -> bool:
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    backend = params.get("database_url")
    if backend is None:
        return True
    if backend not in RUN_ON:
        return False
    if _is_dealt(item) and not EVERY_BACKEND and spread[_case_of(item)] != backend:
        return False
    if item.get_closest_marker("first_backend"):
        return backend == BACKENDS[0]
    if item.get_closest_marker("other_backends"):
        return backend != BACKENDS[0]
    return True


def _long_first_per_worker(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """The order xdist's worksteal scheduler cuts into one contiguous share per worker: each
    share begins with its part of the long tests, dealt round-robin. Every worker collects the
    same items and so computes the same order."""
    long = [item for item in items if _is_browser_test(item) or item.path.name in LONG_MODULES]
    if workers <= 1 or not long:
        return items
    chosen = set(long)
    rest = [item for item in items if item not in chosen]
    ordered: list[pytest.Item] = []
    remaining = len(items)
    for worker in range(workers):
        size = remaining // (workers - worker)  # as worksteal sizes each worker's share
        share = long[worker::workers]
        take = max(size - len(share), 0)
        ordered += share + rest[:take]
        del rest[:take]
        remaining -= size
    return ordered + rest


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With -m "not slow" the slow modules, and with -m "not browser" the browser tests, are
    not even imported: every xdist worker collects every module it is given, and importing
    these costs seconds (the schema tests build an app and its OpenAPI document; the browser
    tests import Playwright)."""
    wanted = config.getoption("markexpr", "")
    if "not slow" in wanted and _is_slow_module(collection_path):
        return True
    if "not browser" in wanted and collection_path == TESTS / "browser":
        return True
    return None


def postgres_base_url() -> str:
    return os.environ.get("COACHAPP_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_available(url: str) -> str | None:
    """None when the server answers, else why not."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def new_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for this run: a SQLite file or a PostgreSQL schema of its own."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "coachapp.sqlite3"
        yield f"sqlite:///{path}"
        return
    base = postgres_base_url()
    problem = postgres_available(base)
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and not reachable at {base}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {base}: {problem}")
    schema = f"coachapp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # A test's commits need not wait for the disk (a crash loses a test database anyway);
    # visibility, locks and constraints are the same.
    url = make_url(base).update_query_dict(
        {"options": f"-csearch_path={schema} -csynchronous_commit=off"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def empty_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A new, empty database of each backend, for migration tests that start from nothing."""
    yield from new_database_url(request.param, tmp_path_factory)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    yield from new_database_url(request.param, tmp_path_factory)


def settings_for(database_url: str, **extra: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "TESTING": True,
        "ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "VAPID_SUBJECT": "mailto:test@example.com",
    }
    settings.update(extra)
    return settings


class HttpsClient(FlaskClient):
    """A test client on https://localhost, so secure cookies behave as in production."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", "https://localhost")
        return super().open(*args, **kwargs)

    def csrf_token(self, path: str = "/login") -> str:
        page = self.get(path)
        found = CSRF_META.search(page.get_data(as_text=True))
        assert found, f"no CSRF token on {path} ({page.status_code})"
        return found.group(1)

    def session_csrf_token(self) -> str:
        """The CSRF token any page of this browser session carries, made as flask-wtf makes
        it (the raw token kept in the session, signed with the app's key), without a request."""
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post_form(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """Posts a form with the CSRF token the session's pages carry."""
        token = self.session_csrf_token()
        return self.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)

    def is_signed_in(self) -> bool:
        return (
            self.get_cookie("coachapp_session") is not None and self.get("/me").status_code == 200
        )


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    application = create_app(settings_for(database_url))
    application.test_client_class = HttpsClient
    migrate.upgrade(application)
    yield application
    application.extensions["coachapp.db"].engine.dispose()


@pytest.fixture
def connection(app: Flask) -> Iterator[Connection]:
    """One transaction per test, rolled back at the end; the app's sessions join it."""
    database: Database = app.extensions["coachapp.db"]
    original = database.sessionmaker
    with database.engine.connect() as conn:
        outer = conn.begin()
        database.sessionmaker = sessionmaker(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield conn
        finally:
            database.sessionmaker = original
            outer.rollback()


@pytest.fixture
def db(app: Flask, connection: Connection) -> Iterator[Session]:
    """A session inside the test's transaction. No app context stays pushed: requests made
    by the test client must each get their own (and their own `g`), as in production."""
    database: Database = app.extensions["coachapp.db"]
    session = database.sessionmaker()
    yield session
    session.close()


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    """For tests that call services directly, outside any request: a service that writes a
    notification builds its link with url_for (coachapp.nudges.links), which needs the app.
    A test that also sends requests wraps its direct calls in `with app.app_context():`
    instead, so that each request still gets a context (and a `g`) of its own."""
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask, connection: Connection) -> HttpsClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def runner(app: Flask, connection: Connection) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def lines(db: Session) -> Lines:
    """Each line of a life-sciences organisation and one account team across them."""
    return build_lines(db)


@pytest.fixture
def org(db: Session) -> Org:
    """A small organisation with every role, plans and coaching notes in every state."""
    return build_org(db)


def login(client: HttpsClient, email: str, password: str = "") -> Any:
    from tests.builders import PASSWORD

    # The sign-in form posted with the token its page would carry (no request for the page).
    return client.post_form("/login", {"email": email, "password": password or PASSWORD})


def signed_in(app: Flask, org: Org, who: str) -> HttpsClient:
    """A test client of its own, signed in as that person of the org (several people at once,
    where login_as signs the one client in)."""
    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    assert login(client, org.people[who].email).status_code == 302
    return client


@pytest.fixture
def login_as(client: HttpsClient, org: Org) -> Any:
    """login_as("manager") signs the test client in as that person of the org."""

    def sign_in(who: str) -> HttpsClient:
        response = login(client, org.people[who].email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


@pytest.fixture
def reading_spanish(login_as: Any, org: Org, db: Session) -> Any:
    """reading_spanish("rep") signs the test client in as that person of the org, who chose
    to read Coachapp in Spanish."""

    def sign_in(who: str) -> HttpsClient:
        org.people[who].language = "es"
        db.commit()
        client: HttpsClient = login_as(who)
        return client

    return sign_in
