"""Migration 0032 on both databases: the SCIM tables arrive empty beside the people, who keep
every field; a person's SCIM row goes with them; down and up again."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import column, delete, insert, inspect, select, table
from sqlalchemy.exc import IntegrityError

import coachapp.models  # noqa: F401 - every table on the metadata
from coachapp import create_app, migrate
from coachapp.db import Base
from tests.conftest import settings_for
from tests.migration_rows import rows_as_they_were

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TABLES = {"scim_tokens", "scim_users", "scim_groups", "scim_group_members"}


def test_0032_adds_the_scim_tables_and_keeps_everyone(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0031")
    assert not TABLES & set(inspect(engine).get_table_names())
    old_users = table(
        "users", *(column(c) for c in ("email", "name", "password_hash", "role", "function",
                                       "timezone", "region", "active", "created_at",
                                       "updated_at"))
    )  # fmt: skip
    users = Base.metadata.tables["users"]
    with engine.begin() as connection:
        connection.execute(
            insert(old_users).values(
                email="kept@example.com", name="Kept", password_hash="x", role="rep",
                function="sales", timezone="UTC", region="", active=True, created_at=NOW,
                updated_at=NOW,
            )
        )  # fmt: skip
        read_users = rows_as_they_were(connection, "users")
        before = connection.execute(read_users).all()

    migrate.upgrade(app, "0032")
    assert set(inspect(engine).get_table_names()) >= TABLES
    scim_users = Base.metadata.tables["scim_users"]
    with engine.begin() as connection:
        assert connection.execute(read_users).all() == before
        user_id = before[0].id
        connection.execute(
            insert(scim_users).values(user_id=user_id, created_at=NOW, updated_at=NOW)
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            insert(scim_users).values(user_id=user_id, created_at=NOW, updated_at=NOW)
        )
    with engine.begin() as connection:
        connection.execute(delete(users).where(users.c.id == user_id))
        assert connection.execute(select(scim_users)).all() == []

    migrate.downgrade(app, "0031")
    assert not TABLES & set(inspect(engine).get_table_names())
    migrate.upgrade(app)
    engine.dispose()
