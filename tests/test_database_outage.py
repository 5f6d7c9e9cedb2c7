"""The database going away under a request (a restart, a failover, a lock held too long):
the client gets 503 with Retry-After in the error shape, never a 500, and the next request
is served again without restarting anything.

On PostgreSQL the server ends the request's connection just before its first statement, as
`pg_ctl restart -m fast` does; on SQLite another connection holds the write lock past the
busy timeout. The app here has its own engine, outside the test's rolled-back transaction,
and the requests write nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from coachapp import create_app
from coachapp.db import database_unavailable, get_session
from tests.conftest import CSRF_META, HttpsClient, settings_for

NOBODY = {"email": "nobody@example.com", "password": "not-the-password"}


@pytest.fixture
def outage_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """An app of its own on the migrated test database (`app` migrated it)."""
    app = create_app(settings_for(database_url))
    app.test_client_class = HttpsClient
    engine = app.extensions["coachapp.db"].engine
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
            # After the app's own pragmas: wait 0.1 s for a lock instead of 15 s.
            dbapi_connection.execute("PRAGMA busy_timeout=100")

    app.test_client().get("/readyz")  # a pooled connection, as in a server that has run a while
    yield app
    engine.dispose()


@contextmanager
def database_down(app: Flask, database_url: str) -> Iterator[None]:
    """The next request's database work fails as it would while the server is away."""
    engine = app.extensions["coachapp.db"].engine
    if engine.dialect.name == "sqlite":
        holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock every app transaction needs
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    admin = create_engine(database_url)
    armed = [True]

    def end_connection(conn: Any, *_: Any) -> None:
        if armed:
            armed.clear()
            pid = conn.connection.dbapi_connection.info.backend_pid
            with admin.connect() as killer:
                killer.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})

    event.listen(engine, "before_cursor_execute", end_connection)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", end_connection)
        admin.dispose()
    assert not armed, "no statement ran while the database was down"


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"].isdigit()


def test_api_gets_503_in_the_error_shape_then_is_served_again(
    outage_app: Flask, database_url: str
) -> None:
    client = outage_app.test_client()
    with database_down(outage_app, database_url):
        response = client.post("/api/v1/tokens", json=NOBODY)
    assert_unavailable(response)
    assert response.get_json()["error"]["code"] == "unavailable"
    assert response.get_json()["error"]["message"]

    assert client.post("/api/v1/tokens", json=NOBODY).status_code == 401


def test_page_gets_a_503_page_then_is_served_again(outage_app: Flask, database_url: str) -> None:
    client = outage_app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True))
    assert token is not None
    form = {**NOBODY, "csrf_token": token.group(1)}
    with database_down(outage_app, database_url):
        response = client.post("/login", data=form)
    assert_unavailable(response)
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "Please wait" in page and "try again" in page

    assert client.post("/login", data=form).status_code == 401


def test_htmx_request_gets_the_json_error_shape(outage_app: Flask, database_url: str) -> None:
    client = outage_app.test_client()
    token = CSRF_META.search(client.get("/login").get_data(as_text=True))
    assert token is not None
    with database_down(outage_app, database_url):
        response = client.post(
            "/login",
            data={**NOBODY, "csrf_token": token.group(1)},
            headers={"HX-Request": "true"},
        )
    assert_unavailable(response)
    assert response.get_json()["error"]["code"] == "unavailable"


def test_readiness_follows_the_database(outage_app: Flask, database_url: str) -> None:
    """Not ready while the server is away; a writer holding SQLite's lock does not stop the
    reads readiness makes (WAL), so there it stays ready."""
    client = outage_app.test_client()
    sqlite = database_url.startswith("sqlite")
    with database_down(outage_app, database_url):
        assert client.get("/readyz").status_code == (200 if sqlite else 503)
        if sqlite:
            client.post("/api/v1/tokens", json=NOBODY)  # something that waits for the lock
    assert client.get("/readyz").status_code == 200


def test_a_connection_lost_after_the_answer_is_made_spoils_nothing(
    outage_app: Flask, database_url: str
) -> None:
    """A page was made while its transaction was still open; closing the session at the end
    of the request finds the connection gone (the server restarted meanwhile): the answer
    stands, and the next request gets a new connection."""
    engine = outage_app.extensions["coachapp.db"].engine
    with outage_app.test_request_context():
        session = get_session()
        session.execute(text("SELECT 1"))  # a transaction open until the request ends
        if engine.dialect.name == "postgresql":
            pid = session.connection().connection.dbapi_connection.info.backend_pid
            admin = create_engine(database_url)
            with admin.connect() as killer:
                killer.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
            admin.dispose()
        else:

            def rollback_fails(_conn: Any) -> None:
                raise OperationalError("ROLLBACK", {}, sqlite_error("SELECT * FROM t"))

            event.listen(engine, "rollback", rollback_fails, once=True)
    # Leaving the request context closed the session without raising.
    assert outage_app.test_client().get("/readyz").status_code == 200


def sqlite_error(*statements: str) -> sqlite3.Error:
    first = sqlite3.connect("file:outage?mode=memory&cache=shared", uri=True, timeout=0)
    second = sqlite3.connect("file:outage?mode=memory&cache=shared", uri=True, timeout=0)
    first.execute("CREATE TABLE IF NOT EXISTS t (x)")
    first.execute("BEGIN IMMEDIATE")
    first.execute("INSERT INTO t VALUES (1)")
    try:
        for statement in statements:
            second.execute(statement)
    except sqlite3.Error as exc:
        return exc
    finally:
        first.close()
        second.close()
    raise AssertionError("no error")


def test_only_unavailability_is_a_503() -> None:
    """SQLite says OperationalError for a missing table too: that stays a 500 (logged), as a
    mistake of ours; busy and locked are unavailability, and so is PostgreSQL's kind."""
    missing = sqlite_error("SELECT * FROM no_such_table")
    locked = sqlite_error("SELECT * FROM t")
    assert not database_unavailable(OperationalError("SELECT", {}, missing))
    assert database_unavailable(OperationalError("SELECT", {}, locked))
    server_gone = Exception("consuming input failed: server closed the connection unexpectedly")
    assert database_unavailable(OperationalError("SELECT", {}, server_gone))
