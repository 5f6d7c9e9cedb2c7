"""Migration 0023 on both databases: a new table of attainment snapshots beside the goals and
actuals already there, which keep every row; one snapshot per goal and quarter, gone with its
goal; down and up again."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import Connection, column, inspect, select, table
from sqlalchemy.exc import IntegrityError

import coachapp.models  # noqa: F401 - every table on the metadata
from coachapp import create_app, migrate
from coachapp.db import Base
from tests.conftest import settings_for
from tests.test_migration_measurable_goals import insert_plan, insert_row

NOW = dt.datetime(2026, 4, 2, tzinfo=dt.UTC)
TABLES = Base.metadata.tables


def _rows(connection: Connection, table: str) -> list[tuple[Any, ...]]:
    columns = TABLES[table].c
    return [tuple(row) for row in connection.execute(select(columns).order_by(columns.id))]


def test_0023_adds_snapshots_and_keeps_goals_and_actuals(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0022")
    assert "attainment_snapshots" not in inspect(engine).get_table_names()
    with engine.begin() as connection:
        owner, plan = insert_plan(connection, NOW)
        goal = insert_row(
            connection, "plan_goals", plan_id=plan, position=0, title="Patients on therapy",
            measure="", target_date=dt.date(2026, 12, 31), status="on_track", value=None,
            kind="numeric", metric="Patients", unit="patients", baseline=10.0,
            baseline_date=dt.date(2026, 1, 1), target=50.0, stages=[], version=1,
            updated_at=NOW,
        )  # fmt: skip
        insert_row(
            connection, "goal_actuals", client_uuid=uuid.uuid4(), goal_id=goal,
            measured_on=dt.date(2026, 3, 31), value=30.0, source="typed",
            recorded_by_id=owner, version=1, created_at=NOW, updated_at=NOW,
        )  # fmt: skip
    with engine.connect() as connection:
        before = {t: _rows(connection, t) for t in ("plan_goals", "goal_actuals")}

    migrate.upgrade(app, "0023")
    with engine.connect() as connection:
        assert {t: _rows(connection, t) for t in before} == before
    snapshot = dict(goal_id=goal, quarter="2026-Q1", track="on_track", progress=0.5,
                    expected=0.49, latest_value=30.0, latest_on=dt.date(2026, 3, 31), actuals=1,
                    baseline=10.0, baseline_date=dt.date(2026, 1, 1), target=50.0,
                    target_date=dt.date(2026, 12, 31), stages=None, taken_at=NOW)  # fmt: skip
    with engine.begin() as connection:
        insert_row(connection, "attainment_snapshots", **snapshot)
        insert_row(connection, "attainment_snapshots", **{**snapshot, "quarter": "2026-Q2"})
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_row(connection, "attainment_snapshots", **snapshot)
    # The database refuses what the models would: a track it does not know, negative counts.
    plain = table("attainment_snapshots", *(column(name) for name in snapshot))
    for wrong in ({"track": "ahead"}, {"actuals": -1}):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(plain.insert().values(**{**snapshot, "quarter": "2025-Q4", **wrong}))
    with engine.begin() as connection:
        connection.execute(TABLES["plan_goals"].delete().where(TABLES["plan_goals"].c.id == goal))
        assert _rows(connection, "attainment_snapshots") == []

    migrate.downgrade(app, "0022")
    assert "attainment_snapshots" not in inspect(engine).get_table_names()
    migrate.upgrade(app)
    assert "attainment_snapshots" in inspect(engine).get_table_names()
    engine.dispose()
