"""Migration 0024 on both databases: existing accounts keep every field and have no external
id; an external id is unique when set while any number of accounts have none; down and up
again."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import column, inspect, select, table, update
from sqlalchemy.exc import IntegrityError

import coachapp.models  # noqa: F401 - every table on the metadata
from coachapp import create_app, migrate
from coachapp.db import Base
from tests.conftest import settings_for

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
COLUMNS = ("id", "name", "type", "region", "created_at")


def test_0024_keeps_every_account_and_adds_a_unique_external_id(
    empty_database_url: str,
) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0023")
    assert "external_id" not in {c["name"] for c in inspect(engine).get_columns("accounts")}
    # The table as 0023 left it: inserting through the models' table would add the new column.
    old_accounts = table("accounts", *(column(name) for name in COLUMNS))
    rows = [
        dict(name="Acme Health", type="idn", region="West", created_at=NOW),
        dict(name="Mercy Partners", type="health_system", region="", created_at=NOW),
        dict(name="Valley Medical Group", type="medical_group", region="East", created_at=NOW),
    ]
    accounts = Base.metadata.tables["accounts"]
    kept = select(*(accounts.c[name] for name in COLUMNS)).order_by(accounts.c.id)
    with engine.begin() as connection:
        for row in rows:
            connection.execute(old_accounts.insert().values(**row))
        before = connection.execute(kept).all()

    migrate.upgrade(app, "0024")
    with engine.connect() as connection:
        after = connection.execute(kept).all()
        external = connection.execute(select(accounts.c.external_id)).scalars().all()
    assert after == before
    assert external == [None, None, None]
    indexes = {i["name"]: i for i in inspect(engine).get_indexes("accounts")}
    assert indexes["ix_accounts_external_id"]["unique"]
    assert indexes["ix_accounts_external_id"]["column_names"] == ["external_id"]

    first, second, third = (row[0] for row in before)
    with engine.begin() as connection:
        connection.execute(
            update(accounts).where(accounts.c.id == first).values(external_id="IDN-0001")
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            update(accounts).where(accounts.c.id == second).values(external_id="IDN-0001")
        )
    with engine.begin() as connection:
        # Two accounts without an external id do not collide, and another id is fine.
        connection.execute(
            update(accounts).where(accounts.c.id == third).values(external_id="IDN-0003")
        )
        assert connection.execute(
            select(accounts.c.id).where(accounts.c.external_id.is_(None))
        ).scalars().all() == [second]

    migrate.downgrade(app, "0023")
    assert "external_id" not in {c["name"] for c in inspect(engine).get_columns("accounts")}
    with engine.connect() as connection:
        assert connection.execute(kept).all() == before
    migrate.upgrade(app)
    engine.dispose()
