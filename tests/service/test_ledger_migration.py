"""Migration 0003 (the contact work) creates exactly the tables the models declare, on SQLite
and on PostgreSQL, and goes down to the initial schema cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from planner.service.db import MIGRATIONS, Base, Database

LEDGER_TABLES = {
    "ledger_terms",
    "ledger_records",
    "ledger_leaves",
    "ledger_cases",
    "ledger_case_steps",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "postgres":
        url = request.getfixturevalue("fresh_postgres")
    else:
        url = f"sqlite:///{tmp_path / 'planner.sqlite3'}"
    db = Database(url)
    request.addfinalizer(db.dispose)
    return db


def test_the_models_match_the_migrations_and_go_down(database: Database) -> None:
    database.migrate()
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert set(inspect(database.engine).get_table_names()) >= LEDGER_TABLES
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    left = set(inspect(database.engine).get_table_names())
    assert not LEDGER_TABLES & left and "semesters" in left
