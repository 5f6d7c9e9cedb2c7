"""Migration 0030 on both databases: calendar feeds are a new table beside the people, who
are kept; a feed goes with its person; a secret's digest is one address; down and up again."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, inspect, select
from sqlalchemy.exc import IntegrityError

from coachapp import create_app, migrate
from tests.conftest import settings_for
from tests.migration_rows import NOW, TABLES, insert_person, insert_row, rows_as_they_were


def test_0030_adds_calendar_feeds_and_keeps_everyone(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0029")
    assert "calendar_feeds" not in inspect(engine).get_table_names()
    users = TABLES["users"]
    with engine.begin() as connection:
        person = insert_person(connection)
        read_users = rows_as_they_were(connection, "users")
        before = connection.execute(read_users).all()

    migrate.upgrade(app, "0030")
    feeds = TABLES["calendar_feeds"]
    feed = {"user_id": person, "token_hash": "a" * 64, "created_at": NOW}
    with engine.begin() as connection:
        assert connection.execute(read_users).all() == before
        insert_row(connection, "calendar_feeds", **feed)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_row(connection, "calendar_feeds", **feed)  # one digest, one address
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
