"""Migration 0030 on both databases: calendar feeds are a new table beside the people, who
are kept; a feed goes with its person; a secret's digest is one address; down and up again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Connection, delete, inspect, select
from sqlalchemy.exc import IntegrityError

import coachapp.models  # noqa: F401 - every table on the metadata
from coachapp import create_app, migrate
from coachapp.db import Base
from tests.conftest import settings_for

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TABLES = Base.metadata.tables


def _insert(connection: Connection, table: str, **values: Any) -> int:
    row = connection.execute(TABLES[table].insert().values(**values)).inserted_primary_key
    assert row is not None
    return int(row[0])


def test_0030_adds_calendar_feeds_and_keeps_everyone(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0029")
    assert "calendar_feeds" not in inspect(engine).get_table_names()
    users = TABLES["users"]
    with engine.begin() as connection:
        person = _insert(
            connection, "users", email="sam@example.com", name="Sam", password_hash="!x",
            role="rep", function="sales", timezone="UTC", active=True, region="",
            must_change_password=False, created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        before = connection.execute(select(users)).all()

    migrate.upgrade(app, "0030")
    feeds = TABLES["calendar_feeds"]
    with engine.begin() as connection:
        assert connection.execute(select(users)).all() == before
        _insert(connection, "calendar_feeds", user_id=person, token_hash="a" * 64, created_at=NOW)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _insert(connection, "calendar_feeds", user_id=person, token_hash="a" * 64, created_at=NOW)
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.execute(delete(users).where(users.c.id == person))
        assert connection.execute(select(feeds)).all() == []

    migrate.downgrade(app, "0029")
    assert "calendar_feeds" not in inspect(engine).get_table_names()
    migrate.upgrade(app)
    assert "calendar_feeds" in inspect(engine).get_table_names()
    engine.dispose()
