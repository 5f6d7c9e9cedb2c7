"""Rows written straight into a database at an older revision, for the migration tests: by
the models' table definitions (coachapp.db.Base), with the values a revision's columns need."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Select, inspect, select

import coachapp.models  # noqa: F401 - every table on the metadata
from coachapp.db import Base

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TABLES = Base.metadata.tables


def insert_row(connection: Connection, table: str, **values: Any) -> int:
    """Inserts one row into the table; its primary key."""
    row = connection.execute(TABLES[table].insert().values(**values)).inserted_primary_key
    assert row is not None
    return int(row[0])


def insert_person(connection: Connection, email: str = "sam@example.com", **values: Any) -> int:
    """A rep with the columns users has had since 0025 (those after it: `values`)."""
    person: dict[str, Any] = {
        "email": email,
        "name": "Sam",
        "password_hash": "!x",
        "role": "rep",
        "function": "sales",
        "timezone": "UTC",
        "active": True,
        "region": "",
        "must_change_password": False,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return insert_row(connection, "users", **{**person, **values})


def rows_as_they_were(connection: Connection, table: str) -> Select[Any]:
    """The table's rows by the columns it has at the database's revision, in id order: what a
    migration must keep (columns added later are not there yet to be read)."""
    present = {column["name"] for column in inspect(connection).get_columns(table)}
    columns = [column for column in TABLES[table].c if column.name in present]
    return select(*columns).order_by(TABLES[table].c.id)
