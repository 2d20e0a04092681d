"""``planner backup`` / ``planner restore``: the whole service round-trips, on SQLite and on
PostgreSQL (and from one to the other)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from planner.cli.app import cli
from planner.service.backup import FILE_FOLDERS, BackupError, restore, tables
from planner.service.config import DATA_DIR_ENV, DATABASE_URL_ENV, Settings
from planner.service.db import Database

from .conftest import Service, csrf_of, sign_in

PASSWORD = "demo-staff-2026"


def rows_of(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, comparable across databases."""
    db = Database(url)
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with db.engine.connect() as connection:
            for table in tables():
                order = list(table.primary_key.columns) or list(table.columns)
                out[table.name] = [
                    tuple(_plain(v) for v in row)
                    for row in connection.execute(select(table).order_by(*order))
                ]
    finally:
        db.dispose()
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return value


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for part in FILE_FOLDERS
        for p in sorted((folder / part).rglob("*"))
        if p.is_file()
    }


def run(args: list[str], data_dir: Path, url: str) -> str:
    result = CliRunner().invoke(
        cli, args, env={DATA_DIR_ENV: str(data_dir), DATABASE_URL_ENV: url}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def target(kind: str, tmp_path: Path, fresh: Any) -> Settings:
    folder = tmp_path / f"restored-{kind}"
    url = fresh() if kind == "postgres" else f"sqlite:///{folder / 'planner.sqlite3'}"
    return Settings(data_dir=folder, database_url=url)


@pytest.mark.parametrize(
    "into", ["same", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_backup_and_restore_round_trip(
    service: Service, tmp_path: Path, into: str, request: pytest.FixtureRequest
) -> None:
    kind = service.backend if into == "same" else into
    if kind == "postgres":
        restored = target(kind, tmp_path, lambda: request.getfixturevalue("fresh_postgres"))
    else:
        restored = target(kind, tmp_path, None)
    service.db.dispose()
    archive = tmp_path / "out" / "planner-backup.tar.gz"
    said = run(["backup", str(archive)], service.settings.data_dir, service.settings.database_url)
    assert "rows" in said and archive.is_file()
    assert not list(archive.parent.glob(".backup-*"))  # no partial file left
    run(["restore", str(archive)], restored.data_dir, restored.database_url)
    assert rows_of(restored.database_url) == rows_of(service.settings.database_url)
    assert files_of(restored.data_dir) == files_of(service.settings.data_dir)
    # the restored service works, and new rows get new ids
    from fastapi.testclient import TestClient

    from planner.service.app import create_app

    db = Database(restored.database_url)
    try:
        client = TestClient(create_app(restored, db), follow_redirects=False)
        sign_in(client, "admin", "demo-admin-2026")
        assert client.get(f"/plans/{service.plan_id}").status_code == 200
        original = service.client("viewer").get("/semesters/1/versions/1/download").content
        assert client.get("/semesters/1/versions/1/download").content == original
        token = csrf_of(client.get("/semesters").text)
        assert (
            client.post("/semesters", data={"name": "2031春", "csrf_token": token}).status_code
            == 303
        )
        # a second restore into the same place is refused: a restore never merges
        with pytest.raises(BackupError, match="not empty"):
            restore(restored, archive)
    finally:
        db.dispose()


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "x.tar.gz"
    import tarfile

    with tarfile.open(bogus, "w:gz"):
        pass
    settings = Settings(
        data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'd' / 'p.db'}"
    )
    with pytest.raises(BackupError, match="manifest"):
        restore(settings, bogus)
