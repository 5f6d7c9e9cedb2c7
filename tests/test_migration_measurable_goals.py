"""Migration 0022 on both databases: existing goals keep every field (title, measure, target
date, status, value) and become numeric goals without metric, baseline or target; actuals get
their table (one client_uuid each, gone with their goal); down and up again."""

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

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TABLES = Base.metadata.tables


def insert_row(connection: Connection, table: str, **values: Any) -> int:
    row = connection.execute(TABLES[table].insert().values(**values)).inserted_primary_key
    assert row is not None
    return int(row[0])


def insert_plan(connection: Connection, now: dt.datetime) -> tuple[int, int]:
    """A rep, an account and the rep's plan for it, as the schema has had them since 0021
    (the migration tests of later revisions start from here too): the owner's and plan's ids."""
    owner = insert_row(
        connection, "users", email="rep@example.com", name="Rep", password_hash="x",
        role="rep", function="sales", timezone="UTC", active=True, region="",
        must_change_password=False, created_at=now, updated_at=now,
    )  # fmt: skip
    account = insert_row(
        connection, "accounts", name="Acme Health", type="idn", region="West", created_at=now
    )
    plan = insert_row(
        connection, "account_plans", account_id=account, period="2026-H1", owner_id=owner,
        status="active", strategic_priorities="", profile_business="", profile_clinical="",
        profile_operational="", profile_reimbursement="", version=1, created_at=now,
        updated_at=now, last_activity_at=now, insights_need_approval=False,
    )  # fmt: skip
    return owner, plan


def test_0022_keeps_every_goal_and_adds_actuals(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0021")
    goals_before = {c["name"] for c in inspect(engine).get_columns("plan_goals")}
    assert "metric" not in goals_before
    goal_columns = ("id", "plan_id", "position", "title", "measure", "target_date", "status",
                    "value", "version", "updated_at")  # fmt: skip
    # The table as 0021 left it: inserting through the models' table would add new columns.
    goals = TABLES["plan_goals"]
    old_goals = table(
        "plan_goals", *(column(name) for name in goal_columns if name != "id"), column("id")
    )
    with engine.begin() as connection:
        owner, plan = insert_plan(connection, NOW)
        rows = [
            dict(plan_id=plan, position=0, title="Formulary listing",
                 measure="P&T decision recorded in committee minutes",
                 target_date=dt.date(2026, 6, 30), status="at_risk",
                 value="$1.8M annual net sales", version=3, updated_at=NOW),
            dict(plan_id=plan, position=1, title="In-services", measure="", target_date=None,
                 status="done", value=None, version=1, updated_at=NOW),
        ]  # fmt: skip
        for row in rows:
            # Only the columns 0021 knows.
            connection.execute(old_goals.insert().values(**row))
    with engine.connect() as connection:
        before = connection.execute(
            select(*(goals.c[name] for name in goal_columns)).order_by(goals.c.id)
        ).all()

    migrate.upgrade(app, "0022")
    with engine.connect() as connection:
        after = connection.execute(
            select(*(goals.c[name] for name in goal_columns)).order_by(goals.c.id)
        ).all()
        new = connection.execute(
            select(goals.c.kind, goals.c.metric, goals.c.unit, goals.c.baseline,
                   goals.c.baseline_date, goals.c.target, goals.c.stages).order_by(goals.c.id)
        ).all()  # fmt: skip
    assert after == before
    assert [tuple(r) for r in new] == [("numeric", "", "", None, None, None, [])] * 2

    goal_id = before[0][0]
    key = uuid.uuid4()
    actual = dict(goal_id=goal_id, measured_on=dt.date(2026, 3, 31), value=2.0, source="typed",
                  recorded_by_id=owner, version=1, created_at=NOW, updated_at=NOW)  # fmt: skip
    with engine.begin() as connection:
        insert_row(connection, "goal_actuals", client_uuid=key, **actual)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_row(connection, "goal_actuals", client_uuid=key, **actual)
    with engine.begin() as connection:
        connection.execute(goals.delete().where(goals.c.id == goal_id))
        assert connection.execute(select(TABLES["goal_actuals"].c.id)).all() == []

    migrate.downgrade(app, "0021")
    assert "goal_actuals" not in inspect(engine).get_table_names()
    assert "metric" not in {c["name"] for c in inspect(engine).get_columns("plan_goals")}
    migrate.upgrade(app)
    engine.dispose()
