"""Migration 0033 on both databases: existing accounts keep every field, with no parent, no
territory and an empty address; the new types hospital and clinic are accepted, an unknown
type still refused; down and up again."""

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
COLUMNS = ("id", "name", "type", "region", "external_id", "created_at")
ADDRESS = ("street", "city", "address_region", "postal_code", "country")


def test_0033_keeps_every_account_and_adds_hierarchy_territory_and_address(
    empty_database_url: str,
) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0032")
    old_accounts = table("accounts", *(column(name) for name in COLUMNS[1:]))
    rows = [
        dict(name="Acme Health", type="idn", region="West", external_id="IDN-1", created_at=NOW),
        dict(name="Mercy", type="health_system", region="", external_id=None, created_at=NOW),
    ]
    accounts = Base.metadata.tables["accounts"]
    kept = select(*(accounts.c[name] for name in COLUMNS)).order_by(accounts.c.id)
    with engine.begin() as connection:
        for row in rows:
            connection.execute(old_accounts.insert().values(**row))
        before = connection.execute(kept).all()

    migrate.upgrade(app, "0033")
    new = (accounts.c.parent_id, accounts.c.territory_id, *(accounts.c[a] for a in ADDRESS))
    with engine.connect() as connection:
        assert connection.execute(kept).all() == before
        assert connection.execute(select(*new)).all() == [(None, None, "", "", "", "", "")] * 2
    assert {"territories", "user_territories"} <= set(inspect(engine).get_table_names())

    first, second = (row[0] for row in before)
    with engine.begin() as connection:
        connection.execute(
            update(accounts)
            .where(accounts.c.id == second)
            .values(parent_id=first, type="hospital", city="Springfield")
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        # Through a plain table: the model's enum would refuse the value before the database.
        plain = table("accounts", column("id"), column("type"))
        connection.execute(update(plain).where(plain.c.id == first).values(type="castle"))

    migrate.downgrade(app, "0032")
    columns = {c["name"] for c in inspect(engine).get_columns("accounts")}
    assert "parent_id" not in columns and "city" not in columns
    with engine.connect() as connection:
        # A hospital becomes the nearest older type.
        types = connection.execute(select(accounts.c.type).order_by(accounts.c.id)).scalars()
        assert list(types) == ["idn", "health_system"]
    migrate.upgrade(app)
    engine.dispose()
