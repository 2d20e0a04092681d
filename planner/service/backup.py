"""``planner backup`` / ``planner restore``: the whole service in one file, and back.

A backup is a ``.tar.gz`` holding ``manifest.json`` (format, schema revision, row counts),
``tables/<table>.jsonl`` (every row of every table, read in one transaction — on PostgreSQL a
repeatable-read snapshot — so the rows agree with each other) and ``files/…`` (the data
folder's stored files: roster blobs, plan folders, uploaded scenarios; not the SQLite file, not
scratch space). Rows are written as JSON, so a backup of the embedded SQLite service restores
into PostgreSQL and back. The archive is written under a temporary name and renamed when
complete: a backup interrupted half-way leaves no file that looks whole.

A restore goes into an empty database and data folder only (it never merges): it brings the
schema to the backup's revision, inserts the rows table by table in one transaction and puts
the files back; on any error nothing of the rows is kept.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, Table, func, insert, select, text

from planner.service.config import Settings
from planner.service.db import Base, Database

FORMAT = "planner-backup-1"
FILE_FOLDERS = ("blobs", "plans", "scenarios", "versions")
"""The data folder's parts a backup keeps (``tmp/`` and the SQLite file are not)."""


class BackupError(Exception):
    """A backup cannot be made or restored (the message says why)."""


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key == "$dt":
            return dt.datetime.fromisoformat(inner)
        if key == "$d":
            return dt.date.fromisoformat(inner)
        if key == "$b":
            return base64.b64decode(inner)
    return value


def tables() -> list[Table]:
    """Every table of the service, parents before children."""
    return list(Base.metadata.sorted_tables)


def _revision(db: Database) -> str:
    with db.engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar())


def backup(settings: Settings, out: Path) -> dict[str, int]:
    """Write the backup of the service of ``settings`` to ``out``; the row count per table."""
    db = Database(settings.database_url)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=out.parent, prefix=".backup-", suffix=".part")
    os.close(handle)
    counts: dict[str, int] = {}
    try:
        with tarfile.open(partial, "w:gz") as archive:
            options = {"isolation_level": "REPEATABLE READ"} if db.is_postgres else {}
            connection = db.engine.connect().execution_options(**options)
            with connection, connection.begin():
                revision = str(
                    connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
                )
                for table in tables():
                    order = list(table.primary_key.columns) or list(table.columns)
                    rows = connection.execute(select(table).order_by(*order)).mappings()
                    lines = [
                        json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False)
                        for row in rows
                    ]
                    counts[table.name] = len(lines)
                    _add_bytes(archive, f"tables/{table.name}.jsonl", "\n".join(lines).encode())
            for folder in FILE_FOLDERS:
                root = settings.data_dir / folder
                if root.is_dir():
                    archive.add(root, arcname=f"files/{folder}", recursive=True)
            manifest = {
                "format": FORMAT,
                "revision": revision,
                "database": db.engine.dialect.name,
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "tables": counts,
            }
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
        with open(partial, "rb") as done:
            os.fsync(done.fileno())
        os.replace(partial, out)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
        db.dispose()
    return counts


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def restore(settings: Settings, source: Path) -> dict[str, int]:
    """Restore the backup ``source`` into the empty service of ``settings``; row counts."""
    with tarfile.open(source, "r:gz") as archive:
        manifest = _manifest(archive)
        db = Database(settings.database_url)
        try:
            db.migrate()
            if _revision(db) != manifest["revision"]:
                raise BackupError(
                    f"the backup has schema {manifest['revision']}, this planner "
                    f"{_revision(db)}: restore it with the planner version that made it"
                )
            with db.session() as session:
                for table in tables():
                    if session.scalar(select(func.count()).select_from(table)):
                        raise BackupError(
                            f"the database is not empty (table {table.name}): restore into a "
                            "new database and data folder"
                        )
            for folder in FILE_FOLDERS:
                if (settings.data_dir / folder).exists() and any(
                    (settings.data_dir / folder).iterdir()
                ):
                    raise BackupError(f"the data folder already has {folder}/: use a new one")
            counts = _insert_rows(db, archive)
            _extract_files(archive, settings.data_dir)
        finally:
            db.dispose()
    return counts


def _manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.extractfile("manifest.json")
    except KeyError:
        member = None
    if member is None:
        raise BackupError("not a planner backup (no manifest.json)")
    manifest = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return dict(manifest)


def _insert_rows(db: Database, archive: tarfile.TarFile) -> dict[str, int]:
    counts: dict[str, int] = {}
    with db.session() as session:
        for table in tables():
            member = archive.extractfile(f"tables/{table.name}.jsonl")
            if member is None:
                raise BackupError(f"the backup lacks table {table.name}")
            rows = [
                {k: _decode(v) for k, v in json.loads(line).items()}
                for line in member.read().decode().splitlines()
                if line.strip()
            ]
            for start in range(0, len(rows), 1000):
                session.execute(insert(table), rows[start : start + 1000])
            counts[table.name] = len(rows)
        if db.is_postgres:  # the next id of each table follows the restored rows
            for table in tables():
                keys = list(table.primary_key.columns)
                if len(keys) == 1 and isinstance(keys[0].type, Integer):
                    name = keys[0].name
                    session.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{name}'), "
                            f'COALESCE((SELECT MAX("{name}") FROM "{table.name}"), 0) + 1, false)'
                        )
                    )
    return counts


def _extract_files(archive: tarfile.TarFile, data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    root = data_dir.resolve()
    for member in archive.getmembers():
        if not member.name.startswith("files/") or not (member.isfile() or member.isdir()):
            continue
        target = (root / member.name.removeprefix("files/")).resolve()
        if root not in target.parents:
            raise BackupError(f"the backup names a file outside the data folder: {member.name}")
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        source = archive.extractfile(member)
        assert source is not None
        target.write_bytes(source.read())
