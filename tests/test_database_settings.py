"""Settings the app gives each database connection it opens."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from coachapp.db import Database


def test_postgresql_compiles_no_statement_just_in_time(app: Flask) -> None:
    """JIT compilation cost a director's dashboard 350 ms for a 25 ms query at 2,521 reps."""
    database: Database = app.extensions["coachapp.db"]
    if database.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    database.engine.dispose()  # a connection opened now, not one the pool held
    with database.engine.connect() as connection:
        assert connection.scalar(text("SHOW jit")) == "off"
        connection.rollback()
        # Still off after a transaction rolled back: the setting is the session's.
        assert connection.scalar(text("SHOW jit")) == "off"
