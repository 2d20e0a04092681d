"""Alembic environment: migrations run on the connection the service hands over
(:func:`planner.service.db.migrate`), or on ``PLANNER_DATABASE_URL`` from the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from planner.service.config import Settings
from planner.service.db import Base, import_models, make_engine

import_models()
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    """Run the migrations on ``connection`` (batch mode lets SQLite alter tables)."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with make_engine(Settings.from_env().database_url).begin() as own:
        run(own)
