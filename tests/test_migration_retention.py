"""Migration 0034 on both databases: people already deactivated get the time their row last
changed as when they left, active people none, nobody is erased; an empty retention setting
(nothing is removed); down and up again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select

from coachapp import create_app, migrate
from tests.conftest import settings_for
from tests.migration_rows import NOW, TABLES, insert_person


def test_0034_dates_who_left_already_and_sets_no_retention(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0033")
    changed = NOW + dt.timedelta(days=3)
    with engine.begin() as connection:
        here = insert_person(connection, "here@example.com")
        gone = insert_person(connection, "gone@example.com", active=False, updated_at=changed)

    migrate.upgrade(app, "0034")
    users = TABLES["users"]
    with engine.begin() as connection:
        rows = {
            row.id: row
            for row in connection.execute(select(users.c.id, users.c.left_at, users.c.erased_at))
        }
        assert rows[here].left_at is None and rows[here].erased_at is None
        assert rows[gone].left_at is not None and rows[gone].erased_at is None
        assert rows[gone].left_at.replace(tzinfo=dt.UTC) == changed
        assert connection.execute(select(TABLES["retention_settings"])).all() == []

    migrate.downgrade(app, "0033")
    columns = {c["name"] for c in inspect(engine).get_columns("users")}
    assert "left_at" not in columns and "erased_at" not in columns
    assert "retention_settings" not in inspect(engine).get_table_names()
    migrate.upgrade(app)
    engine.dispose()
