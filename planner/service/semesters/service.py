"""Semesters and roster uploads: validation by the planner, immutable data versions."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner.i18n import gettext as _
from planner.service import engine
from planner.service.audit.service import record
from planner.service.failpoints import failpoint
from planner.service.forms import FormError
from planner.service.permissions import Principal
from planner.service.semesters.models import DataVersion, Semester, StoredFile, VersionCollege
from planner.service.storage import Storage, safe_file_name, sha256
from planner.service.uploads import check_files

SEMESTER_NAME = re.compile(r"^[\w\u3000-\u9fff\- ]{2,40}$")
TABLE_SUFFIXES = (".xlsx", ".csv")
MAX_FILES = 12


def list_semesters(db: Session) -> list[Semester]:
    """Every semester, newest first."""
    return list(db.scalars(select(Semester).order_by(Semester.id.desc())))


def get_semester(db: Session, semester_id: int) -> Semester | None:
    """The semester ``semester_id``, or None."""
    return db.get(Semester, semester_id)


def create_semester(
    db: Session, name: str, actor: Principal | None, previous_id: int | None = None
) -> Semester:
    """Open a semester (e.g. ``2026秋``). Unless told, it continues from the newest one."""
    name = " ".join(name.split())
    if not SEMESTER_NAME.match(name):
        raise FormError({"name": _("2 to 40 letters, digits or Chinese characters, e.g. 2026秋")})
    if db.scalar(select(Semester).where(Semester.name == name)):
        raise FormError({"name": _("a semester with this name exists")})
    if previous_id is None:
        newest = db.scalar(select(Semester).order_by(Semester.id.desc()).limit(1))
        previous_id = newest.id if newest else None
    elif db.get(Semester, previous_id) is None:
        raise FormError({"previous": _("no such semester")})
    semester = Semester(
        name=name, previous_id=previous_id, created_by_id=actor.user_id if actor else None
    )
    db.add(semester)
    db.flush()
    record(db, actor, "semester.create", "semester", semester.name, semester_id=semester.id)
    return semester


def versions(db: Session, semester_id: int) -> list[DataVersion]:
    """The data versions of a semester, newest first."""
    query = select(DataVersion).where(DataVersion.semester_id == semester_id)
    return list(db.scalars(query.order_by(DataVersion.number.desc())))


def get_version(db: Session, semester_id: int, number: int) -> DataVersion | None:
    """Data version ``number`` of a semester."""
    return db.scalar(
        select(DataVersion).where(
            DataVersion.semester_id == semester_id, DataVersion.number == number
        )
    )


def version_files(db: Session, version_id: int) -> list[StoredFile]:
    """The stored files of a data version."""
    query = select(StoredFile).where(StoredFile.data_version_id == version_id)
    return list(db.scalars(query.order_by(StoredFile.name)))


def known_colleges(db: Session) -> list[VersionCollege]:
    """The colleges of the newest data version (any semester): for lists and accounts."""
    newest = db.scalar(select(DataVersion).order_by(DataVersion.id.desc()).limit(1))
    if newest is None:
        return []
    query = select(VersionCollege).where(VersionCollege.data_version_id == newest.id)
    return list(db.scalars(query.order_by(VersionCollege.college)))


@dataclass
class Upload:
    """One uploaded file, as the browser sent it."""

    name: str
    data: bytes


def _checked_uploads(uploads: list[Upload]) -> list[Upload]:
    """Safe, distinct names of table files; a :class:`FormError` for anything else."""
    uploads = [u for u in uploads if u.name or u.data]
    if not uploads:
        raise FormError({"files": _("choose a workbook (.xlsx) or the table files (.csv, .xlsx)")})
    if len(uploads) > MAX_FILES:
        raise FormError({"files": _("at most {n} files at once").format(n=MAX_FILES)})
    seen: set[str] = set()
    out = []
    for upload in uploads:
        name = safe_file_name(upload.name)
        if not name.lower().endswith(TABLE_SUFFIXES):
            raise FormError(
                {"files": _("{name}: only .xlsx and .csv files are read").format(name=name)}
            )
        if name.lower() in seen:
            raise FormError({"files": _("{name} is given twice").format(name=name)})
        seen.add(name.lower())
        out.append(Upload(name, upload.data))
    return out


def _read_path(folder: Path, uploads: list[Upload]) -> tuple[Path, str]:
    """What the planner reads: the lone workbook itself, or the folder of table files."""
    if len(uploads) == 1 and uploads[0].name.lower().endswith(".xlsx"):
        stem = Path(uploads[0].name).stem.strip().lower()
        if stem not in {t.name for t in engine.TABLES.values()} | {
            t.alias for t in engine.TABLES.values()
        }:
            return folder / uploads[0].name, "workbook"
    return folder, "tables"


def accept_upload(
    db: Session,
    storage: Storage,
    semester: Semester,
    uploads: list[Upload],
    actor: Principal,
    note: str = "",
) -> DataVersion:
    """Validate the uploaded rosters with the planner; store them as a new data version.

    Raises :class:`~planner.errors.InputError` (every problem, located) or
    :class:`FormError`; nothing is stored then.
    """
    files = _checked_uploads(uploads)
    check_files([(f.name, f.data) for f in files])
    with storage.scratch("upload") as folder:
        for upload in files:
            (folder / upload.name).write_bytes(upload.data)
        path, source = _read_path(folder, files)
        dataset = engine.load_data(path)  # raises InputError with every problem
        counts, colleges = engine.dataset_summary(dataset)
    stored = sorted((u.name, storage.put_blob(u.data), len(u.data)) for u in files)
    digest = sha256("\n".join(f"{name} {sha}" for name, sha, _size in stored).encode())
    number = (
        db.scalar(
            select(func.max(DataVersion.number)).where(DataVersion.semester_id == semester.id)
        )
        or 0
    ) + 1
    version = DataVersion(
        semester_id=semester.id,
        number=number,
        sha256=digest,
        source=source,
        note=note.strip()[:200],
        counts=counts,
        created_by_id=actor.user_id,
    )
    db.add(version)
    db.flush()
    for name, sha, size in stored:
        db.add(StoredFile(data_version_id=version.id, name=name, sha256=sha, size=size))
    for college, name, campus in colleges:
        db.add(
            VersionCollege(data_version_id=version.id, college=college, name=name, campus=campus)
        )
    latest = versions(db, semester.id)
    before = latest[1].sha256 if len(latest) > 1 else None
    record(
        db,
        actor,
        "data.upload",
        "data_version",
        f"{semester.name} v{number}",
        semester_id=semester.id,
        before_sha=before,
        after_sha=digest,
        detail={"files": [n for n, _s, _z in stored], "cadres": counts["cadres"]},
    )
    failpoint("upload.store")  # rows flushed, blobs written, nothing committed
    return version


def data_path(db: Session, storage: Storage, version: DataVersion) -> Path:
    """What the planner reads for ``version`` (its workbook, or its folder of tables)."""
    files = version_files(db, version.id)
    folder = storage.version_folder(version.id, [(f.name, f.sha256) for f in files])
    if version.source == "workbook":
        return folder / files[0].name
    return folder


def version_download(
    db: Session, storage: Storage, semester: Semester, version: DataVersion
) -> tuple[str, bytes]:
    """The file name and bytes to download: the workbook, or a zip of the table files."""
    files = version_files(db, version.id)
    if len(files) == 1:
        return files[0].name, storage.read_blob(files[0].sha256)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.writestr(f.name, storage.read_blob(f.sha256))
    return f"{semester.name}-v{version.number}.zip", buffer.getvalue()
