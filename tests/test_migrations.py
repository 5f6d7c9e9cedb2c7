"""Alembic migrations build the whole schema from an empty database, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

import coachapp.models  # noqa: F401 - every table on the metadata
from coachapp import create_app, migrate
from coachapp.db import Base
from tests.conftest import settings_for


def test_flask_db_upgrade_builds_the_schema_the_models_describe(empty_database_url: str) -> None:
    """From nothing to head with `flask db upgrade`; a second upgrade is harmless; down to
    base leaves nothing, and up again gives the same schema (one database, each step
    starting where the last ended)."""
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Database is at head." in result.output
    assert_schema_is_the_models(engine)

    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0, again.output
    assert "Database is at head." in again.output

    migrate.downgrade(app, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(app)
    assert_schema_is_the_models(engine)
    engine.dispose()


def assert_schema_is_the_models(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "models and migrations disagree; write a migration"


def test_0002_upgrades_a_database_that_already_has_plans(empty_database_url: str) -> None:
    """New NOT NULL columns get values for existing rows (server defaults)."""
    from sqlalchemy import text

    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0001")
    now = "2026-01-01 00:00:00+00:00"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, role, function, timezone,"
                " active, created_at, updated_at) VALUES (1, 'a@example.com', 'A', 'x', 'rep',"
                " 'sales', 'UTC', true, :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO accounts (id, name, type, region, created_at)"
                " VALUES (1, 'Acme Health', 'idn', 'West', :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO account_plans (id, account_id, period, owner_id, status,"
                " strategic_priorities, profile_business, profile_clinical, profile_operational,"
                " profile_reimbursement, version, created_at, updated_at)"
                " VALUES (1, 1, '2026-H1', 1, 'active', '', '', '', '', '', 3, :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO plan_goals (id, plan_id, position, title, measure, status)"
                " VALUES (1, 1, 0, 'Formulary win', 'P&T approval', 'on_track')"
            )
        )
    migrate.upgrade(app)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version FROM plan_goals")).scalar_one() == 1
        assert connection.execute(text("SELECT last_activity_at FROM account_plans")).scalar_one()
    engine.dispose()


def test_0007_gives_existing_people_an_empty_region(empty_database_url: str) -> None:
    from sqlalchemy import text

    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0006")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, role, function, timezone,"
                " active, created_at, updated_at) VALUES (1, 'a@example.com', 'A', 'x', 'rep',"
                " 'sales', 'UTC', true, :now, :now)"
            ),
            {"now": "2026-01-01 00:00:00+00:00"},
        )
    migrate.upgrade(app)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT region FROM users")).scalar_one() == ""
    migrate.downgrade(app, "0006")
    assert "region" not in {c["name"] for c in inspect(engine).get_columns("users")}
    engine.dispose()


def test_0021_keeps_plans_and_comments_and_gives_each_comment_its_own_client_uuid(
    empty_database_url: str,
) -> None:
    from sqlalchemy import text

    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app, "0020")
    now = "2026-01-01 00:00:00+00:00"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, role, function, timezone,"
                " region, active, must_change_password, created_at, updated_at) VALUES"
                " (1, 'a@example.com', 'A', 'x', 'rep', 'sales', 'UTC', '', true, false,"
                " :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO accounts (id, name, type, region, created_at)"
                " VALUES (1, 'Acme Health', 'idn', 'West', :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO account_plans (id, account_id, period, owner_id, status,"
                " strategic_priorities, profile_business, profile_clinical, profile_operational,"
                " profile_reimbursement, version, created_at, updated_at, last_activity_at)"
                " VALUES (1, 1, '2026-H1', 1, 'active', 'Win P&T', '', '', '', '', 3, :now, :now,"
                " :now)"
            ),
            {"now": now},
        )
        for comment_id, body in ((1, "First"), (2, "Second")):
            connection.execute(
                text(
                    "INSERT INTO plan_comments (id, plan_id, author_id, body, created_at)"
                    " VALUES (:id, 1, 1, :body, :now)"
                ),
                {"id": comment_id, "body": body, "now": now},
            )
    migrate.upgrade(app)
    with engine.connect() as connection:
        plan = connection.execute(
            text("SELECT strategic_priorities, version, insights_need_approval FROM account_plans")
        ).one()
        assert (plan[0], plan[1], bool(plan[2])) == ("Win P&T", 3, False)
        comments = connection.execute(
            text("SELECT body, client_uuid FROM plan_comments ORDER BY id")
        ).all()
        assert [body for body, _ in comments] == ["First", "Second"]
        uuids = {client_uuid for _, client_uuid in comments}
        assert None not in uuids and len(uuids) == 2
        assert connection.execute(text("SELECT count(*) FROM plan_insights")).scalar_one() == 0
    migrate.downgrade(app, "0020")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM plan_comments")).scalar_one() == 2
    assert "plan_insights" not in inspect(engine).get_table_names()
    engine.dispose()
