"""Alembic migrations build the whole schema from an empty database, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import coachapp.models  # noqa: F401 - every table on the metadata
from coachapp import create_app, migrate
from coachapp.db import Base
from tests.conftest import BACKENDS, new_database_url, settings_for


@pytest.fixture(params=BACKENDS)
def empty_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    yield from new_database_url(request.param, tmp_path_factory)


def test_flask_db_upgrade_builds_the_schema_the_models_describe(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Database is at head." in result.output

    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "models and migrations disagree; write a migration"
    engine.dispose()


def test_downgrade_to_base_and_upgrade_again(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    engine = app.extensions["coachapp.db"].engine
    migrate.upgrade(app)
    migrate.downgrade(app, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(app)
    assert "users" in inspect(engine).get_table_names()
    engine.dispose()


def test_upgrade_twice_is_harmless(empty_database_url: str) -> None:
    app = create_app(settings_for(empty_database_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    app.extensions["coachapp.db"].engine.dispose()
