"""The database: one SQLAlchemy engine per process, migrations run with Alembic on start.

SQLite (the embedded default) runs in WAL mode with a busy timeout and foreign keys on, so web
and worker processes can share the file; PostgreSQL is used when ``PLANNER_DATABASE_URL``
names it. Every table is declared on :class:`Base`; the domains' ``models.py`` modules are
imported by :func:`import_models` so the metadata is complete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 15_000

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of every service table."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    """Now, in UTC."""
    return dt.datetime.now(dt.UTC)


def import_models() -> None:
    """Import every domain's tables so that :attr:`Base.metadata` holds them all."""
    from planner.service.accounts import models as _accounts  # noqa: F401
    from planner.service.audit import models as _audit  # noqa: F401
    from planner.service.cases import models as _cases  # noqa: F401
    from planner.service.filing import models as _filing  # noqa: F401
    from planner.service.jobs import models as _jobs  # noqa: F401
    from planner.service.ledger import models as _ledger  # noqa: F401
    from planner.service.plans import models as _plans  # noqa: F401
    from planner.service.semesters import models as _semesters  # noqa: F401


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True
    )


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (``alembic upgrade head``); creates it if new."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    """The engine and session factory of one process."""

    def __init__(self, url: str) -> None:
        import_models()
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        """Whether the database is PostgreSQL (jobs are claimed with SKIP LOCKED there)."""
        return self.engine.dialect.name == "postgresql"

    def migrate(self) -> None:
        """Run the migrations (see :func:`migrate`)."""
        migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed at the end of the block, rolled back on an error."""
        with self.sessions() as db, db.begin():
            yield db

    def dispose(self) -> None:
        """Close every pooled connection (after a fork, in the child: ``close=False``)."""
        self.engine.dispose()
